"""What ``status`` reads: the daemon's record, each job's runs, tracked repos, refused
backfills and the platforms' budgets.

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
from monitor.store.models import CollectionRun, DaemonJob, DaemonRecord, Repo, RunPlatform
from monitor.store.runs import SUCCESS_OUTCOMES
from monitor.store.sql import chunked, table

__all__ = [
    "BudgetRecord",
    "RunRecord",
    "budgets",
    "daemon_record",
    "last_runs",
    "last_successes",
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
    """The newest run of each of *kinds* that ever ran, with the requests it made."""
    r, p = table(CollectionRun), table(RunPlatform)
    newest = func.row_number().over(
        partition_by=r.c.kind, order_by=(r.c.started_at.desc(), r.c.id.desc())
    )
    ranked = core_select(r, newest.label("rank")).where(r.c.kind.in_(kinds)).subquery()
    requests = (
        core_select(func.coalesce(func.sum(p.c.requests), 0))
        .where(p.c.run_id == ranked.c.id)
        .scalar_subquery()
    )
    stmt = core_select(
        ranked.c.kind, ranked.c.started_at, ranked.c.finished_at, ranked.c.outcome, requests
    ).where(ranked.c.rank == 1)
    return {
        kind: RunRecord(kind, started_at, finished_at, outcome, int(spent))
        for kind, started_at, finished_at, outcome, spent in session.connection().execute(stmt)
    }


def last_successes(session: Session, kinds: Sequence[str]) -> dict[str, datetime]:
    """When the newest successful (``ok`` or ``partial``) run of each of *kinds* finished."""
    r = table(CollectionRun)
    stmt = (
        core_select(r.c.kind, func.max(r.c.finished_at))
        .where(r.c.kind.in_(kinds), r.c.outcome.in_(SUCCESS_OUTCOMES))
        .group_by(r.c.kind)
    )
    return {kind: at for kind, at in session.connection().execute(stmt)}


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
    """Each platform's budget as the newest run that reported one saw it, by platform name."""
    p, r = table(RunPlatform), table(CollectionRun)
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
    return [BudgetRecord(*row) for row in session.connection().execute(stmt)]
