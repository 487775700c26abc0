"""One repo's or one platform's failure is its own: a database error fails that repo's backfill,
a platform whose budget cannot be read fails its repos, and every other repo still completes.
The run returns only once every platform's work has ended."""

from __future__ import annotations

from datetime import datetime

from monitor.commands.backfill import backfill
from monitor.config.repos import load_repos
from monitor.ids import RepoId
from tests.dbfaults import refuse_observations
from tests.harness import Monitor, run_alone

ROCKETS = ("github:acme/rocket", "gitee:acme/rocket")


def series(monitor: Monitor, repo: str) -> list[tuple[datetime, int]]:
    return [(r.observed_at, r.value) for r in monitor.rows(repo)
            if r.metric == "stars" and r.source == "backfill"]


def test_a_database_error_fails_that_repos_backfill_and_no_other(monitor: Monitor) -> None:
    refuse_observations(monitor.database.engine, "github:acme/rocket", source="backfill")
    summary = monitor.backfill(*ROCKETS)
    outcomes = {str(o.repo): o for o in summary.outcomes}
    assert outcomes["gitee:acme/rocket"].status == "complete"
    assert series(monitor, "gitee:acme/rocket")[-1][1] == 25
    failed = outcomes["github:acme/rocket"]
    assert failed.status == "failed"
    assert failed.reason is not None and failed.reason.startswith("database ")
    assert "injected refusal" in failed.reason
    assert series(monitor, "github:acme/rocket") == []  # nothing half-written


def test_a_failing_rate_limit_fails_githubs_backfill_and_gitee_completes(
    monitor: Monitor,
) -> None:
    monitor.fake.github.fail_next(1000, 503, path_pattern=r"^/rate_limit$")
    settings = monitor.settings()
    summary, alive = run_alone(backfill(
        settings, monitor.database, load_repos(settings.repos_path),
        [RepoId.parse(repo) for repo in ROCKETS], platform_factory=monitor.open_platform,
    ))
    assert alive == set()
    outcomes = {str(o.repo): o for o in summary.outcomes}
    assert outcomes["gitee:acme/rocket"].status == "complete"
    assert series(monitor, "gitee:acme/rocket")[-1][1] == 25
    failed = outcomes["github:acme/rocket"]
    assert failed.status == "failed"
    assert failed.reason is not None and "rate_limit" in failed.reason
    assert "503" in failed.reason
    assert series(monitor, "github:acme/rocket") == []
