"""The tables, as SQLAlchemy Core: the one definition of the schema the store reads and writes.

The SQLModel classes of :mod:`.models` map these very :class:`~sqlalchemy.Table` objects (each
has ``__table__`` set to one of them), so the ORM used by collect and backfill and the Core
queries of ``status`` and the exporter share one schema, and ``status`` starts without loading
the ORM, SQLModel or pydantic. The schema itself is created by the Alembic migrations, which a
test holds to :data:`metadata`.

Times: every datetime column is stored as *naive UTC* (``TIMESTAMP WITHOUT TIME ZONE`` on
PostgreSQL, ISO text on SQLite), because the two databases disagree on what a time zone in a
column means and naive UTC sorts and compares the same on both. The conversion happens once, at
the SQLAlchemy boundary, in :class:`UTCDateTime`: Python code always hands in and always gets back
*aware* UTC datetimes, and a naive datetime is refused rather than guessed at.

Constraint and index names are spelled out here and in ``migrations/versions/0001_initial.py`` so
that later migrations can alter them by name on both databases. A column's default is the value an
``INSERT`` that leaves it out stores (applied by SQLAlchemy, not by the database).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)

__all__ = [
    "JOBS",
    "OPEN_STAY",
    "OUTCOMES",
    "SOURCES",
    "SUCCESS_OUTCOMES",
    "UTCDateTime",
    "backfill_state",
    "canonical_name",
    "collection_run",
    "daemon",
    "daemon_job",
    "http_cache",
    "is_renamed",
    "latest_value",
    "membership",
    "metadata",
    "observation",
    "platform_budget",
    "project",
    "repo",
    "repo_error",
    "repo_release",
    "run_platform",
    "star_given",
    "star_week",
]

#: ``collected``: read from the platform at ``observed_at``; ``backfill``: rebuilt from the
#: platform's timestamps (see the SPEC's export format).
SOURCES: tuple[str, ...] = ("collected", "backfill")

#: How a collection run ended; ``None`` while it is still running (or if the process died).
OUTCOMES: tuple[str, ...] = ("ok", "partial", "failed", "interrupted")

#: Outcomes that count as a successful run (``partial``: the run finished, some repos failed).
SUCCESS_OUTCOMES: tuple[str, ...] = ("ok", "partial")

#: The daemon's jobs, in the order ``status`` lists them; each is named like its ``[schedule]``
#: key and is the ``collection_run.kind`` of its runs.
JOBS: tuple[str, ...] = ("collect", "backfill", "weekly_report", "monthly_report")


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


metadata = MetaData()


def _cascade(table: str, column: str = "repo_id", parent: str = "repo.id") -> ForeignKeyConstraint:
    """The foreign key of a row that goes with its parent (``ON DELETE CASCADE``)."""
    return ForeignKeyConstraint([column], [parent], name=f"fk_{table}_{column}",
                                ondelete="CASCADE")


project = Table(
    "project", metadata,
    Column("id", Integer),
    Column("name", String(200), nullable=False),
    PrimaryKeyConstraint("id", name="pk_project"),
    UniqueConstraint("name", name="uq_project_name"),
)

def canonical_name(platform: str, owner: str, name: str) -> str:
    """A ``repo`` row's ``platform:Owner/Name`` with its current name, as exports, reports and
    ``status`` show it."""
    return f"{platform}:{owner}/{name}"


def is_renamed(canonical: str, config_key: str | None) -> bool:
    """Whether the platform now calls a repo by another name than the one ``repos.toml`` lists
    (``config_key`` is that name, lowercase)."""
    return config_key is not None and canonical.lower() != config_key


repo = Table(
    "repo", metadata,
    Column("id", Integer),
    Column("platform", String(32), nullable=False),
    Column("platform_id", BigInteger),
    Column("owner", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("config_key", String(450)),
    Column("project_id", Integer),
    Column("created_at", UTCDateTime),
    Column("added_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("id", name="pk_repo"),
    UniqueConstraint("platform", "platform_id", name="uq_repo_platform_id"),
    UniqueConstraint("config_key", name="uq_repo_config_key"),
    ForeignKeyConstraint(["project_id"], ["project.id"], name="fk_repo_project_id",
                         ondelete="SET NULL"),
    Index("ix_repo_project_id", "project_id"),
)

#: The stays that have not ended: a project's members now.
OPEN_STAY = "left_at IS NULL"

#: One stay of a repo in a project, ``joined_at`` to ``left_at`` (NULL: a member now); ``via`` is
#: the owner id whose listing brought it, NULL for a repo ``repos.toml`` names. At most one open
#: stay per repo: no repo is in two projects at once.
membership = Table(
    "membership", metadata,
    Column("id", Integer),
    Column("repo_id", Integer, nullable=False),
    Column("project_id", Integer, nullable=False),
    Column("via", String(200)),
    Column("joined_at", UTCDateTime, nullable=False),
    Column("left_at", UTCDateTime),
    PrimaryKeyConstraint("id", name="pk_membership"),
    ForeignKeyConstraint(["repo_id"], ["repo.id"], name="fk_membership_repo_id",
                         ondelete="CASCADE"),
    ForeignKeyConstraint(["project_id"], ["project.id"], name="fk_membership_project_id",
                         ondelete="CASCADE"),
    # The members now (one seek, and no repo in two projects at once) ...
    Index("uq_membership_open", "repo_id", unique=True,
          sqlite_where=text(OPEN_STAY), postgresql_where=text(OPEN_STAY)),
    # ... each repo's stays, and the stays that ended, newest first.
    Index("ix_membership_repo_id", "repo_id", "joined_at"),
    Index("ix_membership_left_at", "left_at"),
)

observation = Table(
    "observation", metadata,
    Column("repo_id", Integer),
    Column("metric", String(32)),
    Column("observed_at", UTCDateTime),
    Column("source", String(16)),
    Column("value", BigInteger, nullable=False),
    PrimaryKeyConstraint("repo_id", "metric", "observed_at", "source", name="pk_observation"),
    ForeignKeyConstraint(["repo_id"], ["repo.id"], name="fk_observation_repo_id"),
    CheckConstraint("source IN ('collected', 'backfill')", name="ck_observation_source"),
)

latest_value = Table(
    "latest_value", metadata,
    Column("repo_id", Integer),
    Column("metric", String(32)),
    Column("observed_at", UTCDateTime, nullable=False),
    Column("value", BigInteger, nullable=False),
    PrimaryKeyConstraint("repo_id", "metric", name="pk_latest_value"),
    _cascade("latest_value"),
)

repo_release = Table(
    "repo_release", metadata,
    Column("repo_id", Integer),
    Column("tag", String(400)),
    Column("name", Text),
    Column("published_at", UTCDateTime),
    Column("prerelease", Boolean, nullable=False, default=False),
    Column("url", Text),
    PrimaryKeyConstraint("repo_id", "tag", name="pk_repo_release"),
    ForeignKeyConstraint(["repo_id"], ["repo.id"], name="fk_repo_release_repo_id"),
)

collection_run = Table(
    "collection_run", metadata,
    Column("id", Integer),
    Column("kind", String(32), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("outcome", String(16)),
    PrimaryKeyConstraint("id", name="pk_collection_run"),
    Index("ix_collection_run_kind_started_at", "kind", "started_at"),
    Index("ix_collection_run_kind_finished_at", "kind", "finished_at"),
)

run_platform = Table(
    "run_platform", metadata,
    Column("run_id", Integer),
    Column("platform", String(32)),
    Column("requests", Integer, nullable=False, default=0),
    Column("budget_remaining", Integer),
    Column("budget_limit", Integer),
    Column("budget_reset_at", UTCDateTime),
    PrimaryKeyConstraint("run_id", "platform", name="pk_run_platform"),
    _cascade("run_platform", "run_id", "collection_run.id"),
)

repo_error = Table(
    "repo_error", metadata,
    Column("id", Integer),
    Column("run_id", Integer, nullable=False),
    Column("repo_id", Integer, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("message", Text, nullable=False, default=""),
    PrimaryKeyConstraint("id", name="pk_repo_error"),
    _cascade("repo_error", "run_id", "collection_run.id"),
    ForeignKeyConstraint(["repo_id"], ["repo.id"], name="fk_repo_error_repo_id"),
    Index("ix_repo_error_run_id", "run_id"),
    Index("ix_repo_error_repo_id_occurred_at", "repo_id", "occurred_at"),
)

platform_budget = Table(
    "platform_budget", metadata,
    Column("platform", String(32)),
    Column("run_id", Integer, nullable=False),
    Column("budget_remaining", Integer, nullable=False),
    Column("budget_limit", Integer),
    Column("budget_reset_at", UTCDateTime),
    Column("as_of", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("platform", name="pk_platform_budget"),
)

http_cache = Table(
    "http_cache", metadata,
    Column("key", Text),
    Column("repo", String(450)),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("status", Integer, nullable=False, default=200),
    Column("headers", Text, nullable=False, default="{}"),
    Column("body", LargeBinary, nullable=False, default=b""),
    Column("stored_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("key", name="pk_http_cache"),
    Index("ix_http_cache_repo", "repo"),
    Index("ix_http_cache_used_at", "used_at"),
)

star_week = Table(
    "star_week", metadata,
    Column("repo_id", Integer),
    Column("week", Date),
    Column("days", String(200), nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("repo_id", "week", name="pk_star_week"),
    _cascade("star_week"),
)

star_given = Table(
    "star_given", metadata,
    Column("repo_id", Integer),
    Column("user_id", BigInteger),
    Column("starred_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("repo_id", "user_id", name="pk_star_given"),
    _cascade("star_given"),
)

backfill_state = Table(
    "backfill_state", metadata,
    Column("repo_id", Integer),
    Column("metric", String(32)),
    Column("next_page", Integer, nullable=False, default=1),
    Column("pages", Integer),
    Column("complete", Boolean, nullable=False, default=False),
    Column("refused_reason", Text),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("completed_at", UTCDateTime),
    Column("newest_first", Boolean),
    PrimaryKeyConstraint("repo_id", "metric", name="pk_backfill_state"),
    _cascade("backfill_state"),
)

daemon = Table(
    "daemon", metadata,
    Column("id", Integer, default=1),
    Column("pid", Integer, nullable=False),
    Column("host", String(255), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("stopped_at", UTCDateTime),
    Column("config_error", Text),
    Column("config_error_at", UTCDateTime),
    PrimaryKeyConstraint("id", name="pk_daemon"),
)

daemon_job = Table(
    "daemon_job", metadata,
    Column("name", String(64)),
    Column("schedule", String(200), nullable=False),
    Column("next_run_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("name", name="pk_daemon_job"),
)
