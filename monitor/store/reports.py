"""The store queries behind a report (read by :mod:`monitor.reports.data`), each a bounded walk
of an index. Which repos were failing is the rule of :mod:`monitor.store.failing`, re-exported.

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

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CTE, Integer, String, and_, case, func, literal, true, union_all
from sqlalchemy import select as core_select
from sqlmodel import Session

from monitor.store.failing import FailingRepo, failing_repos
from monitor.store.history import DayBefore
from monitor.store.models import Observation, Release, Repo, UTCDateTime
from monitor.store.series import Point
from monitor.store.sql import chunked, literal_rows, table

__all__ = [
    "FailingRepo",
    "StoredRelease",
    "StoredRepo",
    "failing_repos",
    "points_at",
    "releases_between",
    "repos_by_key",
]


# -- repos ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredRepo:
    """What a report needs of a ``repo`` row (lighter than the ORM object)."""

    id: int
    platform: str
    owner: str
    name: str
    created_at: datetime | None = None  # when the platform says the repo was created

    @property
    def canonical(self) -> str:
        return f"{self.platform}:{self.owner}/{self.name}"


def repos_by_key(session: Session, keys: Collection[str]) -> dict[str, StoredRepo]:
    """The stored repos of the configured keys (``platform:owner/name``, lowercase).

    Read-only: a tracked repo the store has never seen is simply absent.
    """
    r = table(Repo)
    found: dict[str, StoredRepo] = {}
    for chunk in chunked(sorted(set(keys))):
        stmt = core_select(
            r.c.config_key, r.c.id, r.c.platform, r.c.owner, r.c.name, r.c.created_at
        ).where(
            r.c.config_key.in_(chunk)
        )
        for key, *rest in session.connection().execute(stmt):
            found[key] = StoredRepo(*rest)
    return found


# -- values at instants ---------------------------------------------------------------------------


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
    for chunk in chunked(sorted(set(repo_ids))):
        stmt = _points_statement(wanted, chunk, list(metrics))
        rows = session.connection().execute(stmt)
        for repo_id, metric, index, observed_at, value, source in rows:
            result[(repo_id, metric, wanted[index])] = Point(observed_at, value, source)
    return result


def _points_statement(instants: list[datetime], repo_ids: list[int], metrics: list[str]) -> Any:
    """Rows ``repo_id, metric, i, observed_at, value, source``: the answer to each probe, the
    instant named by its position *i* in *instants* (the steps of the module docstring)."""
    tops = _newest_rows(_probes(instants, repo_ids, metrics))
    shadows = _shadowing_rows(_day_starts(tops))
    used_at = func.coalesce(shadows.c.shadow_at, shadows.c.x_at)
    used_source = case(
        (shadows.c.shadow_at.is_not(None), literal("collected")), else_=shadows.c.x_source
    )
    v = table(Observation).alias("v")
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


def _probes(instants: list[datetime], repo_ids: list[int], metrics: list[str]) -> CTE:
    """Every (repo, metric, instant) asked about; each instant is carried with its position,
    so rows name it by a small integer."""
    r = table(Repo)
    selects = [
        core_select(literal(i, Integer()).label("i"), literal(at, UTCDateTime()).label("at"))
        for i, at in enumerate(instants)
    ]
    when = (selects[0] if len(selects) == 1 else union_all(*selects)).subquery("at_list")
    what = literal_rows(metrics, "metric", String())
    return (
        core_select(r.c.id.label("repo_id"), what.c.metric, when.c.i, when.c.at)
        .select_from(r.join(what, true()).join(when, true()))
        .where(r.c.id.in_(repo_ids))
        .cte("probe")
    )


def _newest_rows(probe: CTE) -> CTE:
    """Step 1: ``x_at``, the newest row at or before each probe's instant, and its source
    ``x_source`` (probes without one are dropped)."""
    x = table(Observation).alias("x")
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
    xs = table(Observation).alias("xs")
    x_source = (
        core_select(func.max(xs.c.source))
        .where(
            xs.c.repo_id == top.c.repo_id,
            xs.c.metric == top.c.metric,
            xs.c.observed_at == top.c.x_at,
        )
        .scalar_subquery()
    )
    return (
        core_select(*top.c, x_source.label("x_source"))
        .where(top.c.x_at.is_not(None))
        .cte("tops")
        .prefix_with("MATERIALIZED")
    )


def _day_starts(tops: CTE) -> CTE:
    """Step 2, first half: for a backfill ``x``, ``day_start``, the start of the platform day
    it describes (the previous backfill row; ``NULL``: 24 hours before it)."""
    p = table(Observation).alias("p")
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
    return (
        core_select(
            *tops.c,
            case((tops.c.x_source == "backfill", day_start), else_=None).label("day_start"),
        )
        .cte("days")
        .prefix_with("MATERIALIZED")
    )


def _shadowing_rows(days: CTE) -> CTE:
    """Step 2, second half: ``shadow_at``, the newest collected row inside a backfill ``x``'s
    day, which shadows ``x``."""
    s = table(Observation).alias("s")
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
    return (
        core_select(
            *days.c,
            case((days.c.x_source == "backfill", shadow_at), else_=None).label("shadow_at"),
        )
        .cte("shadows")
        .prefix_with("MATERIALIZED")
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
    t = table(Release)
    found: list[StoredRelease] = []
    for chunk in chunked(sorted(set(repo_ids))):
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
