"""The real clients listing owners on the local fakes (127.0.0.1), requests counted."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest

from monitor.config.settings import Secret
from monitor.errors import NotFound, PlatformError
from monitor.ids import OwnerId
from monitor.platforms.base import OwnerListing, Platform
from monitor.platforms.gitee import Gitee
from monitor.platforms.github import GitHub
from tests.fakes import FakeGitee, FakeGitHub, FakeRepo, FakeServer
from tests.platforms.conftest import DictCache
from tests.shared import GITHUB_SCHEMA, require

T = TypeVar("T")
BIG = "bigorg"


async def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    """``bigorg``: 251 repos, one private (so 250 listed), one fork, one archived; ``alice``,
    a user holding one."""
    github, gitee = FakeGitHub(), FakeGitee()
    for platform in (github, gitee):
        platform.add_owner_repos(BIG, 251)
        platform.repo(f"{BIG}/repo-0001").fork = True
        platform.repo(f"{BIG}/repo-0002").archived = True
        secret = platform.repo(f"{BIG}/repo-0003")
        secret.private, secret.readers = True, frozenset({"reader"})
        platform.add(FakeRepo(id=7, owner="alice", name="dots", owner_type="User", stars=3))
    with FakeServer(github=github, gitee=gitee) as server:
        yield server


def client(fake: FakeServer, platform: str, token: str | None = None,
           cache: DictCache | None = None) -> Platform:
    if token and platform == "github":  # GraphQL: checked against GitHub's published schema
        require(GITHUB_SCHEMA)
    secret = Secret(token) if token else None
    if platform == "gitee":
        return Gitee(fake.gitee_api_url, secret, sleep=_no_sleep, cache=cache)
    return GitHub(fake.github_api_url, fake.github_graphql_url, secret, sleep=_no_sleep,
                  cache=cache)


def run(platform: Platform, work: Callable[[Platform], Awaitable[T]]) -> T:
    async def scenario() -> T:
        try:
            return await work(platform)
        finally:
            await platform.aclose()

    return asyncio.run(scenario())


def list_owner(platform: Platform, owner: str, times: int = 1) -> list[OwnerListing]:
    async def work(p: Platform) -> list[OwnerListing]:
        return [await p.list_owner(OwnerId(p.name, owner)) for _ in range(times)]

    return run(platform, work)


def statuses(fake: FakeServer, platform: str) -> list[int]:
    return [r.status for r in fake.requests_for(platform)]


# -- 250 repos in 3 requests ----------------------------------------------------------------


def test_github_with_a_token_lists_250_repos_in_3_graphql_requests(fake: FakeServer) -> None:
    platform = client(fake, "github", "tok")
    [listing] = list_owner(platform, BIG)
    assert platform.requests_made == 3
    assert [(r.method, r.path) for r in fake.requests_for("github")] == [
        ("POST", "/github/graphql")] * 3
    assert len(listing.repos) == 250
    by_name = {r.repo.name: r for r in listing.repos}
    assert "repo-0003" not in by_name  # privacy: PUBLIC, even for a token that could see it
    assert by_name["repo-0001"].fork and by_name["repo-0002"].archived
    shown = fake.github.repo(f"{BIG}/repo-0042")
    assert by_name["repo-0042"].snapshot.metrics == {
        "stars": shown.stars, "forks": shown.forks, "watchers": shown.watchers,
        "open_issues": shown.open_issues, "open_prs": shown.open_prs, "releases": 0}


@pytest.mark.parametrize("platform_name", ["github", "gitee"])
def test_rest_listing_of_250_repos_is_3_pages_then_3_free_304s(
    fake: FakeServer, platform_name: str,
) -> None:
    platform = client(fake, platform_name, cache=DictCache())
    first, again = list_owner(platform, BIG, times=2)
    assert platform.requests_made == 6
    assert statuses(fake, platform_name) == [200, 200, 200, 304, 304, 304]
    assert again == first and len(first.repos) == 250
    listed = {r.repo.name: r for r in first.repos}
    assert listed["repo-0001"].fork and listed["repo-0002"].archived
    assert not any(r.private for r in first.repos)
    shown = (fake.github if platform_name == "github" else fake.gitee).repo(f"{BIG}/repo-0042")
    metrics = listed["repo-0042"].snapshot.metrics
    if platform_name == "github":  # watchers_count is stars, open_issues_count holds PRs
        assert metrics == {"stars": shown.stars, "forks": shown.forks}
    else:
        assert metrics == {"stars": shown.stars, "forks": shown.forks,
                           "watchers": shown.watchers, "open_issues": shown.open_issues}
    if platform_name == "github":
        assert fake.github.budget(None).used == 3  # the 304s were free


def test_gitee_lists_a_private_repo_a_token_may_see_as_private(fake: FakeServer) -> None:
    [listing] = list_owner(client(fake, "gitee", "reader"), BIG)
    [secret] = [r for r in listing.repos if r.private]
    assert secret.repo.name == "repo-0003" and len(listing.repos) == 251


# -- users, transfers, deletions, owners nobody holds ------------------------------------------


@pytest.mark.parametrize(("platform_name", "token"), [
    ("github", None), ("github", "tok"), ("gitee", None)])
def test_a_transferred_repo_moves_to_its_new_owners_listing(
    fake: FakeServer, platform_name: str, token: str | None,
) -> None:
    side = fake.github if platform_name == "github" else fake.gitee
    moved = side.transfer(f"{BIG}/repo-0010", "alice")
    side.remove(f"{BIG}/repo-0011")
    platform = client(fake, platform_name, token)

    async def both(p: Platform) -> tuple[OwnerListing, OwnerListing]:
        return (await p.list_owner(OwnerId(p.name, BIG)),
                await p.list_owner(OwnerId(p.name, "alice")))

    big, alice = run(platform, both)
    assert {r.repo.name for r in big.repos}.isdisjoint({"repo-0010", "repo-0011"})
    assert len(big.repos) == 248
    assert [(r.repo.owner.lower(), r.repo.name, r.platform_id) for r in alice.repos] == [
        ("alice", "dots", 7), ("alice", "repo-0010", moved.id)]


def test_github_user_is_asked_where_it_was_found_the_next_time(fake: FakeServer) -> None:
    platform = client(fake, "github", cache=DictCache())
    first, again = list_owner(platform, "alice", times=2)
    assert [(r.path, r.status) for r in fake.requests_for("github")] == [
        ("/github/orgs/alice/repos", 404), ("/github/users/alice/repos", 200),
        ("/github/users/alice/repos", 304)]
    assert again == first


@pytest.mark.parametrize(("platform_name", "token"), [
    ("github", None), ("github", "tok"), ("gitee", None)])
def test_an_owner_nobody_holds_is_not_found(
    fake: FakeServer, platform_name: str, token: str | None,
) -> None:
    with pytest.raises(NotFound):
        list_owner(client(fake, platform_name, token), "ghost")


@pytest.mark.parametrize(("platform_name", "token", "pattern"), [
    ("github", None, r"^/orgs/"), ("github", "tok", r"^/graphql"), ("gitee", None, r"^/orgs/")])
def test_a_server_error_mid_listing_raises_no_partial_listing(
    fake: FakeServer, platform_name: str, token: str | None, pattern: str,
) -> None:
    side = fake.github if platform_name == "github" else fake.gitee
    side.fail_next(1000, 503, path_pattern=pattern, after=1)
    with pytest.raises(PlatformError):
        list_owner(client(fake, platform_name, token), BIG)
    assert statuses(fake, platform_name)[:2] == [200, 503]


# -- each page told as it is read --------------------------------------------------------------


@pytest.mark.parametrize(("platform", "token"), [
    ("github", "tok"), ("github", None), ("gitee", "tok")])
def test_each_page_is_told_as_read_and_together_they_are_the_listing(
    fake: FakeServer, platform: str, token: str | None,
) -> None:
    told: list[list[str]] = []

    async def work(p: Platform) -> OwnerListing:
        return await p.list_owner(OwnerId(p.name, BIG),
                                  lambda page: told.append([str(r.repo) for r in page]))

    listing = run(client(fake, platform, token), work)
    assert len(told) == 3
    assert sorted(repo for page in told for repo in page) == sorted(
        str(r.repo) for r in listing.repos)
