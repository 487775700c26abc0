"""How an instant is written wherever a user or a script reads it: ISO 8601, UTC, with a ``Z``.

The SPEC fixes the format for export; ``repos --json``, ``status --json`` and the logs use the
same one so that every tool in a pipeline agrees.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

__all__ = ["iso_z"]


@overload
def iso_z(moment: datetime) -> str: ...


@overload
def iso_z(moment: None) -> None: ...


def iso_z(moment: datetime | None) -> str | None:
    """``2026-11-27T06:00:00Z``; a naive datetime is taken as UTC (the store's convention)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
