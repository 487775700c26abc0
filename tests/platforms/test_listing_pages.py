"""A REST listing whose first page tells how many pages there are asks for the rest at once
(the HTTP layer bounds them), so a listing of ten pages costs a few round trips, not ten."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, cast

import pytest

from monitor.errors import Unavailable
from monitor.ids import OwnerId
from monitor.platforms.http import HttpClient, Reply
from monitor.platforms.listing import Endpoint, read_pages

OWNER = OwnerId("gitee", "mindspore")
PAGES = 5


class Pages:
    """An HTTP client serving a listing of PAGES pages; it notes how many requests were in
    flight at once (each yields to the event loop before answering)."""

    cache = None

    def __init__(self, failing: int | None = None) -> None:
        self.asked: list[int] = []
        self.in_flight = 0
        self.most = 0
        self.failing = failing

    def redact(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        return path

    async def get(self, path: str, params: Mapping[str, Any] | None = None,
                  **_options: Any) -> Reply:
        number = int((params or {})["page"])
        self.asked.append(number)
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        for _ in range(3):
            await asyncio.sleep(0)  # a round trip: the others may start meanwhile
        self.in_flight -= 1
        status = 500 if number == self.failing else 200
        return Reply(status, {"total_page": str(PAGES)}, b"[]", f"{path}?page={number}")


def next_page(reply: Reply, endpoint: Endpoint, page: int) -> Endpoint | None:
    told = reply.header_int("total_page")
    return (endpoint[0], {"page": page + 1}) if told is not None and page < told else None


def all_pages(reply: Reply, endpoint: Endpoint) -> list[Endpoint] | None:
    told = reply.header_int("total_page")
    return None if told is None else [(endpoint[0], {"page": n}) for n in range(2, told + 1)]


def check(reply: Reply) -> None:
    if reply.status != 200:
        raise Unavailable(reply.url)


def read(http: Pages) -> list[Reply]:
    return asyncio.run(read_pages(cast(HttpClient, http), OWNER, [("orgs/x/repos", {"page": 1})],
                                  next_page, check, all_pages))


def test_the_pages_after_the_first_are_asked_at_once_in_order() -> None:
    http = Pages()
    pages = read(http)
    assert [p.url for p in pages] == [f"orgs/x/repos?page={n}" for n in range(1, PAGES + 1)]
    assert sorted(http.asked) == list(range(1, PAGES + 1))
    assert http.most == PAGES - 1


def test_one_page_that_fails_fails_the_listing() -> None:
    with pytest.raises(Unavailable):
        read(Pages(failing=3))
