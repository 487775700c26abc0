"""What the response cache keeps of a listing page (``ListFields``): the fields its reader reads,
so an unchanged page comes back from the store a tenth of its size and reads the same."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import orjson
import pytest
import respx

from monitor.platforms import gitee_listing, github_listing
from monitor.platforms.base import ListedRepo
from monitor.platforms.http import HttpClient, ListFields
from tests.platforms.conftest import DictCache, Recordings
from tests.platforms.test_gitee import recorded

BASE = "https://api.github.com"
NAMES = ListFields(frozenset({"id", "full_name"}))


def test_kept_fields_are_those_named_of_each_object() -> None:
    body = orjson.dumps([{"id": 1, "full_name": "a/b", "owner": {"login": "a"}, "size": 9},
                         {"id": 2, "extra": None}])
    assert orjson.loads(NAMES.keep(body)) == [{"id": 1, "full_name": "a/b"}, {"id": 2}]


@pytest.mark.parametrize("body", [b"{not json", b'{"message": "Not Found"}', b"[1, 2]", b""])
def test_a_body_that_is_not_a_list_of_objects_is_kept_whole(body: bytes) -> None:
    assert NAMES.keep(body) == body


def test_each_field_set_has_its_own_tag() -> None:
    same = ListFields(frozenset({"full_name", "id"}))
    assert NAMES.tag == same.tag
    assert NAMES.tag != ListFields(frozenset({"id", "full_name", "fork"})).tag


def read(listed: list[ListedRepo]) -> list[tuple[Any, ...]]:
    return [(x.snapshot, x.fork, x.archived, x.private) for x in listed]


def test_a_kept_github_listing_page_reads_as_the_whole_page(github_api: Recordings) -> None:
    repo = github_api.body("repo_PyGithub-PyGithub_2025-01")
    page = [repo, {**repo, "id": 7, "fork": True, "archived": True, "private": True},
            {**repo, "id": 8, "full_name": "Other/name", "created_at": None}]
    whole = orjson.dumps(page)
    kept = orjson.loads(github_listing.LISTED_FIELDS.keep(whole))
    assert len(github_listing.LISTED_FIELDS.keep(whole)) < len(whole) / 5
    assert read([github_listing.listed_item(item, BASE) for item in kept]) == read(
        [github_listing.listed_item(item, BASE) for item in page])


@pytest.mark.parametrize("extra", [{}, {"fork": True}, {"status": "关闭"}, {"archived": True},
                                   {"public": False}, {"private": True}])
def test_a_kept_gitee_listing_page_reads_as_the_whole_page(extra: dict[str, Any]) -> None:
    page = [{**recorded("repo_willemjiang-camel-on-cloud_2020_perceval.json"), **extra}]
    kept = orjson.loads(gitee_listing.LISTED_FIELDS.keep(orjson.dumps(page)))
    assert read([gitee_listing.listed_item(item, "u") for item in kept]) == read(
        [gitee_listing.listed_item(item, "u") for item in page])


def test_the_cache_keeps_the_fields_and_a_304_hands_them_back(clock: Any) -> None:
    cache = DictCache()
    page = [{"id": 1, "full_name": "a/b", "description": "x" * 500}]

    async def scenario() -> tuple[bytes, bytes]:
        client = HttpClient(platform="github", base_url=BASE, cache=cache, sleep=clock.sleep,
                            now=clock.now)
        with respx.mock(base_url=BASE) as router:
            route = router.get("/orgs/a/repos").mock(side_effect=[
                httpx.Response(200, json=page, headers={"etag": '"e1"'}),
                httpx.Response(304, headers={"etag": '"e1"'}),
            ])
            fresh = await client.get("orgs/a/repos", conditional=True, keep=NAMES)
            again = await client.get("orgs/a/repos", conditional=True, keep=NAMES)
        assert route.calls[1].request.headers["if-none-match"] == '"e1"'
        await client.aclose()
        return fresh.body, again.body

    fresh, again = asyncio.run(scenario())
    assert json.loads(fresh) == page  # a 200 is read whole
    assert json.loads(again) == [{"id": 1, "full_name": "a/b"}]
    assert list(cache.items) == [f"{BASE}/orgs/a/repos#fields={NAMES.tag}"]


def test_another_field_set_asks_the_page_afresh(clock: Any) -> None:
    cache = DictCache()

    async def scenario() -> httpx.Request:
        client = HttpClient(platform="github", base_url=BASE, cache=cache, sleep=clock.sleep,
                            now=clock.now)
        with respx.mock(base_url=BASE) as router:
            route = router.get("/orgs/a/repos").mock(
                return_value=httpx.Response(200, json=[{"id": 1}], headers={"etag": '"e1"'}))
            await client.get("orgs/a/repos", conditional=True, keep=NAMES)
            await client.get("orgs/a/repos", conditional=True,
                             keep=ListFields(frozenset({"id", "full_name", "fork"})))
        await client.aclose()
        asked: httpx.Request = route.calls[1].request
        return asked

    assert "if-none-match" not in asyncio.run(scenario()).headers
