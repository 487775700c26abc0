"""What ``export`` reads: the stored series in the SPEC's long format, and which of the repos a
user named the store knows.

A repo is named by ``platform:owner/name``, matched without regard to case against its current
name or the key ``repos.toml`` lists it under (so an old name still finds a renamed repo); both
functions use that one rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, collate, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session

from monitor.store.history import effective_observations
from monitor.store.models import Repo
from monitor.store.sql import table

__all__ = ["ExportRow", "export_rows", "unknown_repos"]

# Rows fetched from the cursor at a time: memory stays flat however long the export is.
_YIELD_PER = 1000


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One line of ``export``: the SPEC's long format, repo named by its current name."""

    repo: str
    metric: str
    observed_at: datetime
    value: int
    source: str


def _current_name() -> ColumnElement[Any]:
    """``platform:Owner/Name`` of a repo row as the platform last named it."""
    r = table(Repo)
    return r.c.platform + ":" + r.c.owner + "/" + r.c.name


def _named(keys: Sequence[str]) -> ColumnElement[bool]:
    """Repo rows named by one of *keys* (lowercase): by current name or by configured key."""
    return or_(func.lower(_current_name()).in_(keys), table(Repo).c.config_key.in_(keys))


def unknown_repos(session: Session, keys: Sequence[str]) -> list[str]:
    """Those of *keys* (lowercase ``platform:owner/name``) that name no stored repo, in order."""
    if not keys:
        return []
    stmt = core_select(_current_name(), table(Repo).c.config_key).where(_named(keys))
    known: set[str] = set()
    for name, config_key in session.connection().execute(stmt):
        known |= {name.lower(), config_key or ""}
    return [key for key in keys if key not in known]


def export_rows(
    session: Session,
    repos: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[ExportRow]:
    """The stored series in the SPEC's long format, streamed in export order.

    *repos* are ``platform:owner/name`` strings (see the module docstring). The time window is
    half-open, ``since <= observed_at < until``. Backfill rows shadowed by collected ones are
    left out (:func:`~monitor.store.history.effective_observations`). Rows are sorted by repo
    (current name, case-insensitively), metric, time and source, in byte order on both databases
    (PostgreSQL's default collation would otherwise sort ``a-b`` and ``a_b`` unlike SQLite).
    The session must stay open while the iterator is consumed.
    """
    r = table(Repo)
    label = _current_name()
    repo_ids: list[int] | None = None
    if repos is not None:
        found = core_select(r.c.id).where(_named([key.lower() for key in repos]))
        repo_ids = list(session.connection().execute(found).scalars())
        if not repo_ids:
            return
    e = effective_observations(repo_ids, metrics, until=until)
    stmt = core_select(label, e.c.metric, e.c.observed_at, e.c.value, e.c.source).join(
        r, r.c.id == e.c.repo_id
    )
    if since is not None:
        stmt = stmt.where(e.c.observed_at >= since)
    binary = "C" if session.get_bind().dialect.name == "postgresql" else "BINARY"
    stmt = stmt.order_by(
        collate(func.lower(label), binary),
        collate(label, binary),
        r.c.id,
        collate(e.c.metric, binary),
        e.c.observed_at,
        e.c.source,
    )
    rows = session.connection().execute(stmt.execution_options(yield_per=_YIELD_PER))
    for row in rows:
        yield ExportRow(*row)
