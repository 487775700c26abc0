"""What ``status`` reads: the daemon's record, each job's runs, tracked repos, refused
backfills, the platforms' budgets, and the repos that left (:mod:`monitor.store.members`).

Every function reads only; :mod:`monitor.commands.status` turns the records into what it shows.
Which repos are failing is decided once, in :mod:`monitor.store.failing`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from monitor.metrics import METRICS
from monitor.store.history import BackfillState, states
from monitor.store.members import LeftRow, left_members
from monitor.store.models import (
    CollectionRun,
    DaemonJob,
    DaemonRecord,
    PlatformBudget,
    Repo,
    RunPlatform,
)
from monitor.store.models_membership import Membership
from monitor.store.runs import SUCCESS_OUTCOMES
from monitor.store.sql import chunked, table

__all__ = [
    "BudgetRecord",
    "LeftRow",
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


def daemon_record(session: Session) -> DaemonRecord | None:
    """The daemon's health record; ``None`` if no daemon ever ran on this database."""
    return session.exec(select(DaemonRecord).order_by(col(DaemonRecord.id))).first()


def scheduled_jobs(session: Session) -> dict[str, DaemonJob]:
    """Each job's schedule and next run as the daemon last computed them, by job name."""
    return {job.name: job for job in session.exec(select(DaemonJob))}


def last_runs(session: Session, kinds: Sequence[str]) -> dict[str, RunRecord]:
    """The newest run of each of *kinds* that ever ran, with the requests it made: one seek of
    ``ix_collection_run_kind_started_at`` per kind."""
    r, p = table(CollectionRun), table(RunPlatform)
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
        row = session.connection().execute(stmt).first()
        if row is not None:
            started_at, finished_at, outcome, spent = row
            found[kind] = RunRecord(kind, started_at, finished_at, outcome, int(spent))
    return found


def last_successes(session: Session, kinds: Sequence[str]) -> dict[str, datetime]:
    """When the newest successful (``ok`` or ``partial``) run of each of *kinds* finished: one
    descending seek of ``ix_collection_run_kind_finished_at`` per kind."""
    r = table(CollectionRun)
    found: dict[str, datetime] = {}
    for kind in kinds:
        stmt = (
            core_select(r.c.finished_at)
            .where(r.c.kind == kind, r.c.finished_at.is_not(None),
                   r.c.outcome.in_(SUCCESS_OUTCOMES))
            .order_by(r.c.finished_at.desc())
            .limit(1)
        )
        finished_at = session.connection().execute(stmt).scalar()
        if finished_at is not None:
            found[kind] = finished_at
    return found


def repos_by_id(session: Session, keys: Collection[str] | None = None) -> dict[int, Repo]:
    """The stored repos listed under *keys* (config keys), or every stored repo if ``None``."""
    if keys is None:
        return {row.id: row for row in session.exec(select(Repo)) if row.id is not None}
    found: dict[int, Repo] = {}
    for chunk in chunked(sorted(set(keys))):
        for row in session.exec(select(Repo).where(col(Repo.config_key).in_(chunk))):
            if row.id is not None:
                found[row.id] = row
    return found


def listed_members(session: Session) -> dict[int, Repo]:
    """The repos an owner's listing brought that are members now, by id."""
    stays = select(Membership.repo_id).where(
        col(Membership.left_at).is_(None), col(Membership.via).is_not(None))
    rows = session.exec(select(Repo).where(col(Repo.id).in_(stays)))
    return {row.id: row for row in rows if row.id is not None}


def refusals(session: Session, repo_ids: Collection[int]) -> list[BackfillState]:
    """The backfill states of *repo_ids* whose history the platform refused, metric by metric."""
    wanted = set(repo_ids)
    return [
        state
        for metric in METRICS
        for state in states(session, metric).values()
        if state.refused_reason and state.repo_id in wanted
    ]


def budgets(session: Session) -> list[BudgetRecord]:
    """Each platform's budget as the run that ended last among those that reported one saw it
    (``platform_budget``, kept by :func:`~monitor.store.runs.finish_run`), by platform name."""
    b = table(PlatformBudget)
    stmt = core_select(
        b.c.platform, b.c.budget_remaining, b.c.budget_limit, b.c.budget_reset_at, b.c.as_of
    ).order_by(b.c.platform)
    return [BudgetRecord(*row) for row in session.connection().execute(stmt)]
