"""The newest collected value of each repo and metric, and the oldest observation.

Read at every scrape, ``status``, ``repos`` and collection cycle, so never from the history: a
``GROUP BY`` with ``max()`` over ``observation`` reads every row, and even one index seek per
repo and metric touches a page per pair in a table of millions of rows (at 1,000 repos x 5
years a scrape cost 2.3 times what it cost with a day stored). ``latest_value`` holds one row
per repo and metric, kept by :func:`keep_latest` in the transaction that writes the collected
observations (and by :func:`move_latest` when two rows of a renamed repo merge).

Values as of an instant in the past (reports) are seeks of the observation key:
:func:`newest_collected`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, String, delete, func, true
from sqlalchemy import select as core_select

from monitor.metrics import METRICS
from monitor.store import tables
from monitor.store.db import dialect_insert
from monitor.store.sql import chunked, execute_many, literal_rows, read_many

if TYPE_CHECKING:
    from sqlmodel import Session

__all__ = [
    "LatestValues",
    "first_observation_at",
    "keep_latest",
    "last_collected_at",
    "last_observed",
    "latest_values",
    "move_latest",
    "newest_collected",
]

#: (repo_id, metric, observed_at, value) of a collected observation.
Collected = tuple[int, str, datetime, int]


@dataclass(frozen=True, slots=True)
class LatestValues:
    """The latest *collected* values of one repo (backfill rows are history, not the present)."""

    last_collected_at: datetime | None
    values: Mapping[str, int] = field(default_factory=dict)


def newest_collected(
    repo_id: Any, metric: Any, as_of: datetime | None = None, *, source: str = "collected",
) -> Any:
    """A scalar subquery: the time of the newest observation of (*repo_id*, *metric*) from
    *source* at or before *as_of* — one descending seek of the key. The repo and metric may be
    columns of the enclosing query (correlated)."""
    o = tables.observation
    where: list[ColumnElement[bool]] = [
        o.c.repo_id == repo_id, o.c.metric == metric, o.c.source == source,
    ]
    if as_of is not None:
        where.append(o.c.observed_at <= as_of)
    return (
        core_select(o.c.observed_at)
        .where(*where)
        .order_by(o.c.observed_at.desc())
        .limit(1)
        .correlate_except(o)  # the repo (and metric) of the enclosing query
        .scalar_subquery()
    )


def keep_latest(session: Session, rows: Iterable[Collected]) -> None:
    """Make ``latest_value`` hold the newest of *rows* (collected observations just written)
    where it is newer than what it holds. Call it in the transaction that writes them."""
    newest: dict[tuple[int, str], tuple[datetime, int]] = {}
    for repo_id, metric, at, value in rows:
        seen = newest.get((repo_id, metric))
        if seen is None or at > seen[0]:
            newest[(repo_id, metric)] = (at, value)
    values = [{"repo_id": r, "metric": m, "observed_at": at, "value": v}
              for (r, m), (at, v) in sorted(newest.items())]
    if not values:
        return
    lv = tables.latest_value
    stmt = dialect_insert(session, lv)
    stmt = stmt.on_conflict_do_update(
        index_elements=["repo_id", "metric"],
        set_={"observed_at": stmt.excluded.observed_at, "value": stmt.excluded.value},
        where=stmt.excluded.observed_at > lv.c.observed_at,  # an older row changes nothing
    )
    execute_many(session.connection(), stmt, values)


def move_latest(session: Session, source_id: int, target_id: int) -> None:
    """The latest values of *source_id* count for *target_id* (the row it merges into)."""
    lv = tables.latest_value
    conn = session.connection()
    moved = conn.execute(
        core_select(lv.c.metric, lv.c.observed_at, lv.c.value).where(lv.c.repo_id == source_id)
    ).all()
    conn.execute(delete(lv).where(lv.c.repo_id == source_id))
    keep_latest(session, [(target_id, metric, at, value) for metric, at, value in moved])


def latest_values(
    session: Session, repo_ids: Collection[int] | None = None
) -> dict[int, LatestValues]:
    """Each repo's latest collected value of each metric, and when it was last collected.

    A repo never collected is absent from the result. Backfill rows are ignored: they are
    history rebuilt later, not what the platform said at the last collection.
    """
    lv = tables.latest_value
    stmt = core_select(lv.c.repo_id, lv.c.metric, lv.c.observed_at, lv.c.value)
    chunks = [None] if repo_ids is None else list(chunked(sorted(set(repo_ids))))
    times: dict[int, datetime] = {}
    values: dict[int, dict[str, int]] = {}
    for chunk in chunks:
        chosen = stmt if chunk is None else stmt.where(lv.c.repo_id.in_(chunk))
        for repo_id, metric, at, value in session.connection().execute(chosen):
            values.setdefault(repo_id, {})[metric] = value
            if repo_id not in times or at > times[repo_id]:
                times[repo_id] = at
    return {rid: LatestValues(times[rid], values[rid]) for rid in values}


def last_collected_at(repo_id: Any, metric: str | None) -> Any:
    """A scalar subquery: when *repo_id* (maybe a column of the enclosing query) was last
    collected, judged by *metric* or by any metric when ``None``."""
    lv = tables.latest_value
    stmt = core_select(func.max(lv.c.observed_at)).where(lv.c.repo_id == repo_id)
    if metric is not None:
        stmt = stmt.where(lv.c.metric == metric)
    return stmt.correlate_except(lv).scalar_subquery()


def last_observed(session: Session) -> dict[str, dict[int, datetime]]:
    """Each metric's newest collected observation time, by repo row id: what a cycle plans by
    (every metric of every repo, one read)."""
    lv = tables.latest_value
    found: dict[str, dict[int, datetime]] = {}
    stmt = core_select(lv.c.metric, lv.c.repo_id, lv.c.observed_at)
    for metric, repo_id, at in read_many(session.connection(), stmt):
        try:
            found[metric][repo_id] = at
        except KeyError:
            found[metric] = {repo_id: at}
    return found


def first_observation_at(session: Session) -> datetime | None:
    """The earliest instant the store holds any observation for, or None when it holds none:
    the oldest row of each repo and metric, one ascending seek each."""
    o, r = tables.observation, tables.repo
    metrics = literal_rows(list(METRICS), "metric", String())
    oldest = (
        core_select(o.c.observed_at)
        .where(o.c.repo_id == r.c.id, o.c.metric == metrics.c.metric)
        .order_by(o.c.observed_at)
        .limit(1)
        .correlate_except(o)
        .scalar_subquery()
    )
    stmt = core_select(func.min(oldest)).select_from(r.join(metrics, true()))
    found: datetime | None = session.connection().execute(stmt).scalar()
    return found
