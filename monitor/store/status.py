"""What ``status`` reads: the daemon's record, each job's runs, tracked repos, refused
backfills, the platforms' budgets, and the repos that left (:mod:`monitor.store.members`).

Every function reads only, on a Core connection (:meth:`~monitor.store.db.Database.reading`),
and returns plain records: ``status`` starts without the ORM, SQLModel or pydantic.
:mod:`monitor.commands.status` turns the records into what it shows. Which repos are failing is
decided once, in :mod:`monitor.store.failing`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func
from sqlalchemy import select as core_select

from monitor.metrics import METRICS
from monitor.store import tables
from monitor.store.sql import chunked
from monitor.store.stays import LeftRow, left_members
from monitor.store.tables import SUCCESS_OUTCOMES

__all__ = [
    "BudgetRecord",
    "DaemonHealth",
    "JobSchedule",
    "LeftRow",
    "Refusal",
    "RepoRecord",
    "RunRecord",
    "budgets",
    "daemon_record",
    "last_runs",
    "last_successes",
    "left_members",
    "listed_members",
    "refusals",
    "repos_by_id",
    "scheduled_jobs",
]


@dataclass(frozen=True, slots=True)
class DaemonHealth:
    """The daemon's health record (the ``daemon`` row)."""

    pid: int
    host: str
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None
    config_error: str | None
    config_error_at: datetime | None


@dataclass(frozen=True, slots=True)
class JobSchedule:
    """A job's schedule and next run as the daemon last computed them (a ``daemon_job`` row)."""

    name: str
    schedule: str
    next_run_at: datetime | None


@dataclass(frozen=True, slots=True)
class RepoRecord:
    """A stored repo: its id, its current name and the key ``repos.toml`` lists it under."""

    id: int
    platform: str
    owner: str
    name: str
    config_key: str | None

    @property
    def canonical(self) -> str:
        return tables.canonical_name(self.platform, self.owner, self.name)

    @property
    def renamed(self) -> bool:
        return tables.is_renamed(self.canonical, self.config_key)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A repo's metric whose history the platform refused, and why."""

    repo_id: int
    metric: str
    reason: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A job's newest run; ``outcome`` is ``None`` while it runs (or if its process died)."""

    kind: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    requests: int  # summed over the platforms


@dataclass(frozen=True, slots=True)
class BudgetRecord:
    """A platform's rate-limit budget as the newest run that saw it reported it."""

    platform: str
    remaining: int
    limit: int | None
    reset_at: datetime | None
    as_of: datetime  # when the run that saw it ended (or started, if it never ended)


def daemon_record(conn: Connection) -> DaemonHealth | None:
    """The daemon's health record; ``None`` if no daemon ever ran on this database."""
    d = tables.daemon
    stmt = core_select(d.c.pid, d.c.host, d.c.started_at, d.c.heartbeat_at, d.c.stopped_at,
                       d.c.config_error, d.c.config_error_at).order_by(d.c.id).limit(1)
    row = conn.execute(stmt).first()
    return DaemonHealth(*row) if row is not None else None


def scheduled_jobs(conn: Connection) -> dict[str, JobSchedule]:
    """Each job's schedule and next run as the daemon last computed them, by job name."""
    j = tables.daemon_job
    stmt = core_select(j.c.name, j.c.schedule, j.c.next_run_at)
    return {row.name: JobSchedule(*row) for row in conn.execute(stmt)}


def last_runs(conn: Connection, kinds: Sequence[str]) -> dict[str, RunRecord]:
    """The newest run of each of *kinds* that ever ran, with the requests it made: one seek of
    ``ix_collection_run_kind_started_at`` per kind."""
    r, p = tables.collection_run, tables.run_platform
    requests = (
        core_select(func.coalesce(func.sum(p.c.requests), 0))
        .where(p.c.run_id == r.c.id)
        .scalar_subquery()
    )
    found: dict[str, RunRecord] = {}
    for kind in kinds:
        stmt = (
            core_select(r.c.started_at, r.c.finished_at, r.c.outcome, requests)
            .where(r.c.kind == kind)
            .order_by(r.c.started_at.desc(), r.c.id.desc())
            .limit(1)
        )
        row = conn.execute(stmt).first()
        if row is not None:
            started_at, finished_at, outcome, spent = row
            found[kind] = RunRecord(kind, started_at, finished_at, outcome, int(spent))
    return found


def last_successes(conn: Connection, kinds: Sequence[str]) -> dict[str, datetime]:
    """When the newest successful (``ok`` or ``partial``) run of each of *kinds* finished: one
    descending seek of ``ix_collection_run_kind_finished_at`` per kind."""
    r = tables.collection_run
    found: dict[str, datetime] = {}
    for kind in kinds:
        stmt = (
            core_select(r.c.finished_at)
            .where(r.c.kind == kind, r.c.finished_at.is_not(None),
                   r.c.outcome.in_(SUCCESS_OUTCOMES))
            .order_by(r.c.finished_at.desc())
            .limit(1)
        )
        finished_at = conn.execute(stmt).scalar()
        if finished_at is not None:
            found[kind] = finished_at
    return found


def repos_by_id(conn: Connection, keys: Collection[str] | None = None) -> dict[int, RepoRecord]:
    """The stored repos listed under *keys* (config keys), or every stored repo if ``None``."""
    r = tables.repo
    stmt: Select[Any] = core_select(r.c.id, r.c.platform, r.c.owner, r.c.name, r.c.config_key)
    if keys is None:
        return {row.id: RepoRecord(*row) for row in conn.execute(stmt)}
    found: dict[int, RepoRecord] = {}
    for chunk in chunked(sorted(set(keys))):
        for row in conn.execute(stmt.where(r.c.config_key.in_(chunk))):
            found[row.id] = RepoRecord(*row)
    return found


def listed_members(conn: Connection) -> dict[int, RepoRecord]:
    """The repos an owner's listing brought that are members now, by id."""
    r, m = tables.repo, tables.membership
    stays = core_select(m.c.repo_id).where(m.c.left_at.is_(None), m.c.via.is_not(None))
    stmt = core_select(r.c.id, r.c.platform, r.c.owner, r.c.name, r.c.config_key).where(
        r.c.id.in_(stays))
    return {row.id: RepoRecord(*row) for row in conn.execute(stmt)}


def refusals(conn: Connection, repo_ids: Collection[int]) -> list[Refusal]:
    """The backfills of *repo_ids* whose history the platform refused, metric by metric."""
    b = tables.backfill_state
    stmt = core_select(b.c.repo_id, b.c.metric, b.c.refused_reason, b.c.updated_at).where(
        b.c.metric.in_(METRICS), b.c.refused_reason.is_not(None), b.c.refused_reason != "")
    wanted = set(repo_ids)
    return [Refusal(*row) for row in conn.execute(stmt) if row.repo_id in wanted]


def budgets(conn: Connection) -> list[BudgetRecord]:
    """Each platform's budget as the run that ended last among those that reported one saw it
    (``platform_budget``, kept by :func:`~monitor.store.runs.finish_run`), by platform name."""
    b = tables.platform_budget
    stmt = core_select(
        b.c.platform, b.c.budget_remaining, b.c.budget_limit, b.c.budget_reset_at, b.c.as_of
    ).order_by(b.c.platform)
    return [BudgetRecord(*row) for row in conn.execute(stmt)]
