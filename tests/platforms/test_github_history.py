"""GitHub star history (``/stargazers/history``) and ``/rate_limit``: respx, then the fake."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx

from monitor.clock import ManualClock
from monitor.config.settings import Secret
from monitor.errors import MalformedResponse, NotFound
from monitor.ids import RepoId
from monitor.platforms.base import Budget, HistoryPage, RepoTarget
from monitor.platforms.github import GitHub
from tests.fakes import FakeRepo, FakeServer

API = "https://api.github.com"
HISTORY = "/repos/o/r/stargazers/history"
TOKEN = "ghp_never_shown_0123456789"
FIXTURE = "stargazers_history_page1_FIXTURE_ghchronicle"
#: ghchronicle's "now" for its fixture: Tuesday 2026-09-08, noon in Los Angeles.
TUESDAY = datetime(2026, 9, 8, 19, tzinfo=UTC)
T = TypeVar("T")


def run(make: Callable[[GitHub], Coroutine[Any, Any, T]], platform: GitHub) -> T:
    async def scenario() -> T:
        try:
            return await make(platform)
        finally:
            await platform.aclose()

    return asyncio.run(scenario())


def github(now: datetime = TUESDAY, *, api: str = API, token: str | None = None,
           **options: Any) -> GitHub:
    async def no_sleep(seconds: float) -> None:
        pass

    return GitHub(api, token=Secret(token) if token else None, sleep=no_sleep,
                  now=lambda: now, **options)


def target(name: str = "o/r") -> RepoTarget:
    return RepoTarget(RepoId.parse(f"github:{name}"))


def history(platform: GitHub, page: int = 1, name: str = "o/r") -> HistoryPage:
    return run(lambda p: p.star_history(target(name), page), platform)


def week(sunday: date, days: list[int], hour: int = 0, **extra: Any) -> dict[str, Any]:
    stamp = datetime(sunday.year, sunday.month, sunday.day, hour, tzinfo=UTC).timestamp()
    return {"week": int(stamp), "total": sum(days), "days": days, **extra}


def span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_recorded_fixture_gives_stars_per_pacific_day_up_to_today(github_api: Any) -> None:
    with respx.mock(base_url=API) as router:
        router.get(HISTORY).mock(return_value=github_api.response(FIXTURE))
        page = history(github())
    stars = {date(2026, 9, 6): 1, date(2026, 9, 8): 2, date(2026, 9, 2): 1,
             date(2026, 6, 20): 3}
    every_day = dict.fromkeys(span(date(2026, 2, 15), date(2026, 9, 8)), 0)
    assert page.days == every_day | stars  # 30 whole weeks, this one up to Tuesday
    assert (page.page, page.last, page.pages, page.from_cache) == (1, False, None, False)


def test_week_labels_name_their_sunday_by_utc_date_in_winter_and_summer() -> None:
    # 00:00Z is Saturday afternoon in Los Angeles, 07:00Z/08:00Z its midnight: the UTC date
    # names the Sunday either way, and days[0] is that Sunday (PST or PDT alike).
    weeks = [
        week(date(2026, 7, 12), [1, 0, 0, 0, 0, 0, 0], hour=0),
        week(date(2026, 7, 5), [2, 0, 0, 0, 0, 0, 0], hour=7),  # PDT midnight
        week(date(2026, 3, 8), [0, 0, 0, 0, 0, 0, 6], hour=8),  # the DST week: PST midnight
        week(date(2026, 1, 11), [0, 0, 0, 0, 0, 0, 4], hour=0),
        week(date(2026, 1, 4), [3, 0, 0, 0, 0, 0, 5], hour=8),  # PST midnight
    ]
    with respx.mock(base_url=API) as router:
        router.get(HISTORY).respond(200, json=weeks)
        page = history(github())
    got = {day: n for day, n in page.days.items() if n}
    assert got == {date(2026, 7, 12): 1, date(2026, 7, 5): 2, date(2026, 3, 14): 6,
                   date(2026, 1, 17): 4, date(2026, 1, 4): 3, date(2026, 1, 10): 5}
    assert len(page.days) == 5 * 7


def test_days_after_today_in_los_angeles_are_skipped() -> None:
    # Tuesday 06:30Z is still Monday evening in Los Angeles: Tuesday is a placeholder.
    weeks = [week(date(2026, 9, 6), [1, 2, 0, 0, 0, 0, 0])]
    with respx.mock(base_url=API) as router:
        router.get(HISTORY).respond(200, json=weeks)
        page = history(github(datetime(2026, 9, 8, 6, 30, tzinfo=UTC)))
    assert page.days == {date(2026, 9, 6): 1, date(2026, 9, 7): 2}


def test_a_short_page_is_the_last() -> None:
    weeks = [week(date(2026, 9, 6) - timedelta(weeks=i), [0] * 7) for i in range(4)]
    with respx.mock(base_url=API) as router:
        router.get(HISTORY).respond(200, json=weeks)
        page = history(github(), page=3)
    assert page.last and page.pages == 3 and len(page.days) == 3 * 7 + 3


def test_an_empty_page_is_the_last_and_has_no_days() -> None:
    with respx.mock(base_url=API) as router:
        router.get(HISTORY).respond(200, json=[])
        page = history(github(), page=9)
    assert page.last and page.days == {} and page.pages is None


def test_a_full_page_is_not_the_last_and_link_tells_how_many() -> None:
    weeks = [week(date(2026, 9, 6) - timedelta(weeks=i), [0] * 7) for i in range(30)]
    link = (f'<{API}{HISTORY}?per_page=30&page=2>; rel="next", '
            f'<{API}{HISTORY}?per_page=30&page=7>; rel="last"')
    with respx.mock(base_url=API) as router:
        route = router.get(HISTORY).respond(200, json=weeks, headers={"link": link})
        page = history(github())
    assert not page.last and page.pages == 7
    assert dict(route.calls.last.request.url.params) == {"per_page": "30", "page": "1"}


def test_the_history_request_asks_for_api_version_2026_03_10() -> None:
    with respx.mock(base_url=API) as router:
        route = router.get(HISTORY).respond(200, json=[])
        history(github())
    headers = route.calls.last.request.headers
    assert headers["x-github-api-version"] == "2026-03-10"
    assert headers["accept"] == "application/vnd.github+json"


def test_an_unchanged_page_is_a_free_304_with_the_same_days(cache: Any) -> None:
    weeks = [week(date(2026, 9, 6), [1, 0, 2, 0, 0, 0, 0])]
    link = f'<{API}{HISTORY}?per_page=30&page=2>; rel="next", <{API}{HISTORY}?page=4>; rel="last"'
    platform = github(cache=cache)

    async def twice(p: GitHub) -> tuple[HistoryPage, HistoryPage, httpx.Request]:
        with respx.mock(base_url=API) as router:
            route = router.get(HISTORY)
            route.side_effect = [
                httpx.Response(200, json=weeks, headers={"etag": '"w1"', "link": link}),
                httpx.Response(304, headers={"etag": '"w1"'}),  # no Link on a 304
            ]
            first = await p.star_history(target(), 1)
            second = await p.star_history(target(), 1)
            return first, second, route.calls.last.request

    first, second, request = run(twice, platform)
    assert request.headers["if-none-match"] == '"w1"'
    assert not first.from_cache and second.from_cache
    assert second.days == first.days == {date(2026, 9, 6): 1, date(2026, 9, 7): 0,
                                         date(2026, 9, 8): 2}
    assert second.pages == first.pages == 4


def test_404_means_no_star_history_here(github_api: Any) -> None:
    with respx.mock(base_url=API) as router:
        router.get(HISTORY).mock(return_value=github_api.response("error_404_not_found_2012", 404))
        with pytest.raises(NotFound, match=r"star history not available \(404"):
            history(github())


@pytest.mark.parametrize(("bad", "words"), [
    ({"week": 1788652800, "total": 4, "days": [1, 0, 2, 0, 0, 0, 0]}, "total 4"),
    ({"week": 1788652800, "total": 3, "days": [1, 0, 2, 0, 0, 0]}, "7 days"),
    ({"week": 1788652800 - 86400, "total": 0, "days": [0] * 7}, "not a Sunday"),
    ({"total": 0, "days": [0] * 7}, "week"),
])
def test_a_malformed_week_is_refused(bad: dict[str, Any], words: str) -> None:
    with respx.mock(base_url=API) as router:
        router.get(HISTORY).respond(200, json=[bad])
        with pytest.raises(MalformedResponse, match=words):
            history(github())


def test_a_renamed_repo_is_followed_with_the_same_headers(github_api: Any) -> None:
    with respx.mock(base_url=API) as router:
        router.get("/repos/protoncoin/protoncoin/stargazers/history").respond(
            301, headers={"location": f"{API}/repositories/112116543/stargazers/history"})
        moved = router.get("/repositories/112116543/stargazers/history").respond(200, json=[])
        page = history(github(), name="protoncoin/protoncoin")
    assert page.last
    request = moved.calls.last.request
    assert request.headers["x-github-api-version"] == "2026-03-10"
    assert request.url.params["page"] == "1"


# ------------------------------------------------------------------------------ rate limit


def test_refresh_budget_reads_the_tightest_of_core_and_graphql(github_api: Any) -> None:
    with respx.mock(base_url=API) as router:
        router.get("/rate_limit").mock(return_value=github_api.response("rate_limit_2023"))
        budget = run(lambda p: p.refresh_budget(), github(token=TOKEN))
    assert budget == Budget(5000, 4808, datetime.fromtimestamp(1734072222, UTC), "graphql")


def test_refresh_budget_without_a_token_is_core_alone(github_api: Any) -> None:
    body = github_api.body("rate_limit_2023")
    body["resources"]["graphql"] = {"limit": 0, "used": 0, "remaining": 0, "reset": 1734072222}
    with respx.mock(base_url=API) as router:
        router.get("/rate_limit").respond(200, json=body)
        budget = run(lambda p: p.refresh_budget(), github())
    assert (budget.resource, budget.remaining) == ("core", 4988)


def test_refresh_budget_is_asked_even_when_core_is_spent() -> None:
    spent = {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0",
             "x-ratelimit-reset": str(int(TUESDAY.timestamp()) + 3000),
             "x-ratelimit-resource": "core"}
    fresh = {"resources": {"core": {"limit": 60, "used": 0, "remaining": 60,
                                    "reset": int(TUESDAY.timestamp()) + 3600}}}

    async def scenario(p: GitHub) -> tuple[Budget, Budget]:
        with respx.mock(base_url=API) as router:
            router.get(HISTORY).respond(200, json=[], headers=spent)
            router.get("/rate_limit").respond(200, json=fresh, headers=spent)
            await p.star_history(target(), 1)
            return p.budget, await p.refresh_budget()

    before, after = run(scenario, github(max_reset_wait=0))
    assert before.remaining == 0 and after.remaining == 60


# --------------------------------------------------------------------------- the fake API


async def walk(platform: GitHub, repo: RepoTarget) -> list[HistoryPage]:
    pages = [await platform.star_history(repo, 1)]
    while not pages[-1].last:
        pages.append(await platform.star_history(repo, len(pages) + 1))
    return pages


def test_every_page_of_the_fake_sums_to_the_star_count(
    fake_server: FakeServer, manual_clock: ManualClock,
) -> None:
    now = manual_clock()
    pages = run(lambda p: walk(p, target("acme/rocket")),
                github(now, api=fake_server.github_api_url))
    days = [day for p in pages for day in p.days]
    assert len(days) == len(set(days))  # no day on two pages
    assert sum(n for p in pages for n in p.days.values()) == 42
    assert pages[0].pages == len(pages) > 1 and pages[-1].last
    assert max(days) == now.astimezone(ZoneInfo(GitHub.history_zone)).date()


def test_fake_days_are_los_angeles_days_and_304s_are_free(cache: Any) -> None:
    stars = [datetime(2024, 3, 10, 6, 30, tzinfo=UTC),  # Saturday 22:30 PST
             datetime(2024, 3, 10, 8, 30, tzinfo=UTC),  # Sunday 00:30 PST (DST at 02:00)
             datetime(2024, 7, 1, 3, tzinfo=UTC)]  # Sunday June 30, 20:00 PDT
    now = datetime(2024, 7, 3, 12, tzinfo=UTC)
    repo = FakeRepo(id=1, owner="o", name="r", created_at=datetime(2024, 3, 1, tzinfo=UTC),
                    star_times=stars)
    with FakeServer() as fake:
        fake.github.add(repo)
        fake.clock = lambda: now
        platform = github(now, api=fake.github_api_url, cache=cache)

        async def twice(p: GitHub) -> tuple[list[HistoryPage], HistoryPage]:
            first = await walk(p, target())
            return first, await p.star_history(target(), 1)

        pages, again = run(twice, platform)
        used = fake.github.budget(None).used
    days = {day: n for p in pages for day, n in p.days.items() if n}
    assert days == {date(2024, 3, 9): 1, date(2024, 3, 10): 1, date(2024, 6, 30): 1}
    assert again.from_cache and again.days == pages[0].days
    assert used == 1  # one page (19 weeks), then a free 304


def test_an_enterprise_server_answers_404(fake_server: FakeServer) -> None:
    fake_server.github.history_available = False
    with pytest.raises(NotFound, match="star history not available"):
        run(lambda p: p.star_history(target("acme/rocket"), 1),
            github(api=fake_server.github_api_url))
