"""``GitHub.star_counts``: the stars each repo has now, which backfill checks its stored weeks
against. With a token a GraphQL batch (``stargazerCount``, aliases as in the metrics batch),
without one a conditional REST request per repo. Against the fake, which validates GraphQL
queries against GitHub's published schema."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import graphql
import pytest

from monitor.config.settings import Secret
from monitor.ids import RepoId
from monitor.platforms import github_graphql as gql
from monitor.platforms.base import RepoTarget
from monitor.platforms.gitee import Gitee
from monitor.platforms.github import GitHub
from tests.fakes import FakeServer
from tests.shared import GITHUB_SCHEMA, github_schema, require

TOKEN = "ghp_star_counts_0123456789"


def target(name: str, platform_id: int | None = None, platform: str = "github") -> RepoTarget:
    return RepoTarget(RepoId.parse(f"{platform}:{name}"), platform_id)


def counts(platform: GitHub | Gitee, targets: Sequence[RepoTarget], times: int = 1,
           ) -> list[list[int | None]]:
    async def scenario() -> list[list[int | None]]:
        try:
            return [await platform.star_counts(targets) for _ in range(times)]
        finally:
            await platform.aclose()

    return asyncio.run(scenario())


def github(fake: FakeServer, token: str | None = None, **options: Any) -> GitHub:
    if token:  # GraphQL: the fake checks each query against GitHub's published schema
        require(GITHUB_SCHEMA)
    return GitHub(fake.github_api_url, fake.github_graphql_url,
                  Secret(token) if token else None, now=fake.clock, **options)


def posts(fake: FakeServer) -> int:
    return sum(1 for r in fake.requests_for("github") if r.method == "POST")


def test_with_a_token_one_graphql_query_tells_each_repos_stars(fake_server: FakeServer) -> None:
    targets = [target("acme/rocket", 101), target("acme/empty"), target("acme/secret"),
               target("acme/banned"), target("acme/never")]
    assert counts(github(fake_server, TOKEN), targets) == [[42, 0, None, None, None]]
    assert posts(fake_server) == 1 and fake_server.count("github") == 1


def test_a_graphql_batch_holds_at_most_the_batch_size(fake_server: FakeServer) -> None:
    targets = [target("acme/rocket"), target("acme/empty"), target("acme/rocket")]
    platform = github(fake_server, TOKEN, batch_size=2)
    assert platform.star_count_batch == 2
    assert counts(platform, targets) == [[42, 0, 42]]
    assert posts(fake_server) == 2


def test_a_name_now_held_by_another_repo_has_no_count(fake_server: FakeServer) -> None:
    """The tracked repo is known by id: another repo under its old name tells nothing."""
    for token in (TOKEN, None):
        assert counts(github(fake_server, token), [target("acme/rocket", 999)]) == [[None]]


def test_a_renamed_repo_is_counted_under_its_old_name(fake_server: FakeServer) -> None:
    fake_server.github.rename("acme/rocket", "acme", "launcher")
    for token in (TOKEN, None):
        assert counts(github(fake_server, token), [target("acme/rocket", 101)]) == [[42]]


def test_without_a_token_a_count_is_a_conditional_request_304_when_unchanged(
    fake_server: FakeServer, cache: Any,
) -> None:
    """Asked as collect asks for the repo (by id), so either's answer makes the other a 304."""
    platform = github(fake_server, cache=cache)
    assert platform.star_count_batch == 1
    assert counts(platform, [target("acme/rocket", 101)], times=2) == [[42], [42]]
    assert [(r.path, r.status) for r in fake_server.requests_for("github")] == [
        ("/github/repositories/101", 200), ("/github/repositories/101", 304)]


def test_gitee_pages_tell_the_count_so_it_is_never_asked(fake_server: FakeServer) -> None:
    platform = Gitee(fake_server.gitee_api_url, now=fake_server.clock)
    assert platform.star_count_batch == 0
    assert counts(platform, [target("acme/rocket", platform="gitee")]) == [[None]]
    assert fake_server.count("gitee") == 0


@pytest.mark.parametrize("count", [1, 2, 50, 100])
def test_the_star_count_query_is_valid_against_githubs_schema(count: int) -> None:
    query = gql.star_count_query(count)
    assert graphql.validate(github_schema(), graphql.parse(query)) == []
    assert "stargazerCount" in query and "stargazers(" not in query
