"""Time as an input: a clock is any zero-argument callable that returns the current instant.

The CLI and the daemon create one (:func:`system_clock`) and pass it down: settings carry it
to platforms, collect, backfill, reports and the scheduler, so nothing below the top reads the
wall clock. Tests and simulations pass their own (a fixed instant, or one they move by hand)
and so can run months of simulated time without sleeping. A clock always answers in UTC with
its time zone set.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ["Clock", "ManualClock", "system_clock"]

#: The current instant, timezone-aware in UTC.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock: the one place the program reads it."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until moved (tests, simulations, benchmarks)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock's instant needs a time zone")
        self.instant = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.instant

    def set(self, instant: datetime) -> None:
        self.instant = instant.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)`` (``days=1``, ``hours=6``…); the new instant."""
        self.instant += timedelta(**delta)
        return self.instant
