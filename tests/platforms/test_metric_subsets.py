"""``RepoTarget.metrics``: a fetch that names its metrics costs only their requests (on the
fakes, every request counted) and tells only those metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from monitor.config.settings import Secret
from monitor.ids import RepoId
from monitor.platforms.base import RepoResult, RepoSnapshot, RepoTarget
from monitor.platforms.gitee import Gitee
from monitor.platforms.github import GitHub
from tests.fakes import FakeServer
from tests.shared import GITHUB_SCHEMA, require


def target(text: str, platform_id: int | None, *metrics: str, **options: Any) -> RepoTarget:
    return RepoTarget(RepoId.parse(text), platform_id=platform_id,
                      metrics=frozenset(metrics), **options)


def fetch(platform: GitHub | Gitee, targets: list[RepoTarget]) -> tuple[list[RepoResult], int]:
    async def scenario() -> tuple[list[RepoResult], int]:
        try:
            return await platform.fetch(targets), platform.requests_made
        finally:
            await platform.aclose()

    return asyncio.run(scenario())


def github(fake: FakeServer, token: str | None = None) -> GitHub:
    if token:  # GraphQL: the fake checks each query against GitHub's published schema
        require(GITHUB_SCHEMA)
    return GitHub(fake.github_api_url, fake.github_graphql_url,
                  Secret(token) if token else None)


def only(results: list[RepoResult]) -> RepoSnapshot:
    [result] = results
    assert result.error is None and result.snapshot is not None, result.error
    return result.snapshot


def paths(fake: FakeServer, platform: str) -> list[str]:
    return [f"{r.method} {r.path}" for r in fake.requests_for(platform)]


# -- GitHub ------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "tok"])
def test_github_contributors_alone_cost_the_contributors_request(
    fake_server: FakeServer, token: str | None,
) -> None:
    results, made = fetch(github(fake_server, token),
                          [target("github:acme/rocket", 101, "contributors")])
    snapshot = only(results)
    assert made == 1 and paths(fake_server, "github") == [
        "GET /github/repos/acme/rocket/contributors"]
    assert snapshot.metrics == {"contributors": 12}
    assert (snapshot.platform_id, snapshot.owner, snapshot.name) == (101, "acme", "rocket")
    assert snapshot.releases == ()


def test_github_contributors_of_a_renamed_repo_follow_the_301(fake_server: FakeServer) -> None:
    fake_server.github.rename("acme/rocket", "acme", "booster")
    results, made = fetch(github(fake_server), [target("github:acme/rocket", 101,
                                                        "contributors")])
    assert only(results).metrics == {"contributors": 12} and made == 2


def test_github_contributors_not_wanted_this_cycle_cost_nothing(fake_server: FakeServer) -> None:
    results, made = fetch(github(fake_server, "tok"), [
        target("github:acme/rocket", 101, "contributors", want_contributors=False)])
    assert only(results).metrics == {} and made == 0


@pytest.mark.parametrize(("metrics", "requests", "told"), [
    (("stars", "forks"), ["GET /github/repositories/101"], {"stars": 42, "forks": 7}),
    (("open_issues",), ["GET /github/repositories/101", "GET /github/repos/acme/rocket/pulls"],
     {"open_issues": 4}),
    (("watchers", "open_prs"),
     ["GET /github/repositories/101", "GET /github/repos/acme/rocket/pulls"],
     {"watchers": 5, "open_prs": 3}),
    (("releases",), ["GET /github/repositories/101", "GET /github/repos/acme/rocket/releases"],
     {"releases": 3}),
])
def test_github_rest_metrics_cost_the_repo_and_what_they_need(
    fake_server: FakeServer, metrics: tuple[str, ...], requests: list[str],
    told: dict[str, int],
) -> None:
    known = frozenset({"v1.0.0", "v1.1.0-rc1", "v1.1.0"})
    results, made = fetch(github(fake_server), [
        target("github:acme/rocket", 101, *metrics, known_releases=known)])
    snapshot = only(results)
    assert snapshot.metrics == told
    assert sorted(paths(fake_server, "github")) == sorted(requests) and made == len(requests)
    assert bool(snapshot.releases) == ("releases" in metrics)


def test_github_graphql_subset_is_one_batch_and_only_what_was_asked(
    fake_server: FakeServer,
) -> None:
    results, made = fetch(github(fake_server, "tok"), [
        target("github:acme/rocket", 101, "stars", "open_prs")])
    snapshot = only(results)
    assert made == 1 and paths(fake_server, "github") == ["POST /github/graphql"]
    assert snapshot.metrics == {"stars": 42, "open_prs": 3} and snapshot.releases == ()


def test_github_mixed_targets_keep_their_order(fake_server: FakeServer) -> None:
    results, made = fetch(github(fake_server, "tok"), [
        target("github:acme/rocket", 101, "contributors"),
        RepoTarget(RepoId.parse("github:acme/rocket"), want_contributors=False),
    ])
    first, second = (r.snapshot for r in results)
    assert first is not None and first.metrics == {"contributors": 12}
    assert second is not None and set(second.metrics) == {
        "stars", "forks", "watchers", "open_issues", "open_prs", "releases"}
    assert made == 2  # one contributors request, one batch


# -- Gitee -------------------------------------------------------------------------------


@pytest.mark.parametrize(("metrics", "requests", "told"), [
    (("open_prs", "releases"), ["GET /gitee/api/v5/repos/acme/rocket/pulls",
                                "GET /gitee/api/v5/repos/acme/rocket/releases"],
     {"open_prs": 2, "releases": 3}),
    (("contributors",), ["GET /gitee/api/v5/repos/acme/rocket/contributors"],
     {"contributors": 5}),
    (("stars", "watchers"), ["GET /gitee/api/v5/repos/acme/rocket"], {"stars": 25, "watchers": 9}),
])
def test_gitee_metrics_cost_only_their_requests(
    fake_server: FakeServer, metrics: tuple[str, ...], requests: list[str],
    told: dict[str, int],
) -> None:
    known = frozenset({"v1.0.0", "v1.1.0-rc1", "v1.1.0"})
    results, made = fetch(Gitee(fake_server.gitee_api_url), [
        target("gitee:acme/rocket", 8725354, *metrics, known_releases=known)])
    snapshot = only(results)
    assert snapshot.metrics == told and snapshot.platform_id == 8725354
    assert sorted(paths(fake_server, "gitee")) == sorted(requests) and made == len(requests)


def test_gitee_subset_without_a_known_id_reads_the_repo_for_it(fake_server: FakeServer) -> None:
    results, made = fetch(Gitee(fake_server.gitee_api_url), [
        target("gitee:acme/rocket", None, "open_prs")])
    snapshot = only(results)
    assert snapshot.metrics == {"open_prs": 2} and snapshot.platform_id == 8725354
    assert made == 2
