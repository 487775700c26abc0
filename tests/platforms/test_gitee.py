"""Gitee v5 against respx: recorded bodies where they exist, hand-made answers elsewhere."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import respx

from monitor.config.settings import Secret
from monitor.errors import Blocked, MalformedResponse, NotFound, RateLimited
from monitor.ids import RepoId
from monitor.platforms.base import RepoResult, RepoTarget
from monitor.platforms.gitee import Gitee, is_throttling

API = "https://gitee.com/api/v5"
TOKEN = "gitee-tok-SECRET-123"
REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real-api" / "gitee"
T = TypeVar("T")


def recorded(name: str) -> Any:
    path = REAL / name
    if not path.is_file():
        pytest.skip("../shared/real-api is absent: recorded-response tests skipped")
    return json.loads(path.read_text(encoding="utf-8"))


def run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(make())


def target(
    text: str, *, contributors: bool = True, known: frozenset[str] = frozenset(),
) -> RepoTarget:
    return RepoTarget(RepoId.parse(text), want_contributors=contributors, known_releases=known)


def repo_body(owner: str, name: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": abs(hash((owner, name))) % 10_000_000,
        "full_name": f"{owner}/{name}",
        "namespace": {"path": owner},
        "path": name,
        "name": name,
        "stargazers_count": 10,
        "forks_count": 3,
        "watchers_count": 5,
        "open_issues_count": 2,
        "created_at": "2021-05-01T09:00:00+08:00",
    }
    body.update(extra)
    return body


def mock_repo(router: respx.MockRouter, owner: str, name: str, *, prs: int = 0,
              releases: int = 0, people: int = 1, **extra: Any) -> None:
    base = f"/repos/{owner}/{name}"
    router.get(base).respond(200, json=repo_body(owner, name, **extra))
    router.get(f"{base}/pulls").respond(200, json=[], headers={"total_count": str(prs)})
    router.get(f"{base}/releases").respond(200, json=[], headers={"total_count": str(releases)})
    router.get(f"{base}/contributors").respond(200, json=[{"name": "a"}] * people)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=False) as mock:
        yield mock


def no_sleep() -> tuple[list[float], Callable[[float], Coroutine[Any, Any, None]]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return waits, sleep


async def fetch(targets: list[RepoTarget], **options: Any) -> tuple[list[RepoResult], int]:
    gitee = Gitee(API, **options)
    try:
        return await gitee.fetch(targets), gitee.requests_made
    finally:
        await gitee.aclose()


# -- recorded shapes --------------------------------------------------------------------------


def test_recorded_repo_gives_distinct_stars_forks_watchers_in_utc(
    router: respx.MockRouter,
) -> None:
    repo = recorded("repo_willemjiang-camel-on-cloud_2020_perceval.json")
    pulls = recorded("pulls_page1_willemjiang-camel-on-cloud_2020_perceval.json")
    base = "/repos/willemjiang/camel-on-cloud"
    router.get(base).respond(200, json=repo)
    prs = router.get(f"{base}/pulls").respond(200, json=pulls, headers={"total_count": "7"})
    router.get(f"{base}/releases").respond(200, json=[], headers={"total_count": "0"})
    router.get(f"{base}/contributors").respond(
        200, json=[{"name": "WillemJiang", "email": "w@example.com", "contributions": 3}]
    )

    [result], made = run(lambda: fetch([target("gitee:willemjiang/camel-on-cloud")]))

    snap = result.snapshot
    assert snap is not None and result.error is None
    assert snap.metrics == {
        "stars": 2, "forks": 1, "watchers": 3, "open_issues": 4,
        "open_prs": 7, "releases": 0, "contributors": 1,
    }
    assert snap.platform_id == 8725354
    assert (snap.owner, snap.name, snap.renamed) == ("willemjiang", "camel-on-cloud", False)
    assert snap.created_at == datetime(2020, 4, 1, 2, 29, 9, tzinfo=UTC)
    assert snap.created_at.tzinfo is UTC
    assert made == 4  # repo, one pulls page, one releases page, contributors: no paging
    sent = prs.calls.last.request.url.params
    assert (sent["state"], sent["per_page"], sent["page"]) == ("open", "1", "1")


def test_open_prs_paged_only_when_the_header_is_absent(router: respx.MockRouter) -> None:
    pull = recorded("pulls_page1_willemjiang-camel-on-cloud_2020_perceval.json")[0]
    mock_repo(router, "o", "r")

    def pulls(request: httpx.Request) -> httpx.Response:
        per_page, page = int(request.url.params["per_page"]), int(request.url.params["page"])
        left = 130 - (page - 1) * per_page
        return httpx.Response(200, json=[pull] * max(0, min(per_page, left)))

    route = router.get("/repos/o/r/pulls").mock(side_effect=pulls)

    [result], made = run(lambda: fetch([target("gitee:o/r")]))

    assert result.snapshot is not None and result.snapshot.metrics["open_prs"] == 130
    pages = [(c.request.url.params["per_page"], c.request.url.params["page"]) for c in route.calls]
    assert pages == [("1", "1"), ("100", "1"), ("100", "2")]
    assert made == 3 + 3


def test_metric_not_given_is_absent_not_zero(router: respx.MockRouter) -> None:
    mock_repo(router, "o", "r")
    body = repo_body("o", "r")
    del body["watchers_count"]
    router.get("/repos/o/r").respond(200, json=body)
    router.get("/repos/o/r/pulls").respond(200, json=[])  # no header, empty list: really 0

    [result], _ = run(lambda: fetch([target("gitee:o/r")]))

    assert result.snapshot is not None
    assert "watchers" not in result.snapshot.metrics
    assert result.snapshot.metrics["open_prs"] == 0


# -- credentials and errors ------------------------------------------------------------------


def test_token_is_a_query_parameter_and_never_in_errors(router: respx.MockRouter) -> None:
    router.get("/repos/gone/away").respond(404, json={"message": "Not Found Project"})
    mock_repo(router, "o", "r")

    results, _ = run(lambda: fetch(
        [target("gitee:gone/away"), target("gitee:o/r")], token=Secret(TOKEN)
    ))

    assert all(c.request.url.params["access_token"] == TOKEN for c in router.calls)
    assert all("authorization" not in c.request.headers for c in router.calls)
    error = results[0].error
    assert isinstance(error, NotFound)
    assert "Not Found Project" in str(error) and "gitee.com/api/v5/repos/gone/away" in str(error)
    assert TOKEN not in str(error) and TOKEN not in repr(error)
    assert results[1].snapshot is not None  # one repo's 404 is that repo's alone


def test_redacted_urls_drop_the_token() -> None:
    gitee = Gitee(API, Secret(TOKEN))
    try:
        shown = gitee._http.redact("repos/o/r/pulls", {"state": "open", "access_token": TOKEN})
        assert TOKEN not in shown and "state=open" in shown
        assert TOKEN not in repr(gitee._http)
    finally:
        run(gitee.aclose)


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (429, {}, b""),
        (403, {"retry-after": "30"}, b"{}"),
        (403, {}, json.dumps({"message": "Rate Limit Exceeded"}).encode()),
        (403, {}, json.dumps({"message": "访问过于频繁"}).encode()),  # wording assumed
    ],
)
def test_throttling_defers_this_and_every_later_repo(
    router: respx.MockRouter, status: int, headers: dict[str, str], body: bytes
) -> None:
    mock_repo(router, "a", "one")
    router.get("/repos/b/two").respond(status, headers=headers, content=body)
    mock_repo(router, "c", "three")
    waits, sleep = no_sleep()

    results, _ = run(lambda: fetch(
        [target("gitee:a/one"), target("gitee:b/two"), target("gitee:c/three")], sleep=sleep
    ))

    # Repos are fetched concurrently, so which of a's requests got out first varies; what may
    # not vary: b is deferred, nobody is failed, and nothing is sent once b's retries are spent.
    assert results[1].deferred and isinstance(results[1].error, RateLimited)  # why: throttled
    assert all(r.snapshot is not None or r.deferred for r in results)
    sent = [str(call.request.url) for call in router.calls]
    assert sum("/b/two" in url for url in sent) == 4  # the first try and three retries
    assert "/b/two" in sent[-1]
    assert len(waits) == 3


def test_a_403_that_is_not_throttling_blocks_that_repo_only(router: respx.MockRouter) -> None:
    route = router.get("/repos/b/hidden").respond(403, json={"message": "Forbidden"})
    mock_repo(router, "c", "fine")

    results, _ = run(lambda: fetch([target("gitee:b/hidden"), target("gitee:c/fine")]))

    assert isinstance(results[0].error, Blocked) and "Forbidden" in str(results[0].error)
    assert route.call_count == 1  # not retried as if it were throttling
    assert results[1].snapshot is not None and not results[1].deferred
    assert not is_throttling(403, {}, b'{"message":"Forbidden"}')


def test_a_5xx_burst_is_retried(router: respx.MockRouter) -> None:
    mock_repo(router, "o", "r")
    router.get("/repos/o/r").mock(side_effect=[
        httpx.Response(502), httpx.Response(503), httpx.Response(200, json=repo_body("o", "r")),
    ])
    waits, sleep = no_sleep()

    [result], made = run(lambda: fetch([target("gitee:o/r")], sleep=sleep))

    assert result.snapshot is not None and result.snapshot.metrics["stars"] == 10
    assert len(waits) == 2 and made == 3 + 3


def test_a_malformed_body_fails_that_repo_only(router: respx.MockRouter) -> None:
    router.get("/repos/bad/html").respond(200, content=b"<html>busy</html>")
    router.get("/repos/bad/list").respond(200, json=[1, 2])
    mock_repo(router, "good", "repo")

    results, _ = run(lambda: fetch(
        [target("gitee:bad/html"), target("gitee:bad/list"), target("gitee:good/repo")]
    ))

    assert isinstance(results[0].error, MalformedResponse)
    assert isinstance(results[1].error, MalformedResponse)
    assert results[2].snapshot is not None


def test_contributors_skipped_when_not_wanted(router: respx.MockRouter) -> None:
    mock_repo(router, "o", "r")
    people = router.get("/repos/o/r/contributors")

    [result], made = run(lambda: fetch([target("gitee:o/r", contributors=False)]))

    assert result.snapshot is not None and "contributors" not in result.snapshot.metrics
    assert people.call_count == 0 and made == 3


def test_a_redirected_repo_is_followed_within_the_api(router: respx.MockRouter) -> None:
    router.get("/repos/old/name").respond(
        301, headers={"location": f"{API}/repos/new/name?access_token={TOKEN}"}
    )
    mock_repo(router, "new", "name", prs=2)

    [result], _ = run(lambda: fetch([target("gitee:old/name")], token=Secret(TOKEN)))

    snap = result.snapshot
    assert snap is not None and snap.renamed and (snap.owner, snap.name) == ("new", "name")
    assert snap.metrics["open_prs"] == 2
    followed = [c.request.url for c in router.calls if c.request.url.path.endswith("new/name")]
    assert followed and followed[0].params.get_list("access_token") == [TOKEN]


# -- releases ---------------------------------------------------------------------------------


def release(n: int, *, pre: bool = False) -> dict[str, Any]:
    return {
        "id": n, "tag_name": f"v{n}", "name": f"Release {n}", "prerelease": pre,
        "created_at": f"2022-01-{n % 28 + 1:02d}T{n % 24:02d}:00:00+08:00",
    }


def test_releases_pages_by_total_page_newest_first(router: respx.MockRouter) -> None:
    everything = [release(n, pre=n % 10 == 0) for n in range(1, 251)]

    def pages(request: httpx.Request) -> httpx.Response:
        per_page, page = int(request.url.params["per_page"]), int(request.url.params["page"])
        assert request.url.params["direction"] == "desc"
        chunk = everything[(page - 1) * per_page: page * per_page]
        return httpx.Response(200, json=chunk, headers={"total_count": "250", "total_page": "3"})

    route = router.get("/repos/o/r/releases").mock(side_effect=pages)

    async def go() -> list[Any]:
        gitee = Gitee(API)
        try:
            return await gitee.releases(target("gitee:o/r"))
        finally:
            await gitee.aclose()

    found = run(go)

    assert route.call_count == 3
    assert [c.request.url.params["per_page"] for c in route.calls] == ["100"] * 3
    assert len(found) == 250
    times = [r.published_at for r in found]
    assert all(t is not None and t.tzinfo is not None and t.utcoffset() == UTC.utcoffset(None)
               for t in times)
    assert times == sorted(times, reverse=True)
    assert sum(r.prerelease for r in found) == 25
    assert found[0].url is not None and found[0].url.startswith("https://gitee.com/o/r/releases/")


def test_release_count_and_latest_from_one_small_page(router: respx.MockRouter) -> None:
    mock_repo(router, "o", "r")
    route = router.get("/repos/o/r/releases").respond(
        200, json=[release(9)], headers={"total_count": "42", "total_page": "42"}
    )

    stored = frozenset({"v9", *(f"older-{i}" for i in range(41))})  # by earlier cycles
    [result], made = run(lambda: fetch([target("gitee:o/r", known=stored)]))

    snap = result.snapshot
    assert snap is not None and snap.metrics["releases"] == 42
    assert [r.tag for r in snap.releases] == ["v9"]
    assert snap.releases[0].published_at == datetime(2022, 1, 10, 1, 0, tzinfo=UTC)
    assert route.call_count == 1 and made == 4


@pytest.mark.parametrize("answer", [httpx.Response(200, json=[]), httpx.Response(204)])
def test_an_empty_repo_has_zero_contributors_and_keeps_its_stars(
    router: respx.MockRouter, answer: httpx.Response,
) -> None:
    mock_repo(router, "o", "empty", stargazers_count=3)
    router.get("/repos/o/empty/contributors").mock(return_value=answer)
    [result], _ = run(lambda: fetch([target("gitee:o/empty")]))
    assert result.error is None and result.snapshot is not None
    assert (result.snapshot.metrics["contributors"], result.snapshot.metrics["stars"]) == (0, 3)
