"""A database error fails the batch it hit, with its reason recorded, and never the cycle.

The errors are genuine: the test database refuses the rows itself (a trigger raising, as a CHECK
violation would), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

from monitor.store.models import RepoError
from tests.dbfaults import refuse_observations
from tests.harness import EXPECTED, HEALTHY, T0, Monitor


def test_a_database_error_fails_that_batch_and_every_other_batch_is_stored(
    monitor: Monitor,
) -> None:
    monitor.configure(graphql_batch=1)  # one repo a batch, so one write
    refuse_observations(monitor.database.engine, "github:acme/rocket")
    summary = monitor.collect(*HEALTHY)
    assert {str(o.repo): o.status for o in summary.outcomes} == {
        "github:acme/rocket": "failed", "github:acme/booster": "collected",
        "gitee:acme/rocket": "collected",
    }
    assert summary.outcome == "partial"
    assert monitor.runs()[0].outcome == "partial"
    for repo in ("github:acme/booster", "gitee:acme/rocket"):
        assert monitor.values(repo) == EXPECTED[repo]
    assert monitor.values("github:acme/rocket") == {}
    assert monitor.errors() == {"github:acme/rocket": "storage_error"}
    reason = monitor.errors(RepoError.message)["github:acme/rocket"]
    assert reason.startswith("database ") and "injected refusal" in reason
    assert summary.having("failed")[0].reason == reason


def test_a_batch_refused_once_is_stored_by_the_next_cycle(monitor: Monitor) -> None:
    refuse_observations(monitor.database.engine, "gitee:acme/rocket")
    first = monitor.collect(*HEALTHY)
    assert [str(o.repo) for o in first.having("failed")] == ["gitee:acme/rocket"]
    with monitor.database.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER inject_refusal" + (
            "" if monitor.database.backend == "sqlite" else " ON observation"))
    second = monitor.collect(*HEALTHY, now=T0 + timedelta(hours=1))
    assert not second.having("failed")
    assert monitor.values("gitee:acme/rocket", T0 + timedelta(hours=1)) == EXPECTED[
        "gitee:acme/rocket"]
