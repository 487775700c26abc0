"""Gitee star history: the stargazer list's ``star_at`` counted per Asia/Shanghai day."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
import respx

from monitor.config.settings import Secret
from monitor.errors import MalformedResponse, NotFound
from monitor.ids import RepoId
from monitor.platforms.base import Budget, HistoryPage, RepoTarget, Stargazer
from monitor.platforms.gitee import Gitee
from tests.fakes import FakeRepo, FakeServer

API = "https://gitee.com/api/v5"
STARS = "/repos/o/r/stargazers"
TOKEN = "gitee-tok-SECRET-123"
T = TypeVar("T")


def run(make: Callable[[Gitee], Coroutine[Any, Any, T]], platform: Gitee) -> T:
    async def scenario() -> T:
        try:
            return await make(platform)
        finally:
            await platform.aclose()

    return asyncio.run(scenario())


def gitee(api: str = API, token: str | None = None) -> Gitee:
    async def no_sleep(seconds: float) -> None:
        pass

    return Gitee(api, Secret(token) if token else None, sleep=no_sleep)


def target(name: str = "o/r") -> RepoTarget:
    return RepoTarget(RepoId.parse(f"gitee:{name}"))


def history(platform: Gitee, page: int = 1, name: str = "o/r") -> HistoryPage:
    return run(lambda p: p.star_history(target(name), page), platform)


def fans(*times: str) -> list[dict[str, Any]]:
    return [{"id": i, "login": f"fan{i}", "star_at": t} for i, t in enumerate(times)]


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=False) as mock:
        yield mock


def test_stars_are_counted_by_shanghai_date_in_any_order(router: respx.MockRouter) -> None:
    router.get(STARS).respond(200, json=fans(
        "2026-03-02T00:10:00+08:00",  # Mar 1 16:10Z, but Mar 2 in Shanghai
        "2026-03-01T23:30:00+08:00",  # Mar 1 15:30Z
        "2026-03-01T15:45:00Z",  # 23:45 in Shanghai: still Mar 1
        "2026-02-28T08:00:00+08:00",
    ), headers={"total_count": "4", "total_page": "1"})
    page = history(gitee())
    assert page.days == {date(2026, 3, 2): 1, date(2026, 3, 1): 2, date(2026, 2, 28): 1}


def test_each_star_comes_with_its_stargazer_and_the_list_length(
    router: respx.MockRouter,
) -> None:
    """Backfill keys Gitee stars by stargazer and checks them against ``total_count``."""
    router.get(STARS).respond(200, json=fans(
        "2026-03-02T00:10:00+08:00", "2026-03-01T23:30:00+08:00",
    ), headers={"total_count": "2", "total_page": "1"})
    page = history(gitee())
    assert page.stars == (
        Stargazer(0, datetime(2026, 3, 1, 16, 10, tzinfo=UTC)),
        Stargazer(1, datetime(2026, 3, 1, 15, 30, tzinfo=UTC)),
    )
    assert page.total == 2


def test_a_stargazer_without_an_id_is_malformed(router: respx.MockRouter) -> None:
    router.get(STARS).respond(200, json=[{"login": "x", "star_at": "2026-03-01T10:00:00+08:00"}])
    with pytest.raises(MalformedResponse, match="numeric id"):
        history(gitee())


def test_total_page_says_which_page_is_the_last(router: respx.MockRouter) -> None:
    full = fans(*["2026-03-01T10:00:00+08:00"] * 100)
    router.get(STARS, params={"page": "1"}).respond(
        200, json=full, headers={"total_count": "130", "total_page": "2"})
    router.get(STARS, params={"page": "2"}).respond(
        200, json=full[:30], headers={"total_count": "130", "total_page": "2"})
    first, second = history(gitee(), 1), history(gitee(), 2)
    assert (first.last, first.pages, second.last, second.pages) == (False, 2, True, 2)
    request = router.calls[0].request
    assert request.url.params["per_page"] == "100"


def test_without_total_page_a_short_page_is_the_last(router: respx.MockRouter) -> None:
    router.get(STARS, params={"page": "1"}).respond(
        200, json=fans(*["2026-03-01T10:00:00+08:00"] * 100))
    router.get(STARS, params={"page": "2"}).respond(200, json=fans("2026-03-04T10:00:00+08:00"))
    first, second = history(gitee(), 1), history(gitee(), 2)
    assert (first.last, first.pages, second.last) == (False, None, True)
    assert first.days == {date(2026, 3, 1): 100}


def test_an_empty_page_is_the_last(router: respx.MockRouter) -> None:
    router.get(STARS).respond(200, json=[], headers={"total_count": "0", "total_page": "0"})
    page = history(gitee())
    assert page.last and page.days == {}


def test_the_token_never_reaches_an_error(router: respx.MockRouter) -> None:
    router.get("/repos/gone/away/stargazers").respond(404, json={"message": "Not Found Project"})
    router.get(STARS).respond(200, json=[{"login": "no-time"}])
    with pytest.raises(NotFound) as missing:
        history(gitee(token=TOKEN), name="gone/away")
    with pytest.raises(MalformedResponse) as malformed:
        history(gitee(token=TOKEN))
    assert all(c.request.url.params["access_token"] == TOKEN for c in router.calls)
    for error in (missing.value, malformed.value):
        assert TOKEN not in str(error) and TOKEN not in repr(error)


def test_refresh_budget_is_what_headers_told() -> None:
    assert run(lambda p: p.refresh_budget(), gitee()) == Budget()


def test_every_page_of_the_fake_sums_to_the_star_count(fake_server: FakeServer) -> None:
    start = datetime(2024, 5, 1, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    times = [start + timedelta(minutes=17 * i) for i in range(250)]
    fake_server.gitee.add(FakeRepo(id=9, owner="o", name="r", star_times=times))

    async def walk(platform: Gitee) -> list[HistoryPage]:
        pages = [await platform.star_history(target(), 1)]
        while not pages[-1].last:
            pages.append(await platform.star_history(target(), len(pages) + 1))
        return pages

    pages = run(walk, gitee(fake_server.gitee_api_url))
    assert len(pages) == 3 and pages[0].pages == 3
    total: Counter[date] = Counter()
    for page in pages:
        total.update(page.days)  # a day may straddle two pages: add them up
    assert sum(total.values()) == 250
    shanghai = ZoneInfo(Gitee.history_zone)
    assert total == Counter(t.astimezone(shanghai).date() for t in times)
