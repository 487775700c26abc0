"""The newest (or oldest) observation of each repo and metric, found by seeking the index.

The observation key (repo_id, metric, observed_at, source) is ordered by time within each repo
and metric, so the newest collected value is one descending seek that stops at the first
``collected`` row: its cost is the number of repos and metrics asked about, not the history
stored. A ``GROUP BY`` with ``max()`` over the table reads every row instead, and a scrape,
``status`` or a collection cycle would grow slower with each year kept.

``status`` and the Prometheus exporter read these (through :func:`latest_values` and
:mod:`monitor.store.failing`), as do the collector and the daemon's catch-up.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, func, true
from sqlalchemy import select as core_select
from sqlmodel import Session

from monitor.metrics import METRICS
from monitor.store.models import Observation, Repo
from monitor.store.sql import chunked, literal_rows, table

__all__ = [
    "LatestValues",
    "first_observation_at",
    "last_observed_by_repo",
    "latest_values",
    "newest_collected",
]


@dataclass(frozen=True, slots=True)
class LatestValues:
    """The latest *collected* values of one repo (backfill rows are history, not the present)."""

    last_collected_at: datetime | None
    values: Mapping[str, int] = field(default_factory=dict)


def newest_collected(
    repo_id: Any, metric: Any, as_of: datetime | None = None, *,
    column: str = "observed_at", source: str | None = "collected",
) -> Any:
    """A scalar subquery: *column* of the newest observation of (*repo_id*, *metric*) from
    *source* (any when ``None``) at or before *as_of* — one descending seek of the key. The
    repo and metric may be columns of the enclosing query (correlated)."""
    o = table(Observation)
    where: list[ColumnElement[bool]] = [o.c.repo_id == repo_id, o.c.metric == metric]
    if as_of is not None:
        where.append(o.c.observed_at <= as_of)
    if source is not None:
        where.append(o.c.source == source)
    return (
        core_select(o.c[column])
        .where(*where)
        .order_by(o.c.observed_at.desc())
        .limit(1)
        .correlate_except(o)  # the repo (and metric) of the enclosing query
        .scalar_subquery()
    )


def latest_values(
    session: Session, repo_ids: Collection[int] | None = None
) -> dict[int, LatestValues]:
    """Each repo's latest collected value of each metric, and when it was last collected.

    A repo never collected is absent from the result. Backfill rows are ignored: they are
    history rebuilt later, not what the platform said at the last collection.
    """
    r, metrics = table(Repo), literal_rows(list(METRICS), "metric", String())
    times: dict[int, datetime] = {}
    values: dict[int, dict[str, int]] = {}
    for chunk in chunked(_repo_ids(session, repo_ids)):
        stmt = (
            core_select(
                r.c.id,
                metrics.c.metric,
                newest_collected(r.c.id, metrics.c.metric).label("at"),
                newest_collected(r.c.id, metrics.c.metric, column="value").label("value"),
            )
            .select_from(r.join(metrics, true()))
            .where(r.c.id.in_(chunk))
        )
        for repo_id, metric, at, value in session.connection().execute(stmt):
            if at is None:  # never collected
                continue
            values.setdefault(repo_id, {})[metric] = value
            if repo_id not in times or at > times[repo_id]:
                times[repo_id] = at
    return {rid: LatestValues(times[rid], values[rid]) for rid in values}


def last_observed_by_repo(
    session: Session, metric: str, source: str = "collected"
) -> dict[int, datetime]:
    """Every repo's newest observation time of *metric* (what a collector skips while fresh)."""
    r = table(Repo)
    stmt = core_select(r.c.id, newest_collected(r.c.id, metric, source=source))
    return {repo_id: at for repo_id, at in session.connection().execute(stmt) if at is not None}


def first_observation_at(session: Session) -> datetime | None:
    """The earliest instant the store holds any observation for, or None when it holds none:
    the oldest row of each repo and metric, one ascending seek each."""
    o, r = table(Observation), table(Repo)
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


def _repo_ids(session: Session, repo_ids: Collection[int] | None) -> list[int]:
    if repo_ids is not None:
        return sorted(set(repo_ids))
    r = table(Repo)
    return [repo_id for (repo_id,) in session.connection().execute(core_select(r.c.id))]
