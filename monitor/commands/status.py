"""What ``status`` shows: the daemon, each job's last and next run, repos in trouble, API budgets.

Everything is read from the database, so ``status`` works from any shell, whether or not the
daemon runs (it writes the ``daemon`` and ``daemon_job`` rows; every job writes its
``collection_run``). :func:`read_status` gathers one :class:`Status` from an open database (the
Prometheus exporter uses it too); :func:`gather_status` opens the home's database first.
:func:`render_text` and :meth:`Status.as_json` are the two renderings of the same data. The
store is read with SQLAlchemy Core (:mod:`monitor.store.status`), so the command starts without
the ORM, SQLModel or pydantic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.commands.outlook import status_outlook
from monitor.commands.repos import rename_notice
from monitor.config.repos import Tracked, load_repos
from monitor.errors import ConfigError
from monitor.instants import iso_z
from monitor.metrics import METRICS
from monitor.store import status as store
from monitor.store.db import Database, open_database
from monitor.store.failing import failing_repos
from monitor.store.tables import JOBS

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from monitor.config.settings import Schedule, Settings
    from monitor.progress import BackfillProgress
    from monitor.token_advice import NoTokenAdvice

__all__ = [
    "HEARTBEAT_STALE",
    "BackfillRefusal",
    "BudgetStatus",
    "DaemonStatus",
    "JobStatus",
    "LastRun",
    "LeftRepo",
    "Renamed",
    "RepoProblem",
    "Status",
    "gather_status",
    "read_status",
]

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
class Renamed:
    """A tracked repo its platform renamed or moved: collected under its new name, listed
    under the old one in ``repos.toml`` until the user updates it."""

    repo: str  # as repos.toml lists it
    current_name: str  # platform:Owner/Name as the platform last named it

    @property
    def notice(self) -> str:
        return rename_notice(self.repo, self.current_name)

    def as_json(self) -> dict[str, Any]:
        return {"repo": self.repo, "current_name": self.current_name, "notice": self.notice}


@dataclass(frozen=True)
class LeftRepo:
    """A repo an owner's listing no longer has (deleted, transferred, made private, archived,
    excluded) and no project has now: not collected any more, its history kept."""

    repo: str  # platform:Owner/Name as the platform last named it
    project: str
    via: str | None  # the owner whose listing had brought it
    left_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"repo": self.repo, "project": self.project, "via": self.via,
                "left_at": iso_z(self.left_at)}


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
class BudgetStatus:
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
    budgets: tuple[BudgetStatus, ...]
    config_error: str | None = None  # config/repos.toml cannot be loaded right now
    renamed: tuple[Renamed, ...] = ()
    left: tuple[LeftRepo, ...] = ()  # newest first
    backfill: BackfillProgress | None = None  # the tracked repos' first backfill (settings known)
    no_token: NoTokenAdvice | None = None  # GitHub without a token: what its budget allows

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
            "renamed": [r.as_json() for r in self.renamed],
            "left": [r.as_json() for r in self.left],
            "backfill_refused": [r.as_json() for r in self.backfill_refused],
            "budgets": {b.platform: b.as_json() for b in self.budgets},
            "backfill": self.backfill.as_json() if self.backfill is not None else None,
            "no_token": self.no_token.as_json() if self.no_token is not None else None,
        }


# -- gathering ------------------------------------------------------------------------------------


def gather_status(settings: Settings, now: datetime | None = None) -> Status:
    """The status of the home in *settings*; its database must be at this version's schema.

    A ``config/repos.toml`` that does not load is reported (``config_error``) rather than fatal:
    the daemon keeps running on its last good configuration, and ``status`` is where one looks.
    "Now" is *now* if given, else the settings' clock.
    """
    tracked: Tracked | None = None
    config_error = None
    try:
        tracked = load_repos(settings.repos_path)
    except ConfigError as exc:
        config_error = str(exc)
    with open_database(settings.database_url) as database:
        database.check()  # never migrates: only init and the daemon holding its lock do
        status = read_status(database, tracked, now=now or settings.clock(),
                             schedule=settings.schedule, home=settings.home, settings=settings)
    if config_error is not None:
        status = replace(status, config_error=config_error)
    return status


def read_status(
    database: Database,
    tracked: Tracked | None = None,
    *,
    now: datetime,
    schedule: Schedule | None = None,
    home: Path | None = None,
    settings: Settings | None = None,
) -> Status:
    """Everything ``status`` shows, read in one transaction. With *tracked*, repo problems are
    limited to the tracked repos, named or brought by an owner's listing (an untracked repo's
    old errors are history, not trouble). With *settings*, the backfill's progress and, without
    a GitHub token, what its budget allows (:mod:`monitor.commands.outlook`)."""
    keys = None if tracked is None else [repo_id.key for repo_id in tracked.repos()]
    with database.reading() as conn:
        daemon = _daemon(store.daemon_record(conn), now)
        jobs = tuple(_jobs(conn, daemon, schedule))
        named = store.repos_by_id(conn, keys)
        repos = named | ({} if keys is None else store.listed_members(conn))
        failing, deferred = _problems(conn, repos)
        refused = _refusals(conn, repos)
        budgets = tuple(_budget(row, now) for row in store.budgets(conn))
        left = tuple(LeftRepo(r.repo, r.project, None if r.via is None else str(r.via),
                              r.left_at) for r in store.left_members(conn, listed=True))
        progress, advice = (None, None) if settings is None else status_outlook(
            conn, tracked, repos, {row.config_key for row in named.values()}, settings,
            {b.platform: b.limit for b in budgets}, now)
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
        renamed=_renamed(named, tracked),
        left=left,
        backfill=progress,
        no_token=advice,
    )


def _daemon(row: store.DaemonHealth | None, now: datetime) -> DaemonStatus:
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
    conn: Connection, daemon: DaemonStatus, schedule: Schedule | None
) -> Iterable[JobStatus]:
    last = store.last_runs(conn, JOBS)
    succeeded = store.last_successes(conn, JOBS)
    scheduled = store.scheduled_jobs(conn)
    for name in JOBS:
        job = scheduled.get(name)
        configured = getattr(schedule, name, None) if schedule is not None else None
        if not daemon.running:
            next_at, note = None, NOT_RUNNING
        elif job is None or job.next_run_at is None:
            next_at, note = None, "not scheduled"
        else:
            next_at, note = job.next_run_at, None
        run = last.get(name)
        last_run = (
            None if run is None
            else LastRun(run.started_at, run.finished_at, run.outcome, run.requests)
        )
        yield JobStatus(
            name=name,
            schedule=job.schedule if job is not None else configured,
            last_run=last_run,
            last_success_at=succeeded.get(name),
            next_run_at=next_at,
            next_run_note=note,
        )


def _problems(
    conn: Connection, repos: dict[int, store.RepoRecord]
) -> tuple[tuple[RepoProblem, ...], tuple[RepoProblem, ...]]:
    """The repos failing now (collected on any metric or not), the deferred ones apart."""
    failing: list[RepoProblem] = []
    deferred: list[RepoProblem] = []
    for found in failing_repos(conn, repos, as_of=None, metric=None):
        problem = RepoProblem(repos[found.repo_id].canonical, found.kind, found.message,
                              found.last_error_at, found.job, found.last_collected_at)
        (deferred if found.kind == "deferred" else failing).append(problem)
    return _sorted(failing), _sorted(deferred)


def _sorted(problems: list[RepoProblem]) -> tuple[RepoProblem, ...]:
    return tuple(sorted(problems, key=lambda p: p.repo.lower()))


def _renamed(repos: dict[int, store.RepoRecord], tracked: Tracked | None,
             ) -> tuple[Renamed, ...]:
    """The repos their platform renamed, each under the name repos.toml gives it."""
    listed = {rid.key: str(rid) for rid in tracked.repos()} if tracked is not None else {}
    found = [Renamed(listed.get(row.config_key, row.config_key), row.canonical)
             for row in repos.values() if row.renamed and row.config_key is not None]
    return tuple(sorted(found, key=lambda r: r.repo.lower()))


def _refusals(
    conn: Connection, repos: dict[int, store.RepoRecord]
) -> tuple[BackfillRefusal, ...]:
    refused = [
        BackfillRefusal(repos[found.repo_id].canonical, found.metric, found.reason,
                        found.updated_at)
        for found in store.refusals(conn, repos)
    ]
    return tuple(sorted(refused, key=lambda r: (r.repo.lower(), METRICS.index(r.metric))))


def _budget(row: store.BudgetRecord, now: datetime) -> BudgetStatus:
    return BudgetStatus(row.platform, row.remaining, row.limit, row.reset_at, row.as_of,
                        max(now - row.as_of, timedelta(0)))
