"""The tables, as SQLModel classes; the schema itself is created by the Alembic migrations.

Times: every datetime column is stored as *naive UTC* (``TIMESTAMP WITHOUT TIME ZONE`` on
PostgreSQL, ISO text on SQLite), because the two databases disagree on what a time zone in a column
means and naive UTC sorts and compares the same on both. The conversion happens once, at the
SQLAlchemy boundary, in :class:`UTCDateTime`: Python code always hands in and always gets back
*aware* UTC datetimes, and a naive datetime is refused rather than guessed at.

Constraint and index names are spelled out here and in ``migrations/versions/0001_initial.py`` so
that later migrations can alter them by name on both databases.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    PrimaryKeyConstraint,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from monitor.metrics import METRICS

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
    "RunPlatform",
    "StarGiven",
    "StarWeek",
    "UTCDateTime",
]


#: ``collected``: read from the platform at ``observed_at``; ``backfill``: rebuilt from the
#: platform's timestamps (see the SPEC's export format).
SOURCES: tuple[str, ...] = ("collected", "backfill")

#: How a collection run ended; ``None`` while it is still running (or if the process died).
OUTCOMES: tuple[str, ...] = ("ok", "partial", "failed", "interrupted")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in Python, naive UTC in the database (see the module docstring)."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            # A naive time is ambiguous (local? UTC?); refusing it catches the bug at its source.
            raise ValueError(f"naive datetime {value.isoformat()} given to the store; use UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Project(SQLModel, table=True):
    """One piece of software; its repos are its homes and mirrors on each platform."""

    __tablename__ = "project"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_project"),
        UniqueConstraint("name", name="uq_project_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)


class Repo(SQLModel, table=True):
    """A repository on a platform, identified for good by the platform's numeric id.

    ``owner``/``name`` follow the platform (a rename updates them); ``config_key`` is the
    lowercase ``platform:owner/name`` under which ``repos.toml`` lists it, so a renamed repo keeps
    its row and its history. Rows are never deleted when a repo is untracked; ``config_key`` is
    then simply no longer listed.
    """

    __tablename__ = "repo"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_repo"),
        UniqueConstraint("platform", "platform_id", name="uq_repo_platform_id"),
        UniqueConstraint("config_key", name="uq_repo_config_key"),
        ForeignKeyConstraint(
            ["project_id"], ["project.id"], name="fk_repo_project_id", ondelete="SET NULL"
        ),
        Index("ix_repo_project_id", "project_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)
    platform_id: int | None = Field(default=None, sa_type=BigInteger)
    owner: str = Field(max_length=200)
    name: str = Field(max_length=200)
    config_key: str | None = Field(default=None, max_length=450)
    project_id: int | None = Field(default=None)
    created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    added_at: datetime = Field(sa_type=UTCDateTime)  # given by the caller's clock

    @property
    def canonical(self) -> str:
        """``platform:Owner/Name`` with the current name, as exports and reports show it."""
        return f"{self.platform}:{self.owner}/{self.name}"

    @property
    def renamed(self) -> bool:
        """The platform now calls it by another name than the one ``repos.toml`` lists."""
        return self.config_key is not None and self.canonical.lower() != self.config_key


class Observation(SQLModel, table=True):
    """One metric value of one repo at one instant.

    The primary key *is* the uniqueness rule (repo_id, metric, observed_at, source), so writing
    the same observation again is a no-op; and with that column order it is also the index that
    range reads use (equality on repo and metric, a range on time). A surrogate id plus a second
    index would double the write and storage cost of the largest table for nothing.
    """

    __tablename__ = "observation"
    __table_args__ = (
        PrimaryKeyConstraint("repo_id", "metric", "observed_at", "source", name="pk_observation"),
        ForeignKeyConstraint(["repo_id"], ["repo.id"], name="fk_observation_repo_id"),
        CheckConstraint("source IN ('collected', 'backfill')", name="ck_observation_source"),
    )

    repo_id: int = Field(primary_key=True)
    metric: str = Field(primary_key=True, max_length=32)
    observed_at: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    source: str = Field(primary_key=True, max_length=16)
    value: int = Field(sa_type=BigInteger)


class LatestValue(SQLModel, table=True):
    """The newest collected ``observation`` of each repo's metric, kept as observations are
    written (:mod:`monitor.store.latest`): a scrape, ``status`` and ``repos`` read one row per
    repo and metric however much history is stored. Goes with the repo row."""

    __tablename__ = "latest_value"
    __table_args__ = (
        PrimaryKeyConstraint("repo_id", "metric", name="pk_latest_value"),
        ForeignKeyConstraint(
            ["repo_id"], ["repo.id"], name="fk_latest_value_repo_id", ondelete="CASCADE"
        ),
    )

    repo_id: int = Field(primary_key=True)
    metric: str = Field(primary_key=True, max_length=32)
    observed_at: datetime = Field(sa_type=UTCDateTime)
    value: int = Field(sa_type=BigInteger)


class Release(SQLModel, table=True):
    """A published release (drafts never reach the store)."""

    __tablename__ = "repo_release"
    __table_args__ = (
        PrimaryKeyConstraint("repo_id", "tag", name="pk_repo_release"),
        ForeignKeyConstraint(["repo_id"], ["repo.id"], name="fk_repo_release_repo_id"),
    )

    repo_id: int = Field(primary_key=True)
    tag: str = Field(primary_key=True, max_length=400)
    name: str | None = Field(default=None, sa_type=Text)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    prerelease: bool = False
    url: str | None = Field(default=None, sa_type=Text)


class CollectionRun(SQLModel, table=True):
    """One run of a job (``collect``, ``backfill``, …): what ``status`` reports on."""

    __tablename__ = "collection_run"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_collection_run"),
        Index("ix_collection_run_kind_started_at", "kind", "started_at"),
        Index("ix_collection_run_kind_finished_at", "kind", "finished_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    started_at: datetime = Field(sa_type=UTCDateTime)  # given by the caller's clock
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, max_length=16)


class RunPlatform(SQLModel, table=True):
    """Requests a run made on one platform and the rate-limit budget it last saw there."""

    __tablename__ = "run_platform"
    __table_args__ = (
        PrimaryKeyConstraint("run_id", "platform", name="pk_run_platform"),
        ForeignKeyConstraint(
            ["run_id"], ["collection_run.id"], name="fk_run_platform_run_id", ondelete="CASCADE"
        ),
    )

    run_id: int = Field(primary_key=True)
    platform: str = Field(primary_key=True, max_length=32)
    requests: int = 0
    budget_remaining: int | None = None
    budget_limit: int | None = None
    budget_reset_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RepoError(SQLModel, table=True):
    """Why a repo failed in a run (``not_found``, ``blocked``, ``deferred``, ``unavailable``…)."""

    __tablename__ = "repo_error"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_repo_error"),
        ForeignKeyConstraint(
            ["run_id"], ["collection_run.id"], name="fk_repo_error_run_id", ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["repo_id"], ["repo.id"], name="fk_repo_error_repo_id"),
        Index("ix_repo_error_run_id", "run_id"),
        Index("ix_repo_error_repo_id_occurred_at", "repo_id", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int
    repo_id: int
    occurred_at: datetime = Field(sa_type=UTCDateTime)  # given by the caller's clock
    kind: str = Field(max_length=32)
    message: str = Field(default="", sa_type=Text)


class PlatformBudget(SQLModel, table=True):
    """Each platform's newest rate-limit budget: the ``run_platform`` figures of the run that
    ended last among those that saw one, kept up to date by ``finish_run`` so that ``status``
    and a scrape read one row per platform instead of every run ever made."""

    __tablename__ = "platform_budget"
    __table_args__ = (PrimaryKeyConstraint("platform", name="pk_platform_budget"),)

    platform: str = Field(primary_key=True, max_length=32)
    run_id: int
    budget_remaining: int
    budget_limit: int | None = None
    budget_reset_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    as_of: datetime = Field(sa_type=UTCDateTime)  # when that run ended


class HttpCacheEntry(SQLModel, table=True):
    """An earlier answer and its validators, so a conditional request survives restarts.

    ``key`` is the request URL with every credential removed (the HTTP layer redacts it); a 304
    — which GitHub does not charge — is turned back into this body. ``repo`` is the config key of
    the repo the request was about: an untracked repo's entries are deleted by it. ``used_at``
    is when a request last asked for the entry: one no request asked for in a while (a page
    past the end of a shrunken list, a URL of a repo's old name) is deleted by it.
    """

    __tablename__ = "http_cache"
    __table_args__ = (
        PrimaryKeyConstraint("key", name="pk_http_cache"),
        Index("ix_http_cache_repo", "repo"),
        Index("ix_http_cache_used_at", "used_at"),
    )

    key: str = Field(sa_type=Text, primary_key=True)
    repo: str | None = Field(default=None, max_length=450)
    etag: str | None = Field(default=None, sa_type=Text)
    last_modified: str | None = Field(default=None, sa_type=Text)
    status: int = 200
    headers: str = Field(default="{}", sa_type=Text)  # JSON object of the headers parsing needs
    body: bytes = Field(default=b"", sa_type=LargeBinary)
    stored_at: datetime = Field(sa_type=UTCDateTime)  # given by the caller's clock
    used_at: datetime = Field(sa_type=UTCDateTime)  # given by the caller's clock


class StarWeek(SQLModel, table=True):
    """One week of a repo's GitHub star history: its Sunday (a US Pacific date) and its seven
    daily counts of stars given that day and still present.

    Keyed by the week itself, not by the page it came on: pages slide by a week every Sunday,
    weeks do not, so any page re-read updates exactly the weeks it shows. ``days`` is a JSON
    list of seven counts, Sunday first. The rows go with the repo row (``ON DELETE CASCADE``).
    """

    __tablename__ = "star_week"
    __table_args__ = (
        PrimaryKeyConstraint("repo_id", "week", name="pk_star_week"),
        ForeignKeyConstraint(
            ["repo_id"], ["repo.id"], name="fk_star_week_repo_id", ondelete="CASCADE"
        ),
    )

    repo_id: int = Field(primary_key=True)
    week: date = Field(primary_key=True)
    days: str = Field(max_length=200)  # JSON [7 counts], Sunday first
    fetched_at: datetime = Field(sa_type=UTCDateTime)  # given by the caller's clock


class StarGiven(SQLModel, table=True):
    """One star of a repo whose platform names its stargazers (Gitee): who and when.

    Keyed by the stargazer, so a star is stored once whichever page it was read on, and a
    withdrawn one is deleted by id. The rows go with the repo row (``ON DELETE CASCADE``).
    """

    __tablename__ = "star_given"
    __table_args__ = (
        PrimaryKeyConstraint("repo_id", "user_id", name="pk_star_given"),
        ForeignKeyConstraint(
            ["repo_id"], ["repo.id"], name="fk_star_given_repo_id", ondelete="CASCADE"
        ),
    )

    repo_id: int = Field(primary_key=True)
    user_id: int = Field(primary_key=True, sa_type=BigInteger)
    starred_at: datetime = Field(sa_type=UTCDateTime)


class BackfillStateRow(SQLModel, table=True):
    """How far the backfill of one repo's metric got, and why the platform refused it if it did.

    Read and written through :mod:`monitor.store.history` as a frozen ``BackfillState``.
    """

    __tablename__ = "backfill_state"
    __table_args__ = (
        PrimaryKeyConstraint("repo_id", "metric", name="pk_backfill_state"),
        ForeignKeyConstraint(
            ["repo_id"], ["repo.id"], name="fk_backfill_state_repo_id", ondelete="CASCADE"
        ),
    )

    repo_id: int = Field(primary_key=True)
    metric: str = Field(primary_key=True, max_length=32)
    next_page: int = 1  # the next page a first backfill reads
    pages: int | None = None  # the page count the platform last told, if it did
    complete: bool = False
    refused_reason: str | None = Field(default=None, sa_type=Text)  # shown by ``status``
    updated_at: datetime = Field(sa_type=UTCDateTime)  # given by the caller's clock
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: The list order last seen where the platform documents none (Gitee's stargazers):
    #: newest first, oldest first, or not yet known.
    newest_first: bool | None = None


class DaemonRecord(SQLModel, table=True):
    """The running daemon's health record (one row): who holds the home, since when, alive when.

    ``status`` reads it from any shell; a hot standby later watches ``heartbeat_at``.
    """

    __tablename__ = "daemon"
    __table_args__ = (PrimaryKeyConstraint("id", name="pk_daemon"),)

    id: int = Field(default=1, primary_key=True)
    pid: int
    host: str = Field(max_length=255)
    started_at: datetime = Field(sa_type=UTCDateTime)
    heartbeat_at: datetime = Field(sa_type=UTCDateTime)
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: The last configuration edit that could not be loaded (file:line: message); the daemon
    #: keeps running on the last good configuration meanwhile. None once a good one loads.
    config_error: str | None = Field(default=None, sa_type=Text)
    config_error_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DaemonJob(SQLModel, table=True):
    """Each scheduled job's next run, as the daemon's scheduler last computed it.

    Its past runs are ``collection_run`` rows whose ``kind`` is the job's name.
    """

    __tablename__ = "daemon_job"
    __table_args__ = (PrimaryKeyConstraint("name", name="pk_daemon_job"),)

    name: str = Field(primary_key=True, max_length=64)
    schedule: str = Field(max_length=200)  # as configured: "6h", "0 8 * * mon"
    next_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)  # given by the caller's clock
