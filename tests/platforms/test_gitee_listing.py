"""Gitee owner listings against respx: pages by total_page, the recorded repo shape, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from monitor.config.settings import Secret
from monitor.errors import MalformedResponse, NotFound, Unavailable
from monitor.ids import OwnerId
from monitor.platforms.base import OwnerListing
from monitor.platforms.gitee import Gitee
from monitor.platforms.gitee_listing import listed_item
from tests.platforms.test_gitee import recorded, repo_body

API = "https://gitee.com/api/v5"
TOKEN = "gitee-listing-SECRET-9"
MINDSPORE = OwnerId("gitee", "mindspore")
RECORDED = "repo_willemjiang-camel-on-cloud_2020_perceval.json"


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=False) as mock:
        yield mock


async def _no_sleep(_seconds: float) -> None:
    return None


def listing_of(owner: OwnerId = MINDSPORE, **options: Any) -> tuple[OwnerListing, int]:
    gitee = Gitee(API, sleep=_no_sleep, **options)

    async def scenario() -> tuple[OwnerListing, int]:
        try:
            return await gitee.list_owner(owner), gitee.requests_made
        finally:
            await gitee.aclose()

    return asyncio.run(scenario())


def page(items: list[dict[str, Any]], total: int | None, pages: int | None) -> httpx.Response:
    headers = {} if total is None else {"total_count": str(total)}
    if pages is not None:
        headers["total_page"] = str(pages)
    return httpx.Response(200, json=items, headers=headers)


def test_the_recorded_repo_object_read_as_a_listed_repo() -> None:
    """A listing item is the same ``Project`` object as /repos/{owner}/{repo} (swagger)."""
    listed = listed_item(recorded(RECORDED), f"{API}/users/willemjiang/repos")
    snapshot = listed.snapshot
    assert snapshot.metrics == {"stars": 2, "forks": 1, "watchers": 3, "open_issues": 4}
    assert str(listed.repo) == "gitee:willemjiang/camel-on-cloud"
    assert listed.platform_id == 8725354
    assert snapshot.created_at == datetime(2020, 4, 1, 2, 29, 9, tzinfo=UTC)
    assert (listed.fork, listed.archived, listed.private) == (False, False, False)


@pytest.mark.parametrize(("extra", "flags"), [
    ({"fork": True}, (True, False, False)),
    ({"status": "关闭"}, (False, True, False)),
    ({"archived": True}, (False, True, False)),
    ({"private": True, "public": False}, (False, False, True)),
    ({"public": False}, (False, False, True)),
])
def test_flags_of_a_listed_repo(extra: dict[str, Any], flags: tuple[bool, bool, bool]) -> None:
    listed = listed_item({**recorded(RECORDED), **extra}, API)
    assert (listed.fork, listed.archived, listed.private) == flags


def test_org_listing_reads_pages_until_total_page(router: respx.MockRouter) -> None:
    first = [repo_body("mindspore", f"r{i}", id=i) for i in range(100)]
    second = [repo_body("mindspore", "last", id=1000)]
    route = router.get("/orgs/mindspore/repos").mock(
        side_effect=[page(first, 101, 2), page(second, 101, 2)])
    listing, made = listing_of(token=Secret(TOKEN))
    assert made == 2 and len(listing.repos) == 101
    asked = [dict(c.request.url.params) for c in route.calls]
    assert asked == [{"per_page": "100", "page": "1", "access_token": TOKEN},
                     {"per_page": "100", "page": "2", "access_token": TOKEN}]
    assert listing.repos[-1].snapshot.metrics == {
        "stars": 10, "forks": 3, "watchers": 5, "open_issues": 2}


def test_without_total_page_a_short_page_ends_the_listing(router: respx.MockRouter) -> None:
    full = [repo_body("mindspore", f"r{i}", id=i) for i in range(100)]
    router.get("/orgs/mindspore/repos").mock(side_effect=[page(full, None, None),
                                                          page([], None, None)])
    listing, made = listing_of()
    assert made == 2 and len(listing.repos) == 100


def test_user_is_listed_after_the_orgs_404(router: respx.MockRouter) -> None:
    router.get("/orgs/alice/repos").respond(404, json={"message": "Not Found"})
    users = router.get("/users/alice/repos").mock(
        return_value=page([repo_body("alice", "dots", id=7)], 1, 1))
    listing, made = listing_of(OwnerId("gitee", "alice"))
    assert made == 2 and [str(r.repo) for r in listing.repos] == ["gitee:alice/dots"]
    assert dict(users.calls[0].request.url.params)["type"] == "personal"


def test_owner_nobody_holds_is_not_found(router: respx.MockRouter) -> None:
    router.get(url__regex=r".*/(orgs|users)/ghost/repos.*").respond(
        404, json={"message": "Not Found"})
    with pytest.raises(NotFound, match="gitee:ghost"):
        listing_of(OwnerId("gitee", "ghost"))


def test_server_error_mid_listing_raises(router: respx.MockRouter) -> None:
    first = [repo_body("mindspore", f"r{i}", id=i) for i in range(100)]
    router.get("/orgs/mindspore/repos").mock(
        side_effect=[page(first, 150, 2), *[httpx.Response(502)] * 4])
    with pytest.raises(Unavailable):
        listing_of()


def test_listed_repo_without_a_name_spoils_the_listing(router: respx.MockRouter) -> None:
    nameless = {"id": 3, "stargazers_count": 1}
    router.get("/orgs/mindspore/repos").mock(return_value=page([nameless], 1, 1))
    with pytest.raises(MalformedResponse, match="OWNER/NAME"):
        listing_of()


def test_token_never_shows_in_a_listing_error(router: respx.MockRouter) -> None:
    router.get("/orgs/mindspore/repos").respond(403, json={"message": f"no {TOKEN}"})
    with pytest.raises(Exception) as caught:
        listing_of(token=Secret(TOKEN))
    assert TOKEN not in str(caught.value)
