"""Run bookkeeping: what each job run did, spent and failed on, for ``status``.

A run is opened before the work and closed after it, so a run without an outcome is either still
going or was cut off by a dead process (:func:`interrupt_unfinished_runs`). Each function is one
transaction, like those in :mod:`monitor.store.series`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from monitor.store.db import atomic
from monitor.store.models import CollectionRun, PlatformBudget, RepoError, RunPlatform
from monitor.store.tables import JOBS, OUTCOMES, SUCCESS_OUTCOMES

__all__ = [
    "JOBS",
    "SUCCESS_OUTCOMES",
    "RunPlatformIn",
    "finish_run",
    "interrupt_unfinished_runs",
    "record_repo_error",
    "start_run",
]


@dataclass(frozen=True, slots=True)
class RunPlatformIn:
    """What one run spent on one platform, and the budget the platform last reported."""

    platform: str
    requests: int = 0
    budget_remaining: int | None = None
    budget_limit: int | None = None
    budget_reset_at: datetime | None = None


def start_run(session: Session, kind: str, started_at: datetime) -> int:
    """Open a run (``collect``, ``backfill``…); its outcome stays empty until it finishes."""
    with atomic(session):
        run = CollectionRun(kind=kind, started_at=started_at)
        session.add(run)
        session.flush()
        assert run.id is not None
    return run.id


def finish_run(
    session: Session,
    run_id: int,
    outcome: str,
    platforms: Iterable[RunPlatformIn],
    finished_at: datetime,
) -> None:
    """Close a run with its outcome and what it spent per platform (replacing earlier figures)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r} (known: {', '.join(OUTCOMES)})")
    with atomic(session):
        run = session.get(CollectionRun, run_id)
        if run is None:
            raise LookupError(f"no collection run {run_id}")
        run.finished_at = finished_at
        run.outcome = outcome
        session.add(run)
        for spent in platforms:
            row = session.get(RunPlatform, (run_id, spent.platform)) or RunPlatform(
                run_id=run_id, platform=spent.platform
            )
            row.requests = spent.requests
            row.budget_remaining = spent.budget_remaining
            row.budget_limit = spent.budget_limit
            row.budget_reset_at = spent.budget_reset_at
            session.add(row)
            _keep_newest_budget(session, run_id, spent, finished_at)


def _keep_newest_budget(
    session: Session, run_id: int, spent: RunPlatformIn, finished_at: datetime
) -> None:
    """The platform's row of ``platform_budget`` takes this run's budget, unless a run that
    ended later already told one (runs can overlap: a CLI ``collect`` beside the daemon's)."""
    if spent.budget_remaining is None:
        return  # nothing told: the figure an earlier run saw still stands
    row = session.get(PlatformBudget, spent.platform)
    if row is not None and (row.as_of, row.run_id) > (finished_at, run_id):
        return
    row = row or PlatformBudget(platform=spent.platform, run_id=run_id,
                                budget_remaining=spent.budget_remaining, as_of=finished_at)
    row.run_id = run_id
    row.budget_remaining = spent.budget_remaining
    row.budget_limit = spent.budget_limit
    row.budget_reset_at = spent.budget_reset_at
    row.as_of = finished_at
    session.add(row)


def interrupt_unfinished_runs(session: Session, now: datetime) -> int:
    """Mark runs a dead process left open as ``interrupted`` at *now*; returns how many.

    Call it at start-up, while holding the single-instance lock, so ``status`` does not show a
    run as still going forever.
    """
    with atomic(session):
        result = session.exec(
            update(CollectionRun)
            .where(col(CollectionRun.finished_at).is_(None))
            .values(outcome="interrupted", finished_at=now)
        )
    count: int = getattr(result, "rowcount", 0)
    return count


def record_repo_error(
    session: Session,
    run_id: int,
    repo_id: int,
    kind: str,
    message: str,
    occurred_at: datetime,
) -> None:
    """Remember why a repo failed in a run, for ``status`` (messages must hold no token)."""
    with atomic(session):
        session.add(
            RepoError(
                run_id=run_id,
                repo_id=repo_id,
                kind=kind,
                message=message,
                occurred_at=occurred_at,
            )
        )
