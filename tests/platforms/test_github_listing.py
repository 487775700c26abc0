"""GitHub owner listings against respx: GraphQL pages with a token, REST pages without."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import graphql
import httpx
import pytest
import respx

from monitor.config.settings import Secret
from monitor.errors import MalformedResponse, NotFound, RateLimited, Unavailable
from monitor.ids import OwnerId
from monitor.platforms import github_listing
from monitor.platforms.base import OwnerListing
from monitor.platforms.github import GitHub
from tests.platforms.test_github import repo_node
from tests.shared import github_schema

API = "https://api.github.com"
GRAPHQL = f"{API}/graphql"
TOKEN = "ghp_listing_secret_0123"
PYGITHUB = "repo_PyGithub-PyGithub_2025-01"
ACME = OwnerId("github", "acme")


def listing_of(clock: Any, owner: OwnerId = ACME, token: str | None = None,
               **options: Any) -> OwnerListing:
    platform = GitHub(API, GRAPHQL, Secret(token) if token else None,
                      sleep=clock.sleep, now=clock.now, **options)

    async def scenario() -> OwnerListing:
        try:
            return await platform.list_owner(owner)
        finally:
            await platform.aclose()

    return asyncio.run(scenario())


# -------------------------------------------------------------------------------- GraphQL


@pytest.mark.parametrize("recent", [1, 10, 100])
def test_the_listing_query_is_valid_against_githubs_schema(recent: int) -> None:
    query = github_listing.owner_query(recent)
    assert graphql.validate(github_schema(), graphql.parse(query)) == []
    assert "privacy: PUBLIC" in query and "ownerAffiliations: [OWNER]" in query
    assert "contributors" not in query and "stargazers(" not in query


def listed_node(db_id: int, name: str, **flags: bool) -> dict[str, Any]:
    return {**repo_node(db_id, f"acme/{name}"), "isFork": flags.get("fork", False),
            "isArchived": flags.get("archived", False), "isPrivate": False}


def owner_answer(nodes: list[dict[str, Any] | None], cursor: str | None) -> dict[str, Any]:
    return {"data": {
        "rateLimit": {"cost": 4, "remaining": 4990, "resetAt": "2025-01-07T08:00:00Z",
                      "limit": 5000},
        "repositoryOwner": {"repositories": {
            "totalCount": 3, "nodes": nodes,
            "pageInfo": {"hasNextPage": cursor is not None, "endCursor": cursor}}}}}


def graphql_pages(pages: dict[str | None, dict[str, Any]]) -> Callable[[httpx.Request],
                                                                         httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        payload = json.loads(request.content)
        assert graphql.validate(github_schema(), graphql.parse(payload["query"])) == []
        return httpx.Response(200, json=pages[payload["variables"]["after"]])

    return answer


def test_graphql_listing_reads_every_page_with_the_batch_metrics(clock: Any) -> None:
    pages = {None: owner_answer([listed_node(1, "one"), listed_node(2, "two", fork=True)], "c2"),
             "c2": owner_answer([listed_node(3, "three", archived=True)], None)}
    with respx.mock(base_url=API) as router:
        route = router.post("/graphql").mock(side_effect=graphql_pages(pages))
        listing = listing_of(clock, token=TOKEN)
        sent = [json.loads(c.request.content)["variables"] for c in route.calls]
    assert sent == [{"login": "acme", "first": 100, "after": None},
                    {"login": "acme", "first": 100, "after": "c2"}]
    assert listing.owner == ACME
    assert [str(r.repo) for r in listing.repos] == [
        "github:acme/one", "github:acme/two", "github:acme/three"]
    one = listing.repos[0]
    assert one.platform_id == 1 and one.snapshot.metrics == {
        "stars": 101, "forks": 10, "watchers": 7, "open_issues": 5, "open_prs": 2, "releases": 3}
    assert [r.tag for r in one.snapshot.releases] == ["v1.0"]
    assert one.snapshot.created_at == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert [(r.fork, r.archived, r.private) for r in listing.repos] == [
        (False, False, False), (True, False, False), (False, True, False)]


@pytest.mark.parametrize("body", [
    {"data": {"repositoryOwner": None}},
    {"data": {"repositoryOwner": None}, "errors": [{"type": "NOT_FOUND",
     "path": ["repositoryOwner"], "message": "Could not resolve to a RepositoryOwner."}]},
])
def test_graphql_owner_nobody_holds_is_not_found(clock: Any, body: dict[str, Any]) -> None:
    with respx.mock(base_url=API) as router:
        router.post("/graphql").respond(200, json=body)
        with pytest.raises(NotFound, match="github:acme"):
            listing_of(clock, token=TOKEN)


def test_graphql_page_that_times_out_is_asked_again_at_half_the_size(clock: Any) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["variables"]["first"] > 25:
            return httpx.Response(502, json={"message": "Something went wrong"})
        return httpx.Response(200, json=owner_answer([listed_node(1, "one")], None))

    with respx.mock(base_url=API) as router:
        route = router.post("/graphql").mock(side_effect=answer)
        listing = listing_of(clock, token=TOKEN)
    assert [json.loads(c.request.content)["variables"]["first"] for c in route.calls] == [
        100, 50, 25]
    assert len(listing.repos) == 1 and clock.waits == []


def test_graphql_spent_budget_raises_instead_of_a_partial_listing(clock: Any) -> None:
    reset = str(int((clock.now() + timedelta(hours=1)).timestamp()))
    spent = httpx.Response(200, json={"errors": [{"type": "RATE_LIMITED", "message": "spent"}]},
                           headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset,
                                    "x-ratelimit-resource": "graphql"})
    first = owner_answer([listed_node(1, "one")], "c2")
    with respx.mock(base_url=API) as router:
        router.post("/graphql").mock(side_effect=[httpx.Response(200, json=first), spent])
        with pytest.raises(RateLimited):
            listing_of(clock, token=TOKEN)


def test_graphql_node_without_flags_spoils_the_listing(clock: Any) -> None:
    broken = {k: v for k, v in listed_node(1, "one").items() if k != "isFork"}
    with respx.mock(base_url=API) as router:
        router.post("/graphql").respond(200, json=owner_answer([broken], None))
        with pytest.raises(MalformedResponse, match="isFork"):
            listing_of(clock, token=TOKEN)


def test_graphql_unreadable_node_is_left_out(clock: Any) -> None:
    with respx.mock(base_url=API) as router:
        router.post("/graphql").respond(
            200, json=owner_answer([None, listed_node(2, "two")], None))
        listing = listing_of(clock, token=TOKEN)
    assert [r.platform_id for r in listing.repos] == [2]


# ----------------------------------------------------------------------------------- REST


def rest_page(github_api: Any, items: list[dict[str, Any]], next_page: int | None,
              path: str = "orgs/acme/repos") -> httpx.Response:
    headers = {"etag": f'"page-{next_page}"'}
    if next_page is not None:
        url = f"{API}/{path}?per_page=100&sort=full_name&page={next_page}"
        headers["link"] = f'<{url}>; rel="next", <{url}>; rel="last"'
    return httpx.Response(200, json=items, headers=headers)


def item(github_api: Any, db_id: int, name: str, **extra: Any) -> dict[str, Any]:
    """A listing item: the recorded repo object (the same shape), renamed."""
    return {**github_api.body(PYGITHUB), "id": db_id, "name": name,
            "full_name": f"acme/{name}", **extra}


def test_rest_listing_follows_link_and_tells_only_stars_and_forks(
    clock: Any, github_api: Any,
) -> None:
    first = rest_page(github_api, [item(github_api, 1, "one"),
                                   item(github_api, 2, "two", fork=True)], 2)
    second = rest_page(github_api, [item(github_api, 3, "three", archived=True)], None)
    with respx.mock(base_url=API) as router:
        route = router.get("/orgs/acme/repos").mock(side_effect=[first, second])
        listing = listing_of(clock)
        asked = [dict(c.request.url.params) for c in route.calls]
    assert asked == [{"per_page": "100", "sort": "full_name"},
                     {"per_page": "100", "sort": "full_name", "page": "2"}]
    one = listing.repos[0].snapshot
    assert one.metrics == {"stars": 7122, "forks": 1793}  # not watchers_count, not open issues
    assert (one.repo.owner, one.repo.name, one.platform_id) == ("acme", "one", 1)
    assert one.created_at == datetime(2012, 2, 25, 12, 53, 47, tzinfo=UTC)
    assert [(r.fork, r.archived, r.private) for r in listing.repos] == [
        (False, False, False), (True, False, False), (False, True, False)]


def test_rest_user_is_listed_after_the_orgs_404(clock: Any, github_api: Any) -> None:
    with respx.mock(base_url=API) as router:
        router.get("/orgs/alice/repos").mock(
            return_value=github_api.response("error_404_not_found_2012", 404))
        users = router.get("/users/alice/repos").mock(return_value=rest_page(
            github_api, [{**item(github_api, 9, "dots"), "full_name": "alice/dots"}], None))
        listing = listing_of(clock, OwnerId("github", "alice"))
    assert dict(users.calls[0].request.url.params)["type"] == "owner"
    assert [str(r.repo) for r in listing.repos] == ["github:alice/dots"]


def test_rest_owner_nobody_holds_is_not_found(clock: Any, github_api: Any) -> None:
    gone = github_api.response("error_404_not_found_2012", 404)
    with respx.mock(base_url=API) as router:
        router.get(url__regex=r".*/(orgs|users)/ghost/repos.*").mock(return_value=gone)
        with pytest.raises(NotFound, match="github:ghost"):
            listing_of(clock, OwnerId("github", "ghost"))


def test_rest_server_error_mid_listing_raises(clock: Any, github_api: Any) -> None:
    first = rest_page(github_api, [item(github_api, 1, "one")], 2)
    with respx.mock(base_url=API) as router:
        router.get("/orgs/acme/repos").mock(
            side_effect=[first, *[httpx.Response(503)] * 4])
        with pytest.raises(Unavailable):
            listing_of(clock)


def test_rest_link_off_the_api_host_is_refused(clock: Any, github_api: Any) -> None:
    evil = httpx.Response(200, json=[], headers={
        "link": '<https://evil.example/orgs/acme/repos?page=2>; rel="next"'})
    with respx.mock(base_url=API) as router:
        router.get("/orgs/acme/repos").mock(return_value=evil)
        with pytest.raises(MalformedResponse, match="off the API host"):
            listing_of(clock)


def test_rest_item_without_counts_spoils_the_listing(clock: Any, github_api: Any) -> None:
    broken = {k: v for k, v in item(github_api, 1, "one").items() if k != "forks_count"}
    with respx.mock(base_url=API) as router:
        router.get("/orgs/acme/repos").mock(return_value=rest_page(github_api, [broken], None))
        with pytest.raises(MalformedResponse, match="forks_count"):
            listing_of(clock)


def test_a_repo_shown_on_two_pages_is_listed_once(clock: Any, github_api: Any) -> None:
    first = rest_page(github_api, [item(github_api, 1, "one")], 2)
    second = rest_page(github_api, [item(github_api, 1, "one"), item(github_api, 2, "two")],
                       None)
    with respx.mock(base_url=API) as router:
        router.get("/orgs/acme/repos").mock(side_effect=[first, second])
        listing = listing_of(clock)
    assert [r.platform_id for r in listing.repos] == [1, 2]


def test_an_owner_of_another_platform_is_refused(clock: Any) -> None:
    with pytest.raises(ValueError, match="not a GitHub owner"):
        listing_of(clock, OwnerId("gitee", "acme"))
