"""What ``status`` shows: the daemon, each job's last and next run, repos in trouble, API budgets.

Everything is read from the database, so ``status`` works from any shell, whether or not the
daemon runs (it writes the ``daemon`` and ``daemon_job`` rows; every job writes its
``collection_run``). :func:`read_status` gathers one :class:`Status` from an open database (the
Prometheus exporter uses it too); :func:`gather_status` opens the home's database first. The
records it is made of, and their JSON, live in :mod:`monitor.commands._status_model`; the text is
:func:`monitor.cli.console.status_lines`. The store is read with SQLAlchemy Core
(:mod:`monitor.store.status`), so the command starts without the ORM, SQLModel or pydantic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.commands._status_model import (
    BackfillRefusal,
    BudgetStatus,
    DaemonStatus,
    JobStatus,
    LastRun,
    LeftRepo,
    Renamed,
    RepoProblem,
    Status,
)
from monitor.commands.outlook import status_outlook
from monitor.config.repos import Tracked, load_repos
from monitor.errors import ConfigError
from monitor.metrics import METRICS
from monitor.store import status as store
from monitor.store.db import Database, open_database
from monitor.store.failing import failing_repos
from monitor.store.tables import JOBS

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from monitor.config.settings import Schedule, Settings

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
