"""The store's side of backfill: the platform's star history, each backfill's progress, and the
rebuilt series itself.

A backfill reads a platform's history listing page by page, and keeps what the pages say keyed by
what it is, never by page number (pages slide as time passes and stars are withdrawn): GitHub's
weeks by their Sunday with seven daily counts (:func:`save_week_days`), Gitee's stars by
stargazer id with their time (:func:`save_stars`). A backfill cut off by a spent budget or a
crash resumes at :attr:`BackfillState.next_page`, and the series can be rebuilt from what is
stored without reading the platform again. The rebuilt series replaces the repo's earlier
``backfill`` observations in one go (:func:`replace_backfill`); collected rows are never touched.
Which of the two a read shows where both describe one day is decided once, in SQL
(:func:`effective_observations`, from :mod:`monitor.store._precedence`; used by export and report
boundary values).

Like :mod:`monitor.store.series`, every function that writes is one transaction
(:func:`~monitor.store.db.atomic`), or a savepoint inside a caller's ``session.begin_nested()``.
Times in and out are aware UTC datetimes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from monitor.store._precedence import DayBefore, effective_observations
from monitor.store.db import atomic, dialect_insert
from monitor.store.models import (
    METRICS,
    BackfillStateRow,
    Observation,
    StarGiven,
    StarWeek,
)
from monitor.store.sql import ROWS_PER_INSERT, chunked, table

__all__ = [
    "BackfillState",
    "DayBefore",
    "delete_stars",
    "effective_observations",
    "get_state",
    "latest_collected",
    "load_stars",
    "load_week_days",
    "refuse",
    "replace_backfill",
    "save_stars",
    "save_state",
    "save_week_days",
    "states",
    "week_of",
    "whole_weeks",
]


@dataclass(frozen=True, slots=True)
class BackfillState:
    """The ``backfill_state`` row of one repo's metric.

    ``next_page`` is the next page a first backfill reads; ``pages`` the page count the platform
    last told (``None`` if it never did); ``refused_reason`` why the platform refused the history
    (``status`` shows it; ``None`` when history works). :func:`save_state` fills ``updated_at``
    with the *now* it is given when it is ``None``, and ``completed_at`` when ``complete`` is set.
    """

    repo_id: int
    metric: str
    next_page: int = 1
    pages: int | None = None
    complete: bool = False
    refused_reason: str | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    newest_first: bool | None = None  # the list order last seen (Gitee's is undocumented)

    def __post_init__(self) -> None:
        _check_metric(self.metric)

    @classmethod
    def new(cls, repo_id: int, metric: str) -> BackfillState:
        """The state of a backfill that has not started: page 1 next, nothing known."""
        return cls(repo_id, metric)


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r} (known: {', '.join(METRICS)})")


def _state(row: BackfillStateRow) -> BackfillState:
    return BackfillState(
        repo_id=row.repo_id,
        metric=row.metric,
        next_page=row.next_page,
        pages=row.pages,
        complete=row.complete,
        refused_reason=row.refused_reason,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
        newest_first=row.newest_first,
    )


# -- stored history -------------------------------------------------------------------------------


def whole_weeks(days: Mapping[date, int]) -> dict[date, list[int]]:
    """The GitHub weeks *days* covers, by their Sunday, with their seven counts (a day not
    given counts 0, as the current week's later days): what :func:`save_week_days` stores."""
    weeks: dict[date, list[int]] = {}
    for day, count in days.items():
        sunday = week_of(day)
        weeks.setdefault(sunday, [0] * 7)[(day - sunday).days] = int(count)
    return weeks


def save_week_days(
    session: Session, repo_id: int, days: Mapping[date, int], fetched_at: datetime,
) -> None:
    """Store the GitHub weeks *days* covers (:func:`whole_weeks`), replacing what was stored for
    those weeks (``fetched_at``: when a week's counts were last written). The caller passes only
    the weeks that changed: a backfill compares each page with the weeks it holds in memory, so a
    re-read page, which usually changes one week of its thirty or none, writes that week alone."""
    rows = [
        {"repo_id": repo_id, "week": sunday, "days": json.dumps(counts),
         "fetched_at": fetched_at}
        for sunday, counts in whole_weeks(days).items()
    ]
    if not rows:
        return
    with atomic(session):
        stmt = dialect_insert(session, table(StarWeek)).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["repo_id", "week"],
            set_={"days": stmt.excluded.days, "fetched_at": stmt.excluded.fetched_at},
        )
        session.exec(stmt)


def week_of(day: date) -> date:
    """The Sunday that starts *day*'s week (GitHub's star-history weeks start on Sunday)."""
    return day - timedelta(days=(day.weekday() + 1) % 7)


def load_week_days(session: Session, repo_id: int) -> dict[date, int]:
    """Every stored day of a repo's GitHub star weeks with its count."""
    days: dict[date, int] = {}
    stmt = select(col(StarWeek.week), col(StarWeek.days)).where(StarWeek.repo_id == repo_id)
    for sunday, counts in session.exec(stmt):
        for offset, count in enumerate(json.loads(counts)):
            days[sunday + timedelta(days=offset)] = int(count)
    return days


def save_stars(session: Session, repo_id: int, stars: Sequence[tuple[int, datetime]]) -> None:
    """Store stars as (stargazer id, when); a stargazer stored before gets the new time.

    A stargazer given twice is written once, as last given: PostgreSQL refuses an upsert that
    names one row twice (a list can shift while it is paged)."""
    rows = [{"repo_id": repo_id, "user_id": uid, "starred_at": at}
            for uid, at in dict(stars).items()]
    if not rows:
        return
    with atomic(session):
        for chunk in chunked(rows, ROWS_PER_INSERT):
            stmt = dialect_insert(session, table(StarGiven)).values(chunk)
            stmt = stmt.on_conflict_do_update(
                index_elements=["repo_id", "user_id"],
                set_={"starred_at": stmt.excluded.starred_at},
            )
            session.exec(stmt)


def delete_stars(session: Session, repo_id: int, user_ids: Collection[int]) -> None:
    """Forget withdrawn stars by stargazer id."""
    with atomic(session):
        for chunk in chunked(list(user_ids), ROWS_PER_INSERT):
            session.exec(delete(StarGiven).where(
                col(StarGiven.repo_id) == repo_id, col(StarGiven.user_id).in_(chunk)))


def load_stars(session: Session, repo_id: int) -> dict[int, datetime]:
    """Every stored star of a repo: when, by stargazer id."""
    stmt = select(StarGiven.user_id, StarGiven.starred_at).where(StarGiven.repo_id == repo_id)
    return dict(session.exec(stmt).all())


def latest_collected(session: Session, repo_id: int, metric: str) -> tuple[datetime, int] | None:
    """The newest collected observation of a repo's metric: (when, value), if any."""
    _check_metric(metric)
    stmt = (
        select(Observation)
        .where(Observation.repo_id == repo_id, Observation.metric == metric,
               Observation.source == "collected")
        .order_by(col(Observation.observed_at).desc())
        .limit(1)
    )
    row = session.exec(stmt).first()
    return None if row is None else (row.observed_at, row.value)


# -- progress -------------------------------------------------------------------------------------


def get_state(session: Session, repo_id: int, metric: str) -> BackfillState | None:
    """The backfill progress of a repo's metric; ``None`` if no backfill ever started."""
    row = session.get(BackfillStateRow, (repo_id, metric))
    return None if row is None else _state(row)


def save_state(session: Session, state: BackfillState, now: datetime) -> BackfillState:
    """Store *state* as the repo's progress (replacing it); returns it as stored.

    ``refused_reason`` is stored as given, so saving a state without one clears an earlier
    refusal once the platform serves the history again.
    """
    completed_at = state.completed_at or (now if state.complete else None)
    with atomic(session):
        row = session.get(BackfillStateRow, (state.repo_id, state.metric)) or BackfillStateRow(
            repo_id=state.repo_id, metric=state.metric, updated_at=now
        )
        row.next_page = state.next_page
        row.pages = state.pages
        row.complete = state.complete
        row.refused_reason = state.refused_reason
        row.updated_at = state.updated_at or now
        row.completed_at = completed_at
        row.newest_first = state.newest_first
        session.add(row)
        session.flush()
        stored = _state(row)
    return stored


def refuse(
    session: Session, repo_id: int, metric: str, reason: str, now: datetime
) -> BackfillState:
    """Record that the platform refused the history of a repo's metric, and why.

    The progress made so far is kept; a backfill that has not started gets a fresh state.
    """
    state = get_state(session, repo_id, metric) or BackfillState(repo_id, metric)
    return save_state(
        session,
        BackfillState(
            repo_id=repo_id,
            metric=metric,
            next_page=state.next_page,
            pages=state.pages,
            complete=state.complete,
            refused_reason=reason,
            completed_at=state.completed_at,
            newest_first=state.newest_first,
        ),
        now,
    )


def states(session: Session, metric: str = "stars") -> dict[int, BackfillState]:
    """Every repo's backfill progress of *metric*, by repo id (what ``status`` shows)."""
    stmt = select(BackfillStateRow).where(BackfillStateRow.metric == metric)
    return {row.repo_id: _state(row) for row in session.exec(stmt)}


# -- the rebuilt series ---------------------------------------------------------------------------


def replace_backfill(
    session: Session, repo_id: int, metric: str, points: Sequence[tuple[datetime, int]]
) -> int:
    """Make *points* the repo's whole ``backfill`` series of *metric*; returns how many.

    Earlier backfill rows of that repo and metric that are not among the points (or differ) are
    deleted and the missing points inserted, in one transaction, so readers see the old series
    or the new one, never a mix; a daily rebuild that changes nothing old writes one row.
    Collected rows are untouched (where both describe one day, reads prefer the collected one:
    see :func:`effective_observations`). *points* are aware instants (each at
    most once) with integer values.
    """
    _check_metric(metric)
    seen: set[datetime] = set()
    for at, value in points:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"naive datetime {at.isoformat()} given to the store; use UTC")
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{metric} value must be an integer, not {value!r}")
        if at in seen:
            raise ValueError(f"two backfill points at {at.isoformat()}")
        seen.add(at)
    o = table(Observation)
    mine = (o.c.repo_id == repo_id, o.c.metric == metric, o.c.source == "backfill")
    with atomic(session):
        conn = session.connection()
        before = dict(conn.execute(core_select(o.c.observed_at, o.c.value).where(*mine)).all())
        wanted = dict(points)
        stale = [at for at, value in before.items() if wanted.get(at) != value]
        fresh = [
            {"repo_id": repo_id, "metric": metric, "observed_at": at, "source": "backfill",
             "value": value}
            for at, value in points if before.get(at) != value
        ]
        for chunk in chunked(stale, ROWS_PER_INSERT):
            conn.execute(delete(o).where(*mine, o.c.observed_at.in_(chunk)))
        if fresh:
            conn.execute(insert(o), fresh)  # executemany: one compiled statement
    return len(points)
