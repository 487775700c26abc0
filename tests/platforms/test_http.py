"""The shared HTTP layer: retries, throttling, budgets, conditional requests, redaction.

Every wait goes through an injected sleep that only records it, so throttling paths run in
milliseconds and their waits can be asserted.
"""

from __future__ import annotations

import asyncio
import importlib.util
import ssl
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
import respx

from monitor.errors import RateLimited, Unavailable, Unreachable
from monitor.platforms.http import (
    UNREACHABLE_AFTER,
    USER_AGENT,
    HttpClient,
    Reply,
    last_page,
    tls_context,
)
from tests.fakes import closed_port_url

BASE = "https://api.github.com"
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def make_client(clock: Any, **options: Any) -> HttpClient:
    options.setdefault("sleep", clock.sleep)
    options.setdefault("now", clock.now)
    return HttpClient(platform="github", base_url=BASE, **options)


def epoch(when: datetime) -> str:
    return str(int(when.timestamp()))


def test_retries_5xx_then_succeeds(clock: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock)
        with respx.mock(base_url=BASE) as router:
            route = router.get("/rate_limit").mock(side_effect=[
                httpx.Response(500), httpx.Response(502), httpx.Response(200, json={"ok": 1}),
            ])
            reply = await client.get("rate_limit")
        assert reply.json() == {"ok": 1}
        assert route.call_count == 3 and client.requests_made == 3
        assert len(clock.waits) == 2 and all(w > 0 for w in clock.waits)
        await client.aclose()

    run(scenario())


def test_gives_up_with_unavailable_without_leaking_credentials(clock: Any) -> None:
    async def scenario() -> None:
        client = make_client(
            clock, attempts=3, secret_params={"access_token": "tok-param-123"},
            secret_headers={"Authorization": "Bearer tok-header-456"},
        )
        with respx.mock(base_url=BASE) as router:
            route = router.get("/repos/a/b").mock(return_value=httpx.Response(503))
            with pytest.raises(Unavailable) as caught:
                await client.get("repos/a/b", {"x": 1})
        assert route.call_count == 3
        text = str(caught.value) + repr(caught.value) + repr(client)
        assert "tok-param-123" not in text and "tok-header-456" not in text
        assert "503" in str(caught.value)
        await client.aclose()

    run(scenario())


def test_connection_errors_and_timeouts_are_retried(clock: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock)
        with respx.mock(base_url=BASE) as router:
            route = router.get("/zen").mock(side_effect=[
                httpx.ConnectError("refused"), httpx.ReadTimeout("slow"),
                httpx.Response(200, text="ok"),
            ])
            reply = await client.get("zen")
        assert reply.body == b"ok" and route.call_count == 3
        await client.aclose()

    run(scenario())


def test_transport_errors_end_in_unavailable(clock: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock, attempts=2)
        with respx.mock(base_url=BASE) as router:
            router.get("/zen").mock(side_effect=httpx.ConnectTimeout("slow"))
            with pytest.raises(Unavailable, match="ConnectTimeout"):
                await client.get("zen")
        await client.aclose()

    run(scenario())


def test_secondary_limit_with_retry_after_waits_as_told(clock: Any, github_api: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock)
        throttled = github_api.response("error_403_secondary_abuse_2018", 403)
        assert throttled.headers["retry-after"] == "60"
        with respx.mock(base_url=BASE) as router:
            route = router.get("/search/code").mock(
                side_effect=[throttled, httpx.Response(200, json=[])])
            await client.get("search/code", {"q": "x"})
        assert route.call_count == 2
        assert clock.waits == [60.0]
        await client.aclose()

    run(scenario())


def test_secondary_limit_without_retry_after_waits_at_least_a_minute(
    clock: Any, github_api: Any,
) -> None:
    async def scenario() -> None:
        client = make_client(clock, secondary_wait=60.0)
        throttled = github_api.response("error_403_secondary_rate_limit_2022", 403)
        assert "retry-after" not in throttled.headers
        with respx.mock(base_url=BASE) as router:
            router.get("/repos/a/b").mock(side_effect=[throttled, httpx.Response(200, json={})])
            await client.get("repos/a/b")
        assert len(clock.waits) == 1 and clock.waits[0] >= 60.0
        await client.aclose()

    run(scenario())


def test_429_is_a_throttle_even_without_a_body(clock: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock, secondary_wait=60.0)
        with respx.mock(base_url=BASE) as router:
            router.get("/x").mock(side_effect=[httpx.Response(429), httpx.Response(200)])
            reply = await client.get("x")
        assert reply.status == 200 and clock.waits[0] >= 60.0
        await client.aclose()

    run(scenario())


def test_throttling_that_outlasts_every_retry_stops_the_platform(clock: Any) -> None:
    """Still throttled after every wait: defer the rest (RateLimited), not fail one repo."""

    async def scenario() -> None:
        client = make_client(clock, attempts=3, secondary_wait=60)
        with respx.mock(base_url=BASE) as router:
            route = router.get("/repos/a/b").mock(return_value=httpx.Response(429))
            with pytest.raises(RateLimited) as caught:
                await client.get("repos/a/b")
        assert route.call_count == 3
        assert caught.value.reset_at is not None and caught.value.reset_at > clock.now()
        await client.aclose()

    run(scenario())


def test_primary_limit_with_near_reset_waits_then_retries(clock: Any, github_api: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock, max_reset_wait=300)
        spent = github_api.response(
            "error_403_primary_rate_limit_unauth_2013", 403,
            x_ratelimit_reset=epoch(clock.now() + timedelta(seconds=30)),
        )
        with respx.mock(base_url=BASE) as router:
            route = router.get("/users/x").mock(side_effect=[spent, httpx.Response(200)])
            reply = await client.get("users/x")
        assert reply.status == 200 and route.call_count == 2
        assert 30 <= clock.waits[0] <= 32
        await client.aclose()

    run(scenario())


def test_primary_limit_with_far_reset_stops_the_platform(clock: Any, github_api: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock, max_reset_wait=300)
        reset = clock.now().replace(microsecond=0) + timedelta(hours=1)
        spent = github_api.response(
            "error_403_primary_rate_limit_unauth_2013", 403, x_ratelimit_reset=epoch(reset))
        with respx.mock(base_url=BASE) as router:
            route = router.get(url__regex=r".*").mock(return_value=spent)
            with pytest.raises(RateLimited) as caught:
                await client.get("users/x")
            assert caught.value.reset_at == reset
            with pytest.raises(RateLimited):
                await client.get("users/y")
        assert route.call_count == 1 and clock.waits == []
        assert client.budget.remaining == 0 and client.budget.limit == 60
        await client.aclose()

    run(scenario())


def test_primary_limit_without_reset_header_is_rate_limited(clock: Any, github_api: Any) -> None:
    """The 2013 recording tells remaining 0 but no reset: nothing to wait for, so give up."""

    async def scenario() -> None:
        client = make_client(clock)
        spent = github_api.response("error_403_primary_rate_limit_unauth_2013", 403)
        with respx.mock(base_url=BASE) as router:
            route = router.get(url__regex=r".*").mock(return_value=spent)
            with pytest.raises(RateLimited):
                await client.get("users/x")
            with pytest.raises(RateLimited):
                await client.get("users/y")
        assert route.call_count == 1
        await client.aclose()

    run(scenario())


def test_requests_queued_behind_a_spent_budget_are_not_sent(clock: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock, concurrency=1)
        reset = epoch(clock.now() + timedelta(hours=1))
        spent = httpx.Response(403, json={"message": "API rate limit exceeded"}, headers={
            "x-ratelimit-remaining": "0", "x-ratelimit-limit": "60", "x-ratelimit-reset": reset,
        })
        async def slow_answer(request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(0.01)  # the others queue at the gate meanwhile
            return spent

        with respx.mock(base_url=BASE) as router:
            route = router.get(url__regex=r".*").mock(side_effect=slow_answer)
            outcomes = await asyncio.gather(
                *(client.get(f"repos/a/{i}") for i in range(3)), return_exceptions=True)
        assert all(isinstance(o, RateLimited) for o in outcomes)
        assert route.call_count == 1
        await client.aclose()

    run(scenario())


def test_budget_is_read_from_headers(clock: Any, github_api: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock)
        with respx.mock(base_url=BASE) as router:
            router.get("/repos/PyGithub/PyGithub").mock(
                return_value=github_api.response("repo_PyGithub-PyGithub_2025-01"))
            await client.get("repos/PyGithub/PyGithub")
        budget = client.budget
        assert (budget.limit, budget.remaining, budget.resource) == (5000, 4999, "core")
        assert budget.reset_at == datetime.fromtimestamp(1736238735, UTC)
        await client.aclose()

    run(scenario())


def test_conditional_get_answers_304_from_the_cache(
    clock: Any, cache: Any, github_api: Any,
) -> None:
    async def scenario() -> None:
        client = make_client(clock, cache=cache)
        first = github_api.response(
            "repo_PyGithub-PyGithub_2025-01", link='<https://x/?page=2>; rel="last"')
        not_modified = github_api.response("not_modified_304_2013", 304)
        with respx.mock(base_url=BASE) as router:
            route = router.get("/repos/PyGithub/PyGithub").mock(
                side_effect=[first, not_modified])
            fresh = await client.get("repos/PyGithub/PyGithub", conditional=True)
            again = await client.get("repos/PyGithub/PyGithub", conditional=True)
        assert "if-none-match" not in route.calls[0].request.headers
        etag = first.headers["etag"]
        assert route.calls[1].request.headers["if-none-match"] == etag
        assert route.calls[1].request.headers["if-modified-since"] == first.headers[
            "last-modified"]
        assert not fresh.from_cache and again.from_cache
        assert again.status == 200 and again.body == fresh.body
        assert last_page(again.headers.get("link")) == 2
        assert client.requests_made == 2
        await client.aclose()

    run(scenario())


def test_a_304_with_a_newer_link_header_updates_the_count(clock: Any, cache: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock, cache=cache)
        old = '<https://api.github.com/x?per_page=1&page=5>; rel="last"'
        new = '<https://api.github.com/x?per_page=1&page=6>; rel="last"'
        with respx.mock(base_url=BASE) as router:
            router.get("/x").mock(side_effect=[
                httpx.Response(200, json=[{"login": "a"}], headers={"etag": '"e"', "link": old}),
                httpx.Response(304, headers={"etag": '"e"', "link": new}),
            ])
            await client.get("x", conditional=True)
            reply = await client.get("x", conditional=True)
        assert reply.from_cache and last_page(reply.headers.get("link")) == 6
        await client.aclose()

    run(scenario())


def test_unconditional_get_neither_reads_nor_writes_the_cache(clock: Any, cache: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock, cache=cache)
        with respx.mock(base_url=BASE) as router:
            route = router.get("/x").mock(return_value=httpx.Response(200, headers={"etag": "1"}))
            await client.get("x")
            await client.get("x")
        assert cache.items == {} and "if-none-match" not in route.calls[1].request.headers
        await client.aclose()

    run(scenario())


def test_cache_keys_and_redacted_urls_carry_no_credentials(clock: Any, cache: Any) -> None:
    async def scenario() -> None:
        client = HttpClient(
            platform="gitee", base_url="https://gitee.com/api/v5", cache=cache,
            secret_params={"access_token": "tok-777"}, sleep=clock.sleep, now=clock.now,
        )
        with respx.mock(base_url="https://gitee.com/api/v5") as router:
            route = router.get("/repos/a/b").mock(
                return_value=httpx.Response(200, json={}, headers={"etag": '"e"'}))
            reply = await client.get("repos/a/b", {"page": 2}, conditional=True)
        sent = str(route.calls[0].request.url)
        assert "access_token=tok-777" in sent  # it is sent …
        assert "tok-777" not in reply.url  # … but never shown or stored
        assert all("tok-777" not in key and "access_token" not in key for key in cache.items)
        shown = client.redact("repos/a/b?access_token=tok-777&page=3", {"access_token": "x"})
        assert "tok-777" not in shown and "access_token" not in shown and "page=3" in shown
        await client.aclose()

    run(scenario())


def test_user_agent_is_sent(clock: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock, headers={"Accept": "application/vnd.github+json"})
        with respx.mock(base_url=BASE) as router:
            route = router.get("/zen").mock(return_value=httpx.Response(200))
            await client.get("zen")
        headers = route.calls[0].request.headers
        assert headers["user-agent"] == USER_AGENT
        assert headers["accept"] == "application/vnd.github+json"
        await client.aclose()

    run(scenario())


def test_given_back_statuses_are_not_retried(clock: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock)
        with respx.mock(base_url=BASE) as router:
            route = router.post("/graphql").mock(return_value=httpx.Response(502))
            reply = await client.post("graphql", {"query": "{}"}, give_back=(502, 504))
        assert reply.status == 502 and route.call_count == 1 and clock.waits == []
        await client.aclose()

    run(scenario())


@pytest.mark.parametrize(("link", "expected"), [
    ('<https://api.github.com/x?per_page=1&page=2>; rel="next", '
     '<https://api.github.com/x?per_page=1&page=57>; rel="last"', 57),
    ('<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; '
     'rel="first"', None),
    (None, None),
])
def test_last_page(link: str | None, expected: int | None) -> None:
    assert last_page(link) == expected


def test_reply_links_are_the_link_header_urls_by_rel() -> None:
    link = ('<https://api.github.com/x?page=2>; rel="next", '
            '<https://api.github.com/x?page=9>; rel="last"')
    reply = Reply(200, {"link": link}, b"", "https://api.github.com/x")
    assert reply.links == {"next": "https://api.github.com/x?page=2",
                           "last": "https://api.github.com/x?page=9"}
    assert Reply(200, {}, b"", "https://api.github.com/x").links == {}


def test_connection_failures_in_a_row_make_the_platform_unreachable(clock: Any) -> None:
    async def scenario() -> None:
        client = HttpClient(platform="github", base_url=closed_port_url(), concurrency=1,
                            sleep=clock.sleep, now=clock.now)
        with pytest.raises(Unreachable, match="github unreachable"):
            await client.get("repos/a/b")
        assert client.requests_made == UNREACHABLE_AFTER  # not every one of the 4 tries
        with pytest.raises(Unreachable):
            await client.get("repos/a/c")
        assert client.requests_made == UNREACHABLE_AFTER  # nothing more is sent
        await client.aclose()

    run(scenario())


def test_http_errors_never_make_a_platform_unreachable(clock: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock, attempts=4)
        with respx.mock(base_url=BASE) as router:
            router.get("/zen").mock(return_value=httpx.Response(503))
            for _ in range(2):
                with pytest.raises(Unavailable) as caught:
                    await client.get("zen")
                assert not isinstance(caught.value, Unreachable)
        assert client.requests_made == 8
        await client.aclose()

    run(scenario())


def test_an_answer_between_connection_failures_starts_the_count_again(clock: Any) -> None:
    async def scenario() -> None:
        client = make_client(clock)
        refused = httpx.ConnectError("refused")
        with respx.mock(base_url=BASE) as router:
            router.get("/zen").mock(side_effect=[
                refused, refused, httpx.Response(200, text="ok"),
                refused, refused, httpx.Response(200, text="ok"),
            ])
            for _ in range(2):
                assert (await client.get("zen")).body == b"ok"
        await client.aclose()

    run(scenario())


def test_clients_share_one_tls_context_and_load_no_ca_bundle(
    clock: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Loading the CA bundle costs ~30 ms of CPU: once per process, not once per client."""
    tls_context()  # the process's one load (whichever test comes first pays it)
    loads: list[object] = []
    real = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        loads.append(args or kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counted)
    clients = [make_client(clock), make_client(clock)]
    assert loads == []
    for client in clients:
        run(client.aclose())


def test_httpcore_finds_sniffio() -> None:
    """httpcore imports sniffio on every request; absent, each import searches all of sys.path
    and fails (15% of a collect's time), so it is a dependency of ours."""
    assert importlib.util.find_spec("sniffio") is not None
