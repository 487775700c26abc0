"""What ``status`` shows: the daemon, each job's last and next run, repos in trouble, API budgets.

Everything is read from the database, so ``status`` works from any shell, whether or not the
daemon runs (it writes the ``daemon`` and ``daemon_job`` rows; every job writes its
``collection_run``). :func:`read_status` gathers one :class:`Status` from an open database (the
Prometheus exporter uses it too); :func:`gather_status` opens the home's database first.
:func:`render_text` and :meth:`Status.as_json` are the two renderings of the same data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from monitor.config.repos import Tracked, load_repos
from monitor.config.settings import Schedule, Settings
from monitor.errors import ConfigError
from monitor.instants import iso_z
from monitor.metrics import METRICS
from monitor.store.db import Database, open_database
from monitor.store.history import states
from monitor.store.models import (
    CollectionRun,
    DaemonJob,
    DaemonRecord,
    Repo,
    RepoError,
    RunPlatform,
    utcnow,
)
from monitor.store.series import latest_values

__all__ = [
    "HEARTBEAT_STALE",
    "JOBS",
    "SUCCESS_OUTCOMES",
    "BackfillRefusal",
    "Budget",
    "DaemonStatus",
    "JobStatus",
    "LastRun",
    "RepoProblem",
    "Status",
    "gather_status",
    "read_status",
]

#: The daemon's jobs, in the order ``status`` lists them (each is a ``collection_run.kind``).
JOBS: tuple[str, ...] = ("collect", "backfill", "weekly_report", "monthly_report")

#: Outcomes that count as a successful run (``partial``: the run finished, some repos failed).
SUCCESS_OUTCOMES: tuple[str, ...] = ("ok", "partial")

#: A daemon whose heartbeat is older than this is reported as not responding.
HEARTBEAT_STALE = timedelta(minutes=2)

NOT_RUNNING = "not scheduled: daemon not running"


@dataclass(frozen=True)
class DaemonStatus:
    """``state``: ``running``, ``stopped`` (exited cleanly), ``not responding`` (no recent
    heartbeat and no clean stop: killed or hung) or ``never ran``."""

    state: str
    pid: int | None = None
    host: str | None = None
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    stopped_at: datetime | None = None
    config_error: str | None = None
    config_error_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.state == "running"

    def as_json(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "state": self.state,
            "pid": self.pid,
            "host": self.host,
            "started_at": iso_z(self.started_at),
            "heartbeat_at": iso_z(self.heartbeat_at),
            "stopped_at": iso_z(self.stopped_at),
            "config_error": self.config_error,
            "config_error_at": iso_z(self.config_error_at),
        }


@dataclass(frozen=True)
class LastRun:
    """A job's newest run; ``outcome`` is ``None`` while it runs (or if its process died)."""

    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    requests: int

    @property
    def duration(self) -> timedelta | None:
        return self.finished_at - self.started_at if self.finished_at else None

    def as_json(self) -> dict[str, Any]:
        duration = self.duration
        return {
            "started_at": iso_z(self.started_at),
            "finished_at": iso_z(self.finished_at),
            "outcome": self.outcome,
            "duration_seconds": duration.total_seconds() if duration is not None else None,
            "requests": self.requests,
        }


@dataclass(frozen=True)
class JobStatus:
    name: str
    schedule: str | None  # as the daemon scheduled it, else as configured
    last_run: LastRun | None
    last_success_at: datetime | None  # finished_at of the newest ok/partial run
    next_run_at: datetime | None
    next_run_note: str | None  # why there is no next run, e.g. the daemon is not running

    def as_json(self) -> dict[str, Any]:
        return {
            "schedule": self.schedule,
            "last_run": self.last_run.as_json() if self.last_run else None,
            "last_success_at": iso_z(self.last_success_at),
            "next_run_at": iso_z(self.next_run_at),
            "next_run_note": self.next_run_note,
        }


@dataclass(frozen=True)
class RepoProblem:
    """A repo whose newest error is newer than its last collected observation."""

    repo: str  # platform:Owner/Name as the platform last named it
    kind: str  # not_found, blocked, unavailable…, or deferred
    message: str
    occurred_at: datetime
    job: str | None  # the run kind that recorded it
    last_collected_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "kind": self.kind,
            "message": self.message,
            "occurred_at": iso_z(self.occurred_at),
            "job": self.job,
            "last_collected_at": iso_z(self.last_collected_at),
        }


@dataclass(frozen=True)
class BackfillRefusal:
    repo: str
    metric: str
    reason: str
    updated_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "metric": self.metric,
            "reason": self.reason,
            "updated_at": iso_z(self.updated_at),
        }


@dataclass(frozen=True)
class Budget:
    """A platform's rate-limit budget as the newest run that saw it reported it."""

    platform: str
    remaining: int
    limit: int | None
    reset_at: datetime | None
    as_of: datetime  # when the run that saw it ended (or started, if it never ended)
    age: timedelta

    def as_json(self) -> dict[str, Any]:
        return {
            "remaining": self.remaining,
            "limit": self.limit,
            "reset_at": iso_z(self.reset_at),
            "as_of": iso_z(self.as_of),
            "age_seconds": round(self.age.total_seconds()),
        }


@dataclass(frozen=True)
class Status:
    generated_at: datetime
    home: Path | None
    database: str  # URL with any password masked
    daemon: DaemonStatus
    jobs: tuple[JobStatus, ...]
    failing: tuple[RepoProblem, ...]
    deferred: tuple[RepoProblem, ...]
    backfill_refused: tuple[BackfillRefusal, ...]
    budgets: tuple[Budget, ...]
    config_error: str | None = None  # config/repos.toml cannot be loaded right now

    def job(self, name: str) -> JobStatus:
        return next(job for job in self.jobs if job.name == name)

    def as_json(self) -> dict[str, Any]:
        """The ``status --json`` object; its keys are documented in the README."""
        return {
            "generated_at": iso_z(self.generated_at),
            "home": str(self.home) if self.home is not None else None,
            "database": self.database,
            "config_error": self.config_error,
            "daemon": self.daemon.as_json(),
            "jobs": {job.name: job.as_json() for job in self.jobs},
            "failing": [p.as_json() for p in self.failing],
            "deferred": [p.as_json() for p in self.deferred],
            "backfill_refused": [r.as_json() for r in self.backfill_refused],
            "budgets": {b.platform: b.as_json() for b in self.budgets},
        }


# -- gathering ------------------------------------------------------------------------------------


def gather_status(settings: Settings, now: datetime | None = None) -> Status:
    """The status of the home in *settings*; creates or upgrades its database like every command.

    A ``config/repos.toml`` that does not load is reported (``config_error``) rather than fatal:
    the daemon keeps running on its last good configuration, and ``status`` is where one looks.
    """
    tracked: Tracked | None = None
    config_error = None
    try:
        tracked = load_repos(settings.repos_path)
    except ConfigError as exc:
        config_error = str(exc)
    with open_database(settings.database_url) as database:
        database.upgrade()
        status = read_status(database, tracked, now=now, schedule=settings.schedule,
                             home=settings.home)
    if config_error is not None:
        status = replace(status, config_error=config_error)
    return status


def read_status(
    database: Database,
    tracked: Tracked | None = None,
    *,
    now: datetime | None = None,
    schedule: Schedule | None = None,
    home: Path | None = None,
) -> Status:
    """Everything ``status`` shows, read in one session. With *tracked*, repo problems are
    limited to the tracked repos (an untracked repo's old errors are history, not trouble)."""
    now = now or utcnow()
    with database.session() as session:
        daemon = _daemon(session, now)
        jobs = tuple(_jobs(session, daemon, schedule))
        repos = _repos(session, tracked)
        failing, deferred = _problems(session, repos)
        refused = _refusals(session, repos)
        budgets = tuple(_budgets(session, now))
    return Status(
        generated_at=now,
        home=home,
        database=database.url,
        daemon=daemon,
        jobs=jobs,
        failing=failing,
        deferred=deferred,
        backfill_refused=refused,
        budgets=budgets,
    )


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _daemon(session: Session, now: datetime) -> DaemonStatus:
    row = session.exec(select(DaemonRecord).order_by(col(DaemonRecord.id))).first()
    if row is None:
        return DaemonStatus("never ran")
    if row.stopped_at is not None:
        state = "stopped"
    elif now - row.heartbeat_at <= HEARTBEAT_STALE:
        state = "running"
    else:
        state = "not responding"
    return DaemonStatus(
        state=state,
        pid=row.pid,
        host=row.host,
        started_at=row.started_at,
        heartbeat_at=row.heartbeat_at,
        stopped_at=row.stopped_at,
        config_error=row.config_error,
        config_error_at=row.config_error_at,
    )


def _jobs(
    session: Session, daemon: DaemonStatus, schedule: Schedule | None
) -> Iterable[JobStatus]:
    r, p = _table(CollectionRun), _table(RunPlatform)
    newest = func.row_number().over(
        partition_by=r.c.kind, order_by=(r.c.started_at.desc(), r.c.id.desc())
    )
    ranked = core_select(r, newest.label("rank")).where(r.c.kind.in_(JOBS)).subquery()
    requests = (
        core_select(func.coalesce(func.sum(p.c.requests), 0))
        .where(p.c.run_id == ranked.c.id)
        .scalar_subquery()
    )
    last: dict[str, LastRun] = {}
    conn = session.connection()
    stmt = core_select(
        ranked.c.kind, ranked.c.started_at, ranked.c.finished_at, ranked.c.outcome, requests
    ).where(ranked.c.rank == 1)
    for kind, started_at, finished_at, outcome, spent in conn.execute(stmt):
        last[kind] = LastRun(_aware(started_at), _aware(finished_at), outcome, int(spent))
    success_stmt = (
        core_select(r.c.kind, func.max(r.c.finished_at))
        .where(r.c.kind.in_(JOBS), r.c.outcome.in_(SUCCESS_OUTCOMES))
        .group_by(r.c.kind)
    )
    succeeded = {kind: _aware(at) for kind, at in conn.execute(success_stmt)}
    scheduled = {job.name: job for job in session.exec(select(DaemonJob))}
    for name in JOBS:
        job = scheduled.get(name)
        configured = getattr(schedule, name, None) if schedule is not None else None
        if not daemon.running:
            next_at, note = None, NOT_RUNNING
        elif job is None or job.next_run_at is None:
            next_at, note = None, "not scheduled"
        else:
            next_at, note = job.next_run_at, None
        yield JobStatus(
            name=name,
            schedule=job.schedule if job is not None else configured,
            last_run=last.get(name),
            last_success_at=succeeded.get(name),
            next_run_at=next_at,
            next_run_note=note,
        )


def _repos(session: Session, tracked: Tracked | None) -> dict[int, Repo]:
    """The repos problems are reported for: the tracked ones (every one if *tracked* is None)."""
    rows = {row.id: row for row in session.exec(select(Repo)) if row.id is not None}
    if tracked is None:
        return rows
    keys = {repo_id.key for repo_id in tracked.repos()}
    return {rid: row for rid, row in rows.items() if row.config_key in keys}


def _problems(
    session: Session, repos: dict[int, Repo]
) -> tuple[tuple[RepoProblem, ...], tuple[RepoProblem, ...]]:
    e, r = _table(RepoError), _table(CollectionRun)
    newest = func.row_number().over(
        partition_by=e.c.repo_id, order_by=(e.c.occurred_at.desc(), e.c.id.desc())
    )
    ranked = core_select(e, newest.label("rank")).subquery()
    stmt = (
        core_select(ranked.c.repo_id, ranked.c.occurred_at, ranked.c.kind, ranked.c.message,
                    r.c.kind)
        .join(r, r.c.id == ranked.c.run_id, isouter=True)
        .where(ranked.c.rank == 1)
    )
    latest_errors = [
        row for row in session.connection().execute(stmt) if row[0] in repos
    ]
    collected = latest_values(session, [row[0] for row in latest_errors])
    failing: list[RepoProblem] = []
    deferred: list[RepoProblem] = []
    for repo_id, occurred_at, kind, message, job in latest_errors:
        occurred_at = _aware(occurred_at)
        seen = collected.get(repo_id)
        last = seen.last_collected_at if seen else None
        if last is not None and occurred_at <= last:
            continue  # collected since: the error is history
        problem = RepoProblem(repos[repo_id].canonical, kind, message, occurred_at, job, last)
        (deferred if kind == "deferred" else failing).append(problem)
    return _sorted(failing), _sorted(deferred)


def _sorted(problems: list[RepoProblem]) -> tuple[RepoProblem, ...]:
    return tuple(sorted(problems, key=lambda p: p.repo.lower()))


def _refusals(session: Session, repos: dict[int, Repo]) -> tuple[BackfillRefusal, ...]:
    refused = [
        BackfillRefusal(repos[state.repo_id].canonical, metric, state.refused_reason,
                        state.updated_at)
        for metric in METRICS
        for state in states(session, metric).values()
        if state.refused_reason and state.repo_id in repos
    ]
    return tuple(sorted(refused, key=lambda r: (r.repo.lower(), METRICS.index(r.metric))))


def _budgets(session: Session, now: datetime) -> Iterable[Budget]:
    p, r = _table(RunPlatform), _table(CollectionRun)
    as_of = func.coalesce(r.c.finished_at, r.c.started_at)
    newest = func.row_number().over(
        partition_by=p.c.platform, order_by=(as_of.desc(), p.c.run_id.desc())
    )
    ranked = (
        core_select(p.c.platform, p.c.budget_remaining, p.c.budget_limit, p.c.budget_reset_at,
                    as_of.label("as_of"), newest.label("rank"))
        .join(r, r.c.id == p.c.run_id)
        .where(p.c.budget_remaining.is_not(None))
        .subquery()
    )
    stmt = (
        core_select(ranked.c.platform, ranked.c.budget_remaining, ranked.c.budget_limit,
                    ranked.c.budget_reset_at, ranked.c.as_of)
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.platform)
    )
    for platform, remaining, limit, reset_at, seen_at in session.connection().execute(stmt):
        seen = _aware(seen_at)
        yield Budget(platform, remaining, limit, _aware(reset_at), seen, max(now - seen,
                                                                              timedelta(0)))


def _aware(value: Any) -> Any:
    """Core selects bypass the ORM type for computed columns (coalesce, max): make UTC aware.

    SQLite hands back such values as text, PostgreSQL as naive datetimes; both are naive UTC.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
