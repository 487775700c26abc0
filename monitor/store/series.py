"""The store's read/write API: what collect, backfill, export, reports and the CLI call.

Every function takes a session (from :meth:`Database.session`). Each function that writes is one
transaction (:func:`~monitor.store.db.atomic`): it commits before returning and rolls back if it
raises, so a collector that fails on repo 40 keeps what it stored for repos 1-39; inside a
caller's ``session.begin_nested()`` block it is a savepoint instead, so the caller can make a
whole batch atomic. The run bookkeeping lives in :mod:`monitor.store.runs` and the export reader
in :mod:`monitor.store.export`; both are re-exported.

Reads never load more rows than they return; latest and boundary values are computed in SQL.

Times in and out are aware UTC datetimes (see :mod:`monitor.store.models`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from monitor.config.members import Assigned
from monitor.ids import RepoId
from monitor.store.db import atomic, dialect_insert
from monitor.store.export import ExportRow, export_rows
from monitor.store.history import effective_observations
from monitor.store.latest import (
    LatestValues,
    keep_latest,
    last_observed,
    latest_values,
    move_latest,
)
from monitor.store.members import move_stays, sync_members
from monitor.store.models import (
    METRICS,
    SOURCES,
    Observation,
    Release,
    Repo,
    RepoError,
    RepoRow,
)
from monitor.store.runs import (
    RunPlatformIn,
    finish_run,
    interrupt_unfinished_runs,
    record_repo_error,
    start_run,
)
from monitor.store.sql import chunked, execute_many, read_many, table

__all__ = [
    "ExportRow",
    "LatestValues",
    "ObservationIn",
    "Point",
    "ReleaseIn",
    "RunPlatformIn",
    "effective_observations",
    "export_rows",
    "finish_run",
    "interrupt_unfinished_runs",
    "last_observed",
    "latest_values",
    "record_identity",
    "record_repo_error",
    "release_tags",
    "release_times",
    "start_run",
    "sync_projects",
    "upsert_release_rows",
    "upsert_releases",
    "values_at",
    "write_collected",
    "write_observations",
]

@dataclass(frozen=True, slots=True)
class ObservationIn:
    """One value to store; validated here so a typo'd metric never reaches the database."""

    repo_id: int
    metric: str
    observed_at: datetime
    value: int
    source: str = "collected"

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"unknown metric {self.metric!r} (known: {', '.join(METRICS)})")
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source!r} (known: {', '.join(SOURCES)})")
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise ValueError(f"{self.metric} value must be an integer, not {self.value!r}")


@dataclass(frozen=True, slots=True)
class ReleaseIn:
    tag: str
    name: str | None = None
    published_at: datetime | None = None
    prerelease: bool = False
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Point:
    observed_at: datetime
    value: int
    source: str


# -- projects and repos ---------------------------------------------------------------------------


def sync_projects(
    session: Session, projects: Iterable[tuple[str, Sequence[RepoId]]], now: datetime
) -> dict[str, RepoRow]:
    """Make the store's membership what ``repos.toml`` names (:func:`sync_members` with named
    repos only); returns the repos by config key.

    Nothing is deleted: an untracked repo leaves its project at *now* and keeps its row and
    history, so tracking it again continues the same series. A repo's owner/name are only set
    when the row is created (added at *now*); after that they follow the platform
    (:func:`record_identity`).
    """
    named: dict[str, list[Assigned]] = {}
    for name, repos in projects:
        named.setdefault(name, []).extend(Assigned(rid, None) for rid in repos)
    return sync_members(session, named, (), now)


def record_identity(
    session: Session,
    repo: RepoRow,
    platform_id: int,
    owner: str,
    name: str,
    created_at: datetime | None = None,
) -> RepoRow:
    """Store what the platform says the repo is; returns the row that now holds its history.

    The platform id is what identifies a repo across renames. If another row already has it
    (the repo was tracked under its old name and is now tracked under its new one), the two rows
    are merged into the older one: observations, releases and errors move over (an observation or
    release both rows have is kept once), the config key and project of *repo* move with them, and
    the other row is deleted. Callers must continue with the returned row's id.
    """
    unchanged = (repo.platform_id, repo.owner, repo.name) == (platform_id, owner, name)
    if unchanged and created_at in (None, repo.created_at):
        return repo  # the common case, every cycle: nothing to write
    with atomic(session):
        stored = session.get(Repo, repo.id)
        assert stored is not None, f"repo row {repo.id} is gone"
        other = session.exec(
            select(Repo).where(
                Repo.platform == stored.platform,
                Repo.platform_id == platform_id,
                Repo.id != stored.id,
            )
        ).one_or_none()
        survivor = stored
        config_key, project_id = stored.config_key, stored.project_id
        if other is not None:
            assert stored.id is not None and other.id is not None
            survivor, gone = (stored, other) if stored.id < other.id else (other, stored)
            assert survivor.id is not None and gone.id is not None
            _move_history(session, gone.id, survivor.id)
            session.delete(gone)
            session.flush()  # frees the unique config key and platform id before reuse
        survivor.platform_id = platform_id
        survivor.owner, survivor.name = owner, name
        if created_at is not None:
            survivor.created_at = created_at
        if config_key is not None:
            survivor.config_key = config_key
        if project_id is not None:
            survivor.project_id = project_id
        session.add(survivor)
        session.flush()
        return RepoRow.of(survivor)


def _move_history(session: Session, source_id: int, target_id: int) -> None:
    """Re-point every row of *source_id* at *target_id*, dropping rows the target already has."""
    conn = session.connection()
    o, t = table(Observation), table(Observation).alias("target")
    conn.execute(
        delete(o).where(
            o.c.repo_id == source_id,
            exists().where(
                t.c.repo_id == target_id,
                t.c.metric == o.c.metric,
                t.c.observed_at == o.c.observed_at,
                t.c.source == o.c.source,
            ),
        )
    )
    r, s = table(Release), table(Release).alias("target")
    conn.execute(
        delete(r).where(
            r.c.repo_id == source_id, exists().where(s.c.repo_id == target_id, s.c.tag == r.c.tag)
        )
    )
    for holder in (o, r, table(RepoError)):
        conn.execute(
            update(holder).where(holder.c.repo_id == source_id).values(repo_id=target_id)
        )
    move_latest(session, source_id, target_id)
    move_stays(session, source_id, target_id)


# -- observations -------------------------------------------------------------------------------


def write_observations(session: Session, rows: Iterable[ObservationIn]) -> int:
    """Store observations; returns how many were new (an observation already stored is skipped).

    Skipping at the database (ON CONFLICT DO NOTHING) makes a retried batch or a re-run backfill
    harmless without reading anything first.
    """
    given = list(rows)
    stmt = dialect_insert(session, table(Observation)).on_conflict_do_nothing()
    with atomic(session):
        inserted = execute_many(session.connection(), stmt, [
            {"repo_id": r.repo_id, "metric": r.metric, "observed_at": r.observed_at,
             "value": r.value, "source": r.source} for r in given])
        keep_latest(session, [(r.repo_id, r.metric, r.observed_at, r.value)
                              for r in given if r.source == "collected"])
    return inserted


def write_collected(
    session: Session, values: Iterable[ObservationIn], releases: Iterable[tuple[int, ReleaseIn]],
) -> None:
    """What a collection read of some repos: their values and releases, in one transaction."""
    with atomic(session):
        write_observations(session, values)
        upsert_release_rows(session, releases)


def values_at(
    session: Session,
    at: datetime,
    repo_ids: Collection[int] | None = None,
    metrics: Collection[str] | None = None,
) -> dict[tuple[int, str], Point]:
    """Each repo's value of each metric as of *at*: the newest observation at or before it.

    This is the boundary value a report's period starts or ends with. Both sources count, but a
    backfill row shadowed by a collected one (:func:`effective_observations`) does not; when a
    collected and a backfill row share the instant, the collected one wins (it was read, not
    rebuilt).
    """
    e = effective_observations(repo_ids, metrics, through=at)
    rank = func.row_number().over(
        partition_by=(e.c.repo_id, e.c.metric),
        order_by=(e.c.observed_at.desc(), e.c.source.desc()),  # 'collected' > 'backfill'
    )
    ranked = core_select(*e.c, rank.label("rank")).subquery("ranked")
    stmt = core_select(
        ranked.c.repo_id, ranked.c.metric, ranked.c.observed_at, ranked.c.value, ranked.c.source
    ).where(ranked.c.rank == 1)
    return {(r, m): Point(t, v, s) for r, m, t, v, s in session.connection().execute(stmt)}


# -- releases -------------------------------------------------------------------------------------


def upsert_releases(session: Session, repo_id: int, releases: Iterable[ReleaseIn]) -> int:
    """Insert new releases and refresh known ones (by tag); returns how many were given.

    A release that disappeared from the platform is kept: reports of past periods still show it.
    """
    return upsert_release_rows(session, ((repo_id, release) for release in releases))


def upsert_release_rows(session: Session, rows: Iterable[tuple[int, ReleaseIn]]) -> int:
    """:func:`upsert_releases` for many repos at once: one statement per chunk, not per repo.

    A (repo, tag) given twice is written once, as last given: PostgreSQL refuses an upsert
    that names one row twice (a list can shift between two pages read a moment apart)."""
    unique = {(repo_id, release.tag): (repo_id, release) for repo_id, release in rows}
    values = [{"repo_id": repo_id, "tag": r.tag, "name": r.name, "published_at": r.published_at,
               "prerelease": r.prerelease, "url": r.url} for repo_id, r in unique.values()]
    if not values:
        return 0
    stmt = dialect_insert(session, table(Release))
    stmt = stmt.on_conflict_do_update(
        index_elements=["repo_id", "tag"],
        set_={c: stmt.excluded[c] for c in ("name", "published_at", "prerelease", "url")},
    )
    with atomic(session):
        execute_many(session.connection(), stmt, values)
    return len(values)


def release_tags(
    session: Session, repo_ids: Collection[int] | None = None,
) -> dict[int, frozenset[str]]:
    """The stored release tags of each of *repo_ids* (of every repo: None); repos without any are
    left out. What a collection reads a release list back to."""
    r = table(Release)
    stmt = core_select(r.c.repo_id, r.c.tag)
    chunks = [None] if repo_ids is None else list(chunked(sorted(repo_ids)))
    found: dict[int, set[str]] = {}
    for chunk in chunks:
        chosen = stmt if chunk is None else stmt.where(r.c.repo_id.in_(chunk))
        for repo_id, tag in read_many(session.connection(), chosen):
            found.setdefault(repo_id, set()).add(tag)
    return {repo_id: frozenset(tags) for repo_id, tags in found.items()}


def release_times(session: Session, repo_id: int) -> list[datetime | None]:
    """When each stored release of a repo was published (``None``: the platform never said)."""
    stmt = select(Release.published_at).where(Release.repo_id == repo_id)
    return list(session.exec(stmt).all())
