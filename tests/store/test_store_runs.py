"""Run bookkeeping: what ``status`` shows about the last runs, failures and API budgets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from monitor.ids import RepoId
from monitor.store import series
from monitor.store.db import Database
from monitor.store.models import CollectionRun, RepoError, RunPlatform
from monitor.store.series import RunPlatformIn

T0 = datetime(2024, 3, 1, tzinfo=UTC)
RESET = datetime(2024, 3, 1, 1, tzinfo=UTC)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session


def test_run_lifecycle(session: Session) -> None:
    repo = series.sync_projects(session, [("p", [RepoId("gitee", "o", "n")])], T0)["gitee:o/n"]
    run_id = series.start_run(session, "collect", started_at=T0)
    run = session.get(CollectionRun, run_id)
    assert run is not None and run.outcome is None and run.finished_at is None

    series.record_repo_error(session, run_id, repo.id or 0, "not_found", "404 Not Found", T0)
    series.finish_run(
        session,
        run_id,
        "partial",
        [RunPlatformIn("github", 12, 4988, 5000, RESET), RunPlatformIn("gitee", 3)], T0,
    )
    session.refresh(run)
    assert run.outcome == "partial" and run.finished_at is not None
    assert run.finished_at.tzinfo is not None
    spent = {p.platform: p for p in session.exec(select(RunPlatform))}
    assert (spent["github"].requests, spent["github"].budget_remaining) == (12, 4988)
    assert spent["github"].budget_reset_at == RESET
    assert spent["gitee"].budget_limit is None
    error = session.exec(select(RepoError)).one()
    assert (error.run_id, error.repo_id, error.kind) == (run_id, repo.id, "not_found")

    # Finishing again replaces the figures rather than duplicating them.
    series.finish_run(session, run_id, "ok", [RunPlatformIn("github", 13, 4987, 5000, RESET)], T0)
    spent = {p.platform: p for p in session.exec(select(RunPlatform))}
    assert spent["github"].requests == 13 and len(spent) == 2


def test_finish_run_rejects_unknown_outcomes_and_runs(session: Session) -> None:
    run_id = series.start_run(session, "backfill", T0)
    with pytest.raises(ValueError, match="unknown outcome"):
        series.finish_run(session, run_id, "great", (), T0)
    with pytest.raises(LookupError):
        series.finish_run(session, run_id + 1000, "ok", (), T0)


def test_unfinished_runs_are_marked_interrupted(session: Session) -> None:
    done = series.start_run(session, "collect", T0)
    series.finish_run(session, done, "ok", (), T0)
    left = series.start_run(session, "backfill", T0)
    assert series.interrupt_unfinished_runs(session, T0) == 1
    session.expire_all()
    outcomes = {r.id: r.outcome for r in session.exec(select(CollectionRun))}
    assert outcomes == {done: "ok", left: "interrupted"}
