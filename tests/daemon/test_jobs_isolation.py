"""The daemon's jobs run every platform to its end: GitHub's ``/rate_limit`` answering 5xx fails
GitHub's backfill only, Gitee's collection and backfill are stored, and a job returns only once
all its tasks have ended (a task left running would overlap the next job, outside its lock)."""

from __future__ import annotations

from sqlmodel import select

from monitor.config.repos import load_repos
from monitor.daemon.jobs import run_backfill, run_collect
from monitor.store.history import states
from monitor.store.models import CollectionRun, Repo
from tests.harness import EXPECTED, Monitor, run_alone


def backfilled(monitor: Monitor) -> dict[str, bool]:
    """Each repo's config key → whether its star history is complete."""
    with monitor.database.session() as session:
        keys = {r.id: r.config_key for r in session.exec(select(Repo))}
        return {str(keys[repo_id]): state.complete for repo_id, state in states(session).items()}


def outcomes(monitor: Monitor) -> list[tuple[str, str | None]]:
    with monitor.database.session() as session:
        runs = session.exec(select(CollectionRun).order_by(CollectionRun.id))  # type: ignore[arg-type]
        return [(run.kind, run.outcome) for run in runs]


def test_the_collect_job_stores_gitee_when_githubs_rate_limit_fails(monitor: Monitor) -> None:
    monitor.fake.github.fail_next(1000, 503, path_pattern=r"^/rate_limit$")
    settings = monitor.settings()
    _, alive = run_alone(run_collect(settings, monitor.database, load_repos(settings.repos_path),
                                     platform_factory=monitor.open_platform))
    assert alive == set()
    at = monitor.runs()[0].started_at
    assert monitor.values("gitee:acme/rocket", at) == EXPECTED["gitee:acme/rocket"]
    assert monitor.values("github:acme/rocket", at) == EXPECTED["github:acme/rocket"]
    assert backfilled(monitor).get("gitee:acme/rocket") is True
    assert "github:acme/rocket" not in backfilled(monitor)
    assert outcomes(monitor) == [("collect", "partial"), ("backfill", "partial")]


def test_the_backfill_job_completes_gitee_when_githubs_rate_limit_fails(
    monitor: Monitor,
) -> None:
    monitor.fake.github.fail_next(1000, 503, path_pattern=r"^/rate_limit$")
    settings = monitor.settings()
    _, alive = run_alone(run_backfill(settings, monitor.database,
                                      load_repos(settings.repos_path),
                                      platform_factory=monitor.open_platform))
    assert alive == set()
    assert backfilled(monitor) == {"gitee:acme/rocket": True}
    assert outcomes(monitor) == [("backfill", "partial")]
