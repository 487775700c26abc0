"""The tables as SQLModel classes, for the code that reads and writes rows as objects (collect,
backfill, the daemon's records).

Each class maps one table of :mod:`.tables` — its ``__table__`` *is* that Core table, and each
field names its column — so the schema (types, keys, constraints, indexes, column defaults) is
written once, there, and ``status`` can read the same tables without loading this module (nor
SQLModel and pydantic). A field's Python default is its column's default (``None`` where the
column may be NULL or the database numbers the rows); a test holds the two together. The schema
itself is created by the Alembic migrations. Times: see :class:`~.tables.UTCDateTime`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from sqlmodel import Field, SQLModel

from monitor.metrics import METRICS
from monitor.store import tables
from monitor.store.tables import OUTCOMES, SOURCES, UTCDateTime

__all__ = [
    "METRICS",
    "OUTCOMES",
    "SOURCES",
    "BackfillStateRow",
    "CollectionRun",
    "DaemonJob",
    "DaemonRecord",
    "HttpCacheEntry",
    "LatestValue",
    "Observation",
    "PlatformBudget",
    "Project",
    "Release",
    "Repo",
    "RepoError",
    "RepoRow",
    "RunPlatform",
    "StarGiven",
    "StarWeek",
    "UTCDateTime",
]


_project = tables.project.c


class Project(SQLModel, table=True):
    """One piece of software; its repos are its homes and mirrors on each platform."""

    __table__ = tables.project

    id: int | None = Field(default=None, sa_column=_project.id)
    name: str = Field(sa_column=_project.name)


_repo = tables.repo.c


class Repo(SQLModel, table=True):
    """A repository on a platform, identified for good by the platform's numeric id.

    ``owner``/``name`` follow the platform (a rename updates them); ``config_key`` is the
    lowercase ``platform:owner/name`` under which ``repos.toml`` lists it, so a renamed repo keeps
    its row and its history. Rows are never deleted when a repo is untracked; ``config_key`` is
    then simply no longer listed.
    """

    __table__ = tables.repo

    id: int | None = Field(default=None, sa_column=_repo.id)
    platform: str = Field(sa_column=_repo.platform)
    platform_id: int | None = Field(default=None, sa_column=_repo.platform_id)
    owner: str = Field(sa_column=_repo.owner)
    name: str = Field(sa_column=_repo.name)
    config_key: str | None = Field(default=None, sa_column=_repo.config_key)
    project_id: int | None = Field(default=None, sa_column=_repo.project_id)
    created_at: datetime | None = Field(default=None, sa_column=_repo.created_at)
    added_at: datetime = Field(sa_column=_repo.added_at)  # given by the caller's clock

    @property
    def canonical(self) -> str:
        """``platform:Owner/Name`` with the current name, as exports and reports show it."""
        return tables.canonical_name(self.platform, self.owner, self.name)

    @property
    def renamed(self) -> bool:
        """The platform now calls it by another name than the one ``repos.toml`` lists."""
        return tables.is_renamed(self.canonical, self.config_key)


@dataclass(frozen=True, slots=True)
class RepoRow:
    """A repo's row as read, without the ORM: what a run carries of each member (a thousand
    members' ORM objects cost a repeat cycle more than their whole membership step)."""

    id: int
    platform: str
    platform_id: int | None
    owner: str
    name: str
    config_key: str | None
    project_id: int | None
    created_at: datetime | None
    added_at: datetime

    #: The columns, in the order of the fields (``RepoRow(*row)`` of a Core read of them).
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id", "platform", "platform_id", "owner", "name", "config_key", "project_id",
        "created_at", "added_at")

    @classmethod
    def of(cls, repo: Repo) -> RepoRow:
        assert repo.id is not None
        return cls(repo.id, repo.platform, repo.platform_id, repo.owner, repo.name,
                   repo.config_key, repo.project_id, repo.created_at, repo.added_at)

    @property
    def canonical(self) -> str:
        """As :attr:`Repo.canonical`."""
        return tables.canonical_name(self.platform, self.owner, self.name)

    @property
    def renamed(self) -> bool:
        """As :attr:`Repo.renamed`."""
        return tables.is_renamed(self.canonical, self.config_key)


_observation = tables.observation.c


class Observation(SQLModel, table=True):
    """One metric value of one repo at one instant.

    The primary key *is* the uniqueness rule (repo_id, metric, observed_at, source), so writing
    the same observation again is a no-op; and with that column order it is also the index that
    range reads use (equality on repo and metric, a range on time). A surrogate id plus a second
    index would double the write and storage cost of the largest table for nothing.
    """

    __table__ = tables.observation

    repo_id: int = Field(sa_column=_observation.repo_id)
    metric: str = Field(sa_column=_observation.metric)
    observed_at: datetime = Field(sa_column=_observation.observed_at)
    source: str = Field(sa_column=_observation.source)
    value: int = Field(sa_column=_observation.value)


_latest_value = tables.latest_value.c


class LatestValue(SQLModel, table=True):
    """The newest collected ``observation`` of each repo's metric, kept as observations are
    written (:mod:`monitor.store.latest`): a scrape, ``status`` and ``repos`` read one row per
    repo and metric however much history is stored. Goes with the repo row."""

    __table__ = tables.latest_value

    repo_id: int = Field(sa_column=_latest_value.repo_id)
    metric: str = Field(sa_column=_latest_value.metric)
    observed_at: datetime = Field(sa_column=_latest_value.observed_at)
    value: int = Field(sa_column=_latest_value.value)


_repo_release = tables.repo_release.c


class Release(SQLModel, table=True):
    """A published release (drafts never reach the store)."""

    __table__ = tables.repo_release

    repo_id: int = Field(sa_column=_repo_release.repo_id)
    tag: str = Field(sa_column=_repo_release.tag)
    name: str | None = Field(default=None, sa_column=_repo_release.name)
    published_at: datetime | None = Field(default=None, sa_column=_repo_release.published_at)
    prerelease: bool = Field(default=False, sa_column=_repo_release.prerelease)
    url: str | None = Field(default=None, sa_column=_repo_release.url)


_collection_run = tables.collection_run.c


class CollectionRun(SQLModel, table=True):
    """One run of a job (``collect``, ``backfill``, …): what ``status`` reports on."""

    __table__ = tables.collection_run

    id: int | None = Field(default=None, sa_column=_collection_run.id)
    kind: str = Field(sa_column=_collection_run.kind)
    started_at: datetime = Field(sa_column=_collection_run.started_at)  # the caller's clock
    finished_at: datetime | None = Field(default=None, sa_column=_collection_run.finished_at)
    outcome: str | None = Field(default=None, sa_column=_collection_run.outcome)


_run_platform = tables.run_platform.c


class RunPlatform(SQLModel, table=True):
    """Requests a run made on one platform and the rate-limit budget it last saw there."""

    __table__ = tables.run_platform

    run_id: int = Field(sa_column=_run_platform.run_id)
    platform: str = Field(sa_column=_run_platform.platform)
    requests: int = Field(default=0, sa_column=_run_platform.requests)
    budget_remaining: int | None = Field(default=None, sa_column=_run_platform.budget_remaining)
    budget_limit: int | None = Field(default=None, sa_column=_run_platform.budget_limit)
    budget_reset_at: datetime | None = Field(default=None, sa_column=_run_platform.budget_reset_at)


_repo_error = tables.repo_error.c


class RepoError(SQLModel, table=True):
    """Why a repo failed in a run (``not_found``, ``blocked``, ``deferred``, ``unavailable``…)."""

    __table__ = tables.repo_error

    id: int | None = Field(default=None, sa_column=_repo_error.id)
    run_id: int = Field(sa_column=_repo_error.run_id)
    repo_id: int = Field(sa_column=_repo_error.repo_id)
    occurred_at: datetime = Field(sa_column=_repo_error.occurred_at)  # given by the caller's clock
    kind: str = Field(sa_column=_repo_error.kind)
    message: str = Field(default="", sa_column=_repo_error.message)


_platform_budget = tables.platform_budget.c


class PlatformBudget(SQLModel, table=True):
    """Each platform's newest rate-limit budget: the ``run_platform`` figures of the run that
    ended last among those that saw one, kept up to date by ``finish_run`` so that ``status``
    and a scrape read one row per platform instead of every run ever made."""

    __table__ = tables.platform_budget

    platform: str = Field(sa_column=_platform_budget.platform)
    run_id: int = Field(sa_column=_platform_budget.run_id)
    budget_remaining: int = Field(sa_column=_platform_budget.budget_remaining)
    budget_limit: int | None = Field(default=None, sa_column=_platform_budget.budget_limit)
    budget_reset_at: datetime | None = Field(default=None,
                                             sa_column=_platform_budget.budget_reset_at)
    as_of: datetime = Field(sa_column=_platform_budget.as_of)  # when that run ended


_http_cache = tables.http_cache.c


class HttpCacheEntry(SQLModel, table=True):
    """An earlier answer and its validators, so a conditional request survives restarts.

    ``key`` is the request URL with every credential removed (the HTTP layer redacts it); a 304
    — which GitHub does not charge — is turned back into this body. ``repo`` is the config key of
    the repo the request was about: an untracked repo's entries are deleted by it. ``used_at``
    is when a request last asked for the entry: one no request asked for in a while (a page
    past the end of a shrunken list, a URL of a repo's old name) is deleted by it.
    """

    __table__ = tables.http_cache

    key: str = Field(sa_column=_http_cache.key)
    repo: str | None = Field(default=None, sa_column=_http_cache.repo)
    etag: str | None = Field(default=None, sa_column=_http_cache.etag)
    last_modified: str | None = Field(default=None, sa_column=_http_cache.last_modified)
    status: int = Field(default=200, sa_column=_http_cache.status)
    #: A JSON object of the headers parsing needs.
    headers: str = Field(default="{}", sa_column=_http_cache.headers)
    body: bytes = Field(default=b"", sa_column=_http_cache.body)
    stored_at: datetime = Field(sa_column=_http_cache.stored_at)  # given by the caller's clock
    used_at: datetime = Field(sa_column=_http_cache.used_at)  # given by the caller's clock


_star_week = tables.star_week.c


class StarWeek(SQLModel, table=True):
    """One week of a repo's GitHub star history: its Sunday (a US Pacific date) and its seven
    daily counts of stars given that day and still present.

    Keyed by the week itself, not by the page it came on: pages slide by a week every Sunday,
    weeks do not, so any page re-read updates exactly the weeks it shows. ``days`` is a JSON
    list of seven counts, Sunday first. The rows go with the repo row (``ON DELETE CASCADE``).
    """

    __table__ = tables.star_week

    repo_id: int = Field(sa_column=_star_week.repo_id)
    week: date = Field(sa_column=_star_week.week)
    days: str = Field(sa_column=_star_week.days)  # JSON [7 counts], Sunday first
    fetched_at: datetime = Field(sa_column=_star_week.fetched_at)  # given by the caller's clock


_star_given = tables.star_given.c


class StarGiven(SQLModel, table=True):
    """One star of a repo whose platform names its stargazers (Gitee): who and when.

    Keyed by the stargazer, so a star is stored once whichever page it was read on, and a
    withdrawn one is deleted by id. The rows go with the repo row (``ON DELETE CASCADE``).
    """

    __table__ = tables.star_given

    repo_id: int = Field(sa_column=_star_given.repo_id)
    user_id: int = Field(sa_column=_star_given.user_id)
    starred_at: datetime = Field(sa_column=_star_given.starred_at)


_backfill_state = tables.backfill_state.c


class BackfillStateRow(SQLModel, table=True):
    """How far the backfill of one repo's metric got, and why the platform refused it if it did.

    Read and written through :mod:`monitor.store.history` as a frozen ``BackfillState``.
    """

    __table__ = tables.backfill_state

    repo_id: int = Field(sa_column=_backfill_state.repo_id)
    metric: str = Field(sa_column=_backfill_state.metric)
    #: The next page a first backfill reads.
    next_page: int = Field(default=1, sa_column=_backfill_state.next_page)
    #: The page count the platform last told, if it did.
    pages: int | None = Field(default=None, sa_column=_backfill_state.pages)
    complete: bool = Field(default=False, sa_column=_backfill_state.complete)
    #: Shown by ``status``.
    refused_reason: str | None = Field(default=None, sa_column=_backfill_state.refused_reason)
    updated_at: datetime = Field(sa_column=_backfill_state.updated_at)  # the caller's clock
    completed_at: datetime | None = Field(default=None, sa_column=_backfill_state.completed_at)
    #: The list order last seen where the platform documents none (Gitee's stargazers):
    #: newest first, oldest first, or not yet known.
    newest_first: bool | None = Field(default=None, sa_column=_backfill_state.newest_first)


_daemon = tables.daemon.c


class DaemonRecord(SQLModel, table=True):
    """The running daemon's health record (one row): who holds the home, since when, alive when.

    ``status`` reads it from any shell; a hot standby later watches ``heartbeat_at``.
    """

    __table__ = tables.daemon

    id: int = Field(default=1, sa_column=_daemon.id)
    pid: int = Field(sa_column=_daemon.pid)
    host: str = Field(sa_column=_daemon.host)
    started_at: datetime = Field(sa_column=_daemon.started_at)
    heartbeat_at: datetime = Field(sa_column=_daemon.heartbeat_at)
    stopped_at: datetime | None = Field(default=None, sa_column=_daemon.stopped_at)
    #: The last configuration edit that could not be loaded (file:line: message); the daemon
    #: keeps running on the last good configuration meanwhile. None once a good one loads.
    config_error: str | None = Field(default=None, sa_column=_daemon.config_error)
    config_error_at: datetime | None = Field(default=None, sa_column=_daemon.config_error_at)


_daemon_job = tables.daemon_job.c


class DaemonJob(SQLModel, table=True):
    """Each scheduled job's next run, as the daemon's scheduler last computed it.

    Its past runs are ``collection_run`` rows whose ``kind`` is the job's name.
    """

    __table__ = tables.daemon_job

    name: str = Field(sa_column=_daemon_job.name)
    schedule: str = Field(sa_column=_daemon_job.schedule)  # as configured: "6h", "0 8 * * mon"
    next_run_at: datetime | None = Field(default=None, sa_column=_daemon_job.next_run_at)
    updated_at: datetime = Field(sa_column=_daemon_job.updated_at)  # given by the caller's clock
