"""The daemon's health record (table ``daemon``) and its jobs' next runs (``daemon_job``).

Written only by the daemon holding the single-instance lock; read by ``status`` from any shell.
Each function is one transaction.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from monitor.store.db import atomic
from monitor.store.latest import first_observation_at
from monitor.store.models import CollectionRun, DaemonJob, DaemonRecord

__all__ = [
    "first_observation_at",
    "last_run_started",
    "mark_started",
    "mark_stopped",
    "set_config_error",
    "set_jobs",
    "touch",
]


def mark_started(session: Session, now: datetime) -> datetime | None:
    """This process now holds the home: pid, host, start and heartbeat, no error yet.

    Returns the previous daemon's last sign of life (its last heartbeat), None on a first run:
    what it missed while down is what fell after that instant.
    """
    with atomic(session):
        existing = session.get(DaemonRecord, 1)
        last_alive = existing.heartbeat_at if existing is not None else None
        row = existing or DaemonRecord(
            id=1, pid=0, host="", started_at=now, heartbeat_at=now
        )
        row.pid = os.getpid()
        row.host = socket.gethostname()[:255]
        row.started_at = now
        row.heartbeat_at = now
        row.stopped_at = None
        row.config_error = None
        row.config_error_at = None
        session.add(row)
    return last_alive


def touch(session: Session, now: datetime) -> None:
    """The heartbeat: still alive at *now*."""
    with atomic(session):
        row = session.get(DaemonRecord, 1)
        if row is not None:
            row.heartbeat_at = now
            session.add(row)


def mark_stopped(session: Session, now: datetime) -> None:
    """A clean exit; the jobs have no next run any more."""
    with atomic(session):
        row = session.get(DaemonRecord, 1)
        if row is not None:
            row.heartbeat_at = now
            row.stopped_at = now
            session.add(row)
        for job in session.exec(select(DaemonJob)):
            job.next_run_at = None
            job.updated_at = now
            session.add(job)


def set_config_error(session: Session, message: str | None, now: datetime) -> None:
    """The configuration edit that could not be loaded (None: the configuration is good)."""
    with atomic(session):
        row = session.get(DaemonRecord, 1)
        if row is None:
            return
        if row.config_error != message:
            row.config_error = message
            row.config_error_at = now if message else None
            session.add(row)


def set_jobs(
    session: Session, jobs: dict[str, tuple[str, datetime | None]], now: datetime
) -> None:
    """Each job's schedule and next run; jobs no longer scheduled are removed."""
    with atomic(session):
        session.exec(delete(DaemonJob).where(col(DaemonJob.name).not_in(list(jobs))))
        for name, (schedule, next_run) in jobs.items():
            row = session.get(DaemonJob, name) or DaemonJob(
                name=name, schedule=schedule, updated_at=now
            )
            row.schedule = schedule
            row.next_run_at = next_run
            row.updated_at = now
            session.add(row)


def last_run_started(session: Session, kind: str) -> datetime | None:
    """When the latest run of *kind* started (whatever its outcome), or None."""
    found: datetime | None = session.exec(
        select(func.max(CollectionRun.started_at)).where(CollectionRun.kind == kind)
    ).one()
    return found
