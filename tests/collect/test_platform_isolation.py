"""One platform's work breaking never stops another's: its repos fail with the reason, the
other platforms' repos are stored, and the cycle returns only once every platform has ended."""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from monitor.commands.collect import collect
from monitor.config.repos import load_repos
from monitor.config.settings import Settings
from monitor.ids import RepoId
from monitor.platforms.base import Platform, RepoResult, RepoTarget, ResponseCache
from tests.harness import EXPECTED, HEALTHY, Monitor, run_alone


def test_a_platform_whose_answers_cannot_be_stored_fails_its_repos_and_no_other(
    monitor: Monitor,
) -> None:
    """A platform bug (a metric that is not a number) fails GitHub's repos; Gitee's are stored."""

    def open_platform(name: str, settings: Settings, cache: ResponseCache) -> Platform:
        platform = monitor.open_platform(name, settings, cache)
        if name == "github":
            fetch = platform.fetch

            async def garbled(targets: list[RepoTarget]) -> list[RepoResult]:
                many = cast(int, "many")
                return [replace(r, snapshot=replace(r.snapshot, metrics={"stars": many}))
                        if r.snapshot else r for r in await fetch(targets)]

            setattr(platform, "fetch", garbled)  # noqa: B010 - a method replaced on one object
        return platform

    settings = monitor.settings()
    summary, alive = run_alone(collect(
        settings, monitor.database, load_repos(settings.repos_path),
        [RepoId.parse(repo) for repo in HEALTHY], platform_factory=open_platform,
    ))
    assert alive == set()
    assert {str(o.repo): o.status for o in summary.outcomes} == {
        "github:acme/rocket": "failed", "github:acme/booster": "failed",
        "gitee:acme/rocket": "collected",
    }
    # The stored reason names the error's type only; its text stays in the masked log.
    assert summary.having("failed")[0].reason == "internal error: ValueError (see the log)"
    assert monitor.values("gitee:acme/rocket", summary.observed_at) == EXPECTED[
        "gitee:acme/rocket"]
    assert monitor.errors() == {"github:acme/rocket": "platform_error",
                                "github:acme/booster": "platform_error"}
    assert monitor.runs()[0].outcome == "partial"
