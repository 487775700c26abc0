"""The store queries behind a report, each a bounded walk of an index.

A report needs a handful of values per repo — each metric at three boundaries, stars at 53
weekly instants for the charts — out of a table that holds years of observations. Reading the
rows and picking in Python, or ranking every row up to a boundary with a window function
(:func:`monitor.store.series.values_at`, fine for a handful of repos), both cost in proportion to
the whole history. Here every (repo, metric, instant) *probe* is answered by seeks on the
observation primary key ``(repo_id, metric, observed_at, source)``:

1. ``x``: the newest row at or before the instant (one descending index step);
2. if ``x`` is a ``backfill`` row, the SPEC's precedence decides whether a collected row shadows
   it (:func:`monitor.store.series.effective_observations`): the backfill row describes the
   platform day that starts at the previous backfill row (24 hours earlier for the first) and
   ends at ``x``; a ``collected`` row inside that day wins. Because ``x`` is the newest row,
   such a collected row can only lie in ``(day start, x)``, a range of one day; the newest one
   in it is the answer, else ``x`` is.

So the cost grows with the number of probes (repos x metrics x instants) times the logarithm of
the table size, not with the years stored. ``tests/reports/test_data.py`` checks that these
answers equal :func:`~monitor.store.series.values_at` on data with shadowed backfill rows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    case,
    func,
    literal,
    true,
    union_all,
)
from sqlalchemy import select as core_select
from sqlmodel import Session

from monitor.store.history import DayBefore
from monitor.store.models import Observation, Release, Repo, RepoError, UTCDateTime
from monitor.store.series import Point

__all__ = [
    "FailingRepo",
    "StoredRelease",
    "StoredRepo",
    "failing_repos",
    "points_at",
    "releases_between",
    "repos_by_key",
]

# Repo ids per statement: far below every bound-parameter limit of both databases.
_CHUNK = 500


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _chunks(items: Iterable[int], size: int = _CHUNK) -> Iterable[list[int]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# -- repos ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredRepo:
    """What a report needs of a ``repo`` row (lighter than the ORM object)."""

    id: int
    platform: str
    owner: str
    name: str

    @property
    def canonical(self) -> str:
        return f"{self.platform}:{self.owner}/{self.name}"


def repos_by_key(session: Session, keys: Collection[str]) -> dict[str, StoredRepo]:
    """The stored repos of the configured keys (``platform:owner/name``, lowercase).

    Read-only: a tracked repo the store has never seen is simply absent.
    """
    r = _table(Repo)
    found: dict[str, StoredRepo] = {}
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        stmt = core_select(r.c.config_key, r.c.id, r.c.platform, r.c.owner, r.c.name).where(
            r.c.config_key.in_(chunk)
        )
        for key, *rest in session.connection().execute(stmt):
            found[key] = StoredRepo(*rest)
    return found


# -- values at instants ---------------------------------------------------------------------------


def _literals(values: Sequence[Any], name: str, type_: Any) -> Any:
    """A one-column derived table of *values* (UNION ALL: portable where VALUES is not)."""
    selects = [core_select(literal(v, type_).label(name)) for v in values]
    return (selects[0] if len(selects) == 1 else union_all(*selects)).subquery(f"{name}_list")


def points_at(
    session: Session,
    instants: Sequence[datetime],
    repo_ids: Collection[int],
    metrics: Sequence[str],
) -> dict[tuple[int, str, datetime], Point]:
    """Each repo's value of each metric as of each instant: the newest effective observation at
    or before it, keyed ``(repo_id, metric, instant)``; absent where there is none.

    Equal to :func:`monitor.store.series.values_at` for each instant, computed by index seeks
    (see the module docstring): one statement per chunk of repos, for all instants at once.
    """
    if not instants or not repo_ids or not metrics:
        return {}
    result: dict[tuple[int, str, datetime], Point] = {}
    wanted = list(instants)
    for chunk in _chunks(sorted(set(repo_ids))):
        stmt = _points_statement(wanted, chunk, list(metrics))
        rows = session.connection().execute(stmt)
        for repo_id, metric, index, observed_at, value, source in rows:
            result[(repo_id, metric, wanted[index])] = Point(observed_at, value, source)
    return result


def _points_statement(instants: list[datetime], repo_ids: list[int], metrics: list[str]) -> Any:
    o = _table(Observation)
    r = _table(Repo)
    # Each instant is carried with its position, so rows name it by a small integer.
    selects = [
        core_select(literal(i, Integer()).label("i"), literal(at, UTCDateTime()).label("at"))
        for i, at in enumerate(instants)
    ]
    when = (selects[0] if len(selects) == 1 else union_all(*selects)).subquery("at_list")
    what = _literals(metrics, "metric", String())
    probe = (
        core_select(r.c.id.label("repo_id"), what.c.metric, when.c.i, when.c.at)
        .select_from(r.join(what, true()).join(when, true()))
        .where(r.c.id.in_(repo_ids))
        .cte("probe")
    )

    # 1. x: the newest row at or before the instant.
    x = o.alias("x")
    x_at = (
        core_select(x.c.observed_at)
        .where(
            x.c.repo_id == probe.c.repo_id,
            x.c.metric == probe.c.metric,
            x.c.observed_at <= probe.c.at,
        )
        .order_by(x.c.observed_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    top = core_select(*probe.c, x_at.label("x_at")).cte("top").prefix_with("MATERIALIZED")
    # Its source: 'collected' sorts after 'backfill', so MAX prefers the collected row of a tie.
    xs = o.alias("xs")
    x_source = (
        core_select(func.max(xs.c.source))
        .where(
            xs.c.repo_id == top.c.repo_id,
            xs.c.metric == top.c.metric,
            xs.c.observed_at == top.c.x_at,
        )
        .scalar_subquery()
    )
    tops = (
        core_select(*top.c, x_source.label("x_source"))
        .where(top.c.x_at.is_not(None))
        .cte("tops")
        .prefix_with("MATERIALIZED")
    )

    # 2. For a backfill x: the start of its day (the previous backfill row) ...
    p = o.alias("p")
    day_start = (
        core_select(p.c.observed_at)
        .where(
            p.c.repo_id == tops.c.repo_id,
            p.c.metric == tops.c.metric,
            p.c.observed_at < tops.c.x_at,
            p.c.source == "backfill",
        )
        .order_by(p.c.observed_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    days = (
        core_select(
            *tops.c,
            case((tops.c.x_source == "backfill", day_start), else_=None).label("day_start"),
        )
        .cte("days")
        .prefix_with("MATERIALIZED")
    )
    # ... and the newest collected row inside that day, which shadows x.
    s = o.alias("s")
    shadow_at = (
        core_select(func.max(s.c.observed_at))
        .where(
            s.c.repo_id == days.c.repo_id,
            s.c.metric == days.c.metric,
            s.c.observed_at > func.coalesce(days.c.day_start, DayBefore(days.c.x_at)),
            s.c.observed_at < days.c.x_at,
            s.c.source == "collected",
        )
        .scalar_subquery()
    )
    shadows = (
        core_select(
            *days.c,
            case((days.c.x_source == "backfill", shadow_at), else_=None).label("shadow_at"),
        )
        .cte("shadows")
        .prefix_with("MATERIALIZED")
    )

    used_at = func.coalesce(shadows.c.shadow_at, shadows.c.x_at)
    used_source = case(
        (shadows.c.shadow_at.is_not(None), literal("collected")), else_=shadows.c.x_source
    )
    v = o.alias("v")
    return core_select(
        shadows.c.repo_id, shadows.c.metric, shadows.c.i, v.c.observed_at, v.c.value, v.c.source
    ).join(
        v,
        and_(
            v.c.repo_id == shadows.c.repo_id,
            v.c.metric == shadows.c.metric,
            v.c.observed_at == used_at,
            v.c.source == used_source,
        ),
    )


# -- releases -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredRelease:
    repo_id: int
    tag: str
    name: str | None
    published_at: datetime
    prerelease: bool
    url: str | None


def releases_between(
    session: Session, repo_ids: Collection[int], start: datetime, end: datetime
) -> list[StoredRelease]:
    """Releases of *repo_ids* published in ``[start, end)``, newest first (then by tag).

    The primary key ``(repo_id, tag)`` narrows the read to the tracked repos' releases; a
    release without a publication time is in no period.
    """
    t = _table(Release)
    found: list[StoredRelease] = []
    for chunk in _chunks(sorted(set(repo_ids))):
        stmt = core_select(
            t.c.repo_id, t.c.tag, t.c.name, t.c.published_at, t.c.prerelease, t.c.url
        ).where(
            t.c.repo_id.in_(chunk),
            t.c.published_at >= start,
            t.c.published_at < end,
        )
        found.extend(StoredRelease(*row) for row in session.connection().execute(stmt))
    found.sort(key=lambda r: (-r.published_at.timestamp(), r.tag, r.repo_id))
    return found


# -- failing repos --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FailingRepo:
    repo_id: int
    kind: str  # of the latest error
    message: str
    since: datetime  # the first error after the last successful collection
    last_error_at: datetime
    last_collected_at: datetime | None


def failing_repos(
    session: Session, repo_ids: Collection[int], as_of: datetime, metric: str = "stars"
) -> list[FailingRepo]:
    """Repos whose latest error at or before *as_of* is newer than their latest collected
    observation of *metric* at or before it: they were failing at *as_of*.

    A collection cycle stores either a repo's values or its error, both stamped with the cycle's
    start, so comparing the two times tells whether the last attempt failed. Every lookup is a
    seek on ``ix_repo_error_repo_id_occurred_at`` or the observation key.
    """
    e = _table(RepoError)
    o = _table(Observation)
    r = _table(Repo)
    found: list[FailingRepo] = []
    for chunk in _chunks(sorted(set(repo_ids))):
        last_collected = (
            core_select(o.c.observed_at)
            .where(
                o.c.repo_id == r.c.id,
                o.c.metric == metric,
                o.c.observed_at <= as_of,
                o.c.source == "collected",
            )
            .order_by(o.c.observed_at.desc())
            .limit(1)
            .scalar_subquery()
        )
        last_error = (
            core_select(func.max(e.c.occurred_at))
            .where(e.c.repo_id == r.c.id, e.c.occurred_at <= as_of)
            .scalar_subquery()
        )
        times = (
            core_select(
                r.c.id.label("repo_id"),
                last_collected.label("collected_at"),
                last_error.label("error_at"),
            )
            .where(r.c.id.in_(chunk))
            .subquery("times")
        )
        failing = core_select(times).where(
            times.c.error_at.is_not(None),
            (times.c.collected_at.is_(None)) | (times.c.error_at > times.c.collected_at),
        ).subquery("failing")
        since = (
            core_select(func.min(e.c.occurred_at))
            .where(
                e.c.repo_id == failing.c.repo_id,
                e.c.occurred_at <= as_of,
                (failing.c.collected_at.is_(None)) | (e.c.occurred_at > failing.c.collected_at),
            )
            .scalar_subquery()
        )
        latest = e.alias("latest")
        stmt = (
            core_select(
                failing.c.repo_id,
                latest.c.kind,
                latest.c.message,
                since.label("since"),
                failing.c.error_at,
                failing.c.collected_at,
            )
            .join(
                latest,
                and_(
                    latest.c.repo_id == failing.c.repo_id,
                    latest.c.occurred_at == failing.c.error_at,
                ),
            )
            .order_by(failing.c.repo_id, latest.c.id.desc())
        )
        seen: set[int] = set()
        for repo_id, kind, message, first, error_at, collected_at in session.connection().execute(
            stmt
        ):
            if repo_id in seen:  # two errors at one instant: the later-recorded one
                continue
            seen.add(repo_id)
            found.append(
                FailingRepo(
                    repo_id,
                    kind,
                    message,
                    _aware(first),
                    _aware(error_at),
                    _aware(collected_at) if collected_at is not None else None,
                )
            )
    return found


def _aware(value: Any) -> datetime:
    """Labelled scalar subqueries lose the column type: restore the store's aware UTC."""
    from datetime import UTC

    if isinstance(value, str):  # SQLite hands back the stored text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
