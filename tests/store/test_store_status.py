"""What ``status`` reads from the store: times computed in SQL (max, coalesce, window
subqueries) come back aware UTC on every backend, like the columns they come from."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from monitor.ids import RepoId
from monitor.store import daemon, series
from monitor.store import status as store
from monitor.store.db import Database
from monitor.store.runs import JOBS
from monitor.store.series import ObservationIn, RunPlatformIn

T0 = datetime(2024, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        run_id = series.start_run(session, "collect", started_at=T0)
        series.finish_run(session, run_id, "ok", [RunPlatformIn("github", 3, 10, 50, T0 + HOUR)],
                          finished_at=T0 + HOUR)
        yield session


def _aware(at: datetime | None) -> bool:
    return at is not None and at.utcoffset() == timedelta(0)


def test_the_newest_success_comes_back_aware(session: Session) -> None:
    assert store.last_successes(session.connection(), JOBS) == {"collect": T0 + HOUR}
    assert _aware(store.last_successes(session.connection(), JOBS)["collect"])


def test_the_newest_run_comes_back_aware(session: Session) -> None:
    run = store.last_runs(session.connection(), JOBS)["collect"]
    assert (run.started_at, run.finished_at, run.requests) == (T0, T0 + HOUR, 3)
    assert _aware(run.started_at) and _aware(run.finished_at)


def test_a_budget_comes_back_with_aware_times(session: Session) -> None:
    [budget] = store.budgets(session.connection())
    assert (budget.platform, budget.as_of, budget.reset_at) == ("github", T0 + HOUR, T0 + HOUR)
    assert _aware(budget.as_of) and _aware(budget.reset_at)


def test_the_latest_run_start_comes_back_aware(session: Session) -> None:
    assert _aware(daemon.last_run_started(session, "collect"))


def test_the_budget_shown_is_the_one_of_the_run_that_ended_last(database: Database) -> None:
    with database.session() as session:
        long = series.start_run(session, "collect", started_at=T0)
        short = series.start_run(session, "collect", started_at=T0 + HOUR)  # beside it (CLI)
        series.finish_run(session, short, "ok", [RunPlatformIn("github", 1, 300, 5000)],
                          finished_at=T0 + 2 * HOUR)
        series.finish_run(session, long, "ok", [RunPlatformIn("github", 9, 200, 5000)],
                          finished_at=T0 + 3 * HOUR)
        [budget] = store.budgets(session.connection())
    assert (budget.remaining, budget.as_of) == (200, T0 + 3 * HOUR)


def test_a_run_that_saw_no_budget_leaves_the_one_before(session: Session) -> None:
    later = series.start_run(session, "backfill", started_at=T0 + 2 * HOUR)
    series.finish_run(session, later, "ok", [RunPlatformIn("github", 2)],
                      finished_at=T0 + 3 * HOUR)
    [budget] = store.budgets(session.connection())
    assert (budget.remaining, budget.as_of) == (10, T0 + HOUR)


def test_the_first_observation_is_the_oldest_of_any_repo_metric_and_source(
    database: Database,
) -> None:
    with database.session() as session:
        assert daemon.first_observation_at(session) is None
        rows = series.sync_projects(session, [("p", [RepoId("github", "o", "a"),
                                                     RepoId("gitee", "o", "b")])], T0)
        a, b = (rows[key].id or 0 for key in ("github:o/a", "gitee:o/b"))
        series.write_observations(session, [
            ObservationIn(a, "stars", T0, 1), ObservationIn(a, "forks", T0 - HOUR, 1),
            ObservationIn(b, "stars", T0 - 2 * HOUR, 1, "backfill"),
        ])
        assert daemon.first_observation_at(session) == T0 - 2 * HOUR
