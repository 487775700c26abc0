"""The one rule for a repo in trouble, read by ``status``, the Prometheus exporter and reports.

A collection cycle stores either a repo's values or its error, both stamped with the cycle's
start, so comparing the two times tells whether the last attempt failed: a repo is *failing*
when its newest error is newer than its newest collected observation (or it was never collected).
``status`` shows the repos failing now and splits off the ``deferred`` ones (a spent budget, not
a fault); a report shows those failing at the end of its period.

Every lookup is a seek: of ``latest_value`` (collected now), of the observation key (collected
as of a past instant) or of ``ix_repo_error_repo_id_occurred_at``, so the cost grows with the
number of repos asked about, not with the history stored; and :func:`prune_errors` deletes the
errors no answer for the last :data:`KEEP_ERRORS` needs, so the table does not grow either.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Select, String, and_, delete, func, literal
from sqlalchemy import select as core_select

from monitor.metrics import METRICS
from monitor.store import tables
from monitor.store.db import atomic
from monitor.store.latest import last_collected_at, newest_collected
from monitor.store.sql import chunked, literal_rows
from monitor.store.tables import UTCDateTime

if TYPE_CHECKING:
    from sqlmodel import Session

__all__ = ["KEEP_ERRORS", "FailingRepo", "failing_repos", "prune_errors"]

#: Errors are kept whole for this long: every answer of the rule for an instant in this window
#: (``status`` now, a report of a period that ended in it) stays the same after pruning. More
#: than the year of reports the daemon catches up on.
KEEP_ERRORS = timedelta(days=400)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # before any error: "never collected"


@dataclass(frozen=True, slots=True)
class FailingRepo:
    repo_id: int
    kind: str  # of the latest error: not_found, blocked, unavailable…, or deferred
    message: str
    since: datetime  # the first error after the last successful collection
    last_error_at: datetime
    last_collected_at: datetime | None
    job: str | None = None  # the kind of the run that recorded the latest error


def failing_repos(
    conn: Connection,
    repo_ids: Collection[int],
    as_of: datetime | None = None,
    metric: str | None = "stars",
) -> list[FailingRepo]:
    """Those of *repo_ids* whose latest error at or before *as_of* is newer than their latest
    collected observation at or before it: they were failing at *as_of* (``None``: now).

    Collection is judged by *metric*, or by any metric when it is ``None``. Sorted by repo id.
    """
    found: list[FailingRepo] = []
    for chunk in chunked(sorted(set(repo_ids))):
        seen: set[int] = set()
        for row in conn.execute(_statement(chunk, as_of, metric)):
            repo_id = row[0]
            if repo_id in seen:  # two errors at one instant: the later-recorded one
                continue
            seen.add(repo_id)
            found.append(FailingRepo(*row))
    return found


def _statement(repo_ids: list[int], as_of: datetime | None, metric: str | None) -> Select[Any]:
    """Rows ``repo_id, kind, message, since, error_at, collected_at, job`` of the failing repos,
    the latest error first where two share their instant."""
    e, r = tables.repo_error, tables.repo
    times = (
        core_select(
            r.c.id.label("repo_id"),
            _last_collected(r.c.id, as_of, metric).label("collected_at"),
            core_select(e.c.occurred_at)
            .where(e.c.repo_id == r.c.id, *_until(e.c.occurred_at, as_of))
            .order_by(e.c.occurred_at.desc())
            .limit(1)
            .scalar_subquery()
            .label("error_at"),
        )
        .where(r.c.id.in_(repo_ids))
        .subquery("times")
    )
    failing = (
        core_select(times)
        .where(
            times.c.error_at.is_not(None),
            times.c.collected_at.is_(None) | (times.c.error_at > times.c.collected_at),
        )
        .subquery("failing")
    )
    since = (
        core_select(e.c.occurred_at)
        .where(
            e.c.repo_id == failing.c.repo_id,
            *_until(e.c.occurred_at, as_of),
            # a range of the index (coalesce, not OR: an OR would read from the oldest error)
            e.c.occurred_at > func.coalesce(failing.c.collected_at, literal(_EPOCH, UTCDateTime)),
        )
        .order_by(e.c.occurred_at)
        .limit(1)
        .scalar_subquery()
    )
    latest, run = e.alias("latest"), tables.collection_run
    return (
        core_select(
            failing.c.repo_id,
            latest.c.kind,
            latest.c.message,
            since.label("since"),
            failing.c.error_at,
            failing.c.collected_at,
            run.c.kind.label("job"),
        )
        .join(
            latest,
            and_(latest.c.repo_id == failing.c.repo_id, latest.c.occurred_at == failing.c.error_at),
        )
        .join(run, run.c.id == latest.c.run_id, isouter=True)
        .order_by(failing.c.repo_id, latest.c.id.desc())
    )


def _last_collected(repo_id: Any, as_of: datetime | None, metric: str | None) -> Any:
    """The newest collected observation time of the repo: now, from ``latest_value``; as of a
    past instant, a descending seek of the observation key for *metric*, or the newest of one
    such seek per metric when *metric* is ``None``."""
    if as_of is None:
        return last_collected_at(repo_id, metric)
    if metric is not None:
        return newest_collected(repo_id, metric, as_of)
    metrics = literal_rows(list(METRICS), "metric", String())
    newest = newest_collected(repo_id, metrics.c.metric, as_of)
    return core_select(func.max(newest)).select_from(metrics).scalar_subquery()


def _until(column: Any, as_of: datetime | None) -> list[ColumnElement[bool]]:
    return [] if as_of is None else [column <= as_of]


def prune_errors(session: Session, now: datetime) -> int:
    """Delete the errors that a collected observation superseded before ``now - KEEP_ERRORS``;
    returns how many went.

    For an instant *t* in the kept window, the rule reads the newest error at or before *t* and
    the first one after the newest collection at or before *t*; an error older than a
    collection that is itself older than *t* can be neither. A repo failing since before the
    window keeps every error since its last collection (``since`` is the first of them).
    """
    e, o = tables.repo_error, tables.observation
    horizon = now - KEEP_ERRORS
    superseded = (
        core_select(o.c.observed_at)
        .where(
            o.c.repo_id == e.c.repo_id,
            o.c.metric == "stars",  # a stars value comes with every collected repo
            o.c.observed_at > e.c.occurred_at,
            o.c.observed_at <= horizon,
            o.c.source == "collected",
        )
        .exists()
    )
    with atomic(session):
        result = session.connection().execute(
            delete(e).where(e.c.occurred_at < horizon, superseded)
        )
    count: int = getattr(result, "rowcount", 0)
    return count
