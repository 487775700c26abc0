"""The records ``status`` shows, each with its ``--json`` object: the daemon, each job's last and
next run, repos in trouble, the ones renamed or gone from a listing, backfill refusals, API
budgets, all held by one :class:`Status`.

:mod:`monitor.commands.status` reads them from the store and hands them on; this module only
says what they hold and how they read as JSON (:meth:`Status.as_json`, documented in the README).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.commands.repos import rename_notice
from monitor.instants import iso_z

if TYPE_CHECKING:
    from monitor.progress import BackfillProgress
    from monitor.token_advice import NoTokenAdvice

__all__ = [
    "BackfillRefusal",
    "BudgetStatus",
    "DaemonStatus",
    "JobStatus",
    "LastRun",
    "LeftRepo",
    "Renamed",
    "RepoProblem",
    "Status",
]


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
