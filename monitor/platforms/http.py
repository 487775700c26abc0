"""The HTTP layer every platform shares: retries, rate-limit budget, conditional requests.

Why one layer: the failure modes are the same on every forge — flaky networks, 5xx bursts,
throttling with or without ``Retry-After``, budgets announced in headers — and every platform
module should only have to say what its JSON means.

* Connection errors, timeouts and 5xx are retried with exponential backoff and jitter (tenacity),
  a bounded number of times; then :class:`~monitor.errors.Unavailable`, or, after
  :data:`UNREACHABLE_AFTER` connection failures in a row, :class:`~monitor.errors.Unreachable`.
* Secondary limits (403/429 with ``Retry-After`` or a "secondary rate limit" body) wait as told,
  else at least ``secondary_wait`` seconds, backing off.
* The primary budget is read from ``x-ratelimit-*`` on every answer. When it is spent the client
  waits for the reset if it is within ``max_reset_wait``, else raises
  :class:`~monitor.errors.RateLimited` — without sending anything more to that platform.
* GET requests can be conditional: validators and bodies live in a :class:`ResponseCache`, so a
  304 (which GitHub does not charge) is answered from the cache, across restarts. Of a listing
  page the cache keeps what its reader reads (:class:`ListFields`).
* Credentials are headers or parameters given at construction; they are stripped from every cache
  key, error message and log line.

What comes back is a :class:`Reply` (with the Link header's paging: :func:`last_page`), from
:mod:`monitor.platforms._reply`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import ssl
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
)

from monitor import __version__
from monitor.clock import Clock, system_clock
from monitor.errors import RateLimited, Unavailable, Unreachable
from monitor.platforms._reply import ListFields, Reply, last_page, parse_links
from monitor.platforms.base import Budget, CachedResponse, ResponseCache

__all__ = [
    "UNREACHABLE_AFTER", "USER_AGENT", "HttpClient", "HttpPlatform", "ListFields", "Reply",
    "last_page", "parse_links", "tls_context",
]

log = logging.getLogger(__name__)

USER_AGENT = f"aoss-monitor/{__version__} (+https://github.com/aoss-monitor/aoss-monitor)"
#: Connection failures in a row after which a platform is unreachable for the rest of the cycle.
UNREACHABLE_AFTER = 3
_PAGING_HEADERS = ("link", "total_count", "total_page")
_KEPT_HEADERS = (*_PAGING_HEADERS, "content-type")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings every client shares: httpx's default verification (certifi's CAs, or
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set), built once per process. Building it loads
    the CA bundle, about 30 ms of CPU, which every client of every run would pay again."""
    return httpx.create_ssl_context()


class _Retry(Exception):
    """A response worth trying again (5xx, a secondary limit), with the wait it asked for."""

    def __init__(self, reason: str, wait: float | None = None, *, throttled: bool = False):
        super().__init__(reason)
        self.wait = wait
        self.throttled = throttled


@dataclass
class HttpClient:
    """One platform's HTTP client. Create one per platform per cycle; close it after."""

    platform: str
    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    secret_params: Mapping[str, str] = field(default_factory=dict, repr=False)
    secret_headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    timeout: float = 30.0
    concurrency: int = 4
    attempts: int = 4
    backoff: float = 1.0  # first retry wait, doubled each time, with jitter
    backoff_max: float = 60.0
    secondary_wait: float = 60.0
    max_reset_wait: float = 300.0
    cache: ResponseCache | None = None
    transport: httpx.AsyncBaseTransport | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    now: Clock = system_clock
    throttled: Callable[[int, Mapping[str, str], bytes], bool] | None = None

    def __post_init__(self) -> None:
        self.requests_made = 0
        self._throttled_until: datetime | None = None
        self._connect_failures = 0  # in a row; any answer starts the count again
        self._unreachable: str | None = None  # why, once the platform is taken as unreachable
        self.budgets: dict[str, Budget] = {}
        self._gate = asyncio.Semaphore(self.concurrency)
        self._client = httpx.AsyncClient(
            base_url=self.base_url.rstrip("/") + "/",
            headers={"User-Agent": USER_AGENT, **self.headers, **self.secret_headers},
            timeout=self.timeout,
            verify=tls_context(),
            transport=self.transport,
            follow_redirects=False,
        )

    @property
    def budget(self) -> Budget:
        """The tightest budget seen on any resource of this platform."""
        known = [b for b in self.budgets.values() if b.remaining is not None]
        return min(known, key=lambda b: b.remaining or 0) if known else Budget()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(
        self, path: str, params: Mapping[str, Any] | None = None, *,
        conditional: bool = False, resource: str = "core",
        headers: Mapping[str, str] | None = None, keep: ListFields | None = None,
    ) -> Reply:
        """GET ``path``. ``headers`` are sent with this request only: they must hold nothing
        secret (credentials belong in ``secret_headers``) and are not part of the cache key, so
        a conditional URL must be asked with the same ones every time (an ETag may vary with
        them). *keep*: of a JSON list answer, the fields the cache keeps (a 304's reply has
        only those; a 200's has the whole body)."""
        cached = None
        key = self.redact(path, params)
        if conditional and self.cache is not None:
            cached = await self.cache.get(self.cache_key(path, params, keep))
        extra: dict[str, str] = dict(headers or {})
        if cached is not None:
            if cached.etag:
                extra["If-None-Match"] = cached.etag
            if cached.last_modified:
                extra["If-Modified-Since"] = cached.last_modified
        reply = await self._send("GET", path, params, None, extra, resource)
        if reply.status == 304 and cached is not None:
            # A 304 may carry fresher paging headers (a count read from Link or total_count
            # can change while the first item, and so the body, stays the same).
            fresh = {h: reply.headers[h] for h in _PAGING_HEADERS if h in reply.headers}
            headers = {**cached.headers, **fresh}
            return Reply(cached.status, headers, cached.body, key, from_cache=True)
        if conditional and self.cache is not None and reply.status == 200:
            etag, modified = reply.headers.get("etag"), reply.headers.get("last-modified")
            if etag or modified:
                kept = {h: reply.headers[h] for h in _KEPT_HEADERS if h in reply.headers}
                body = reply.body if keep is None else keep.keep(reply.body)
                self.cache.put(self.cache_key(path, params, keep),
                               CachedResponse(etag, modified, 200, kept, body))
        return reply

    def cache_key(
        self, path: str, params: Mapping[str, Any] | None = None, keep: ListFields | None = None,
    ) -> str:
        """What a conditional GET's answer is cached under: its redacted URL, and the fields
        kept of it where only some are."""
        key = self.redact(path, params)
        return key if keep is None else f"{key}#fields={keep.tag}"

    async def post(
        self, path: str, payload: Any, *, resource: str = "core",
        give_back: Collection[int] = (),
    ) -> Reply:
        """POST; statuses in ``give_back`` are returned, not retried (the caller reshapes them:
        GitHub charges a timed-out GraphQL query, so re-sending it unchanged wastes budget)."""
        return await self._send("POST", path, None, payload, {}, resource, give_back)

    def redact(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The URL as it may be shown or stored: credentials removed."""
        public = {k: v for k, v in (params or {}).items() if k not in self.secret_params}
        url = path if "://" in path else f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"
        if "?" in url:
            url, _, query = url.partition("?")
            pairs = [p for p in query.split("&") if p.split("=")[0] not in self.secret_params]
            query = "&".join(pairs + ([urlencode(public)] if public else []))
            return f"{url}?{query}" if query else url
        return f"{url}?{urlencode(public)}" if public else url

    async def _send(
        self, method: str, path: str, params: Mapping[str, Any] | None, payload: Any,
        extra: dict[str, str], resource: str, give_back: Collection[int] = (),
    ) -> Reply:
        shown = self.redact(path, params)
        retrying = AsyncRetrying(
            retry=retry_if_exception_type((_Retry, httpx.TransportError)),
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            sleep=self.sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(
                        method, path, params, payload, extra, resource, shown, give_back,
                    )
        except httpx.TransportError as exc:
            reason = type(exc).__name__
            raise Unavailable(f"{shown}: {reason} after {self.attempts} tries") from None
        except _Retry as exc:
            if exc.throttled:
                # Still throttled after every wait: the platform wants us gone for now, so the
                # caller defers its remaining repos instead of failing them one by one.
                reset_at = self.now() + timedelta(seconds=exc.wait or self.secondary_wait)
                self._throttled_until = reset_at
                raise RateLimited(
                    f"{self.platform} kept throttling ({exc}) after {self.attempts} tries",
                    reset_at,
                ) from None
            raise Unavailable(f"{shown}: {exc} after {self.attempts} tries") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        """Backoff with jitter; a secondary limit's own wait (Retry-After) wins if longer."""
        exponential = min(self.backoff * 2 ** (state.attempt_number - 1), self.backoff_max)
        wait = exponential * (0.5 + random.random() / 2)
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _Retry) and failure.wait is not None:
            wait = max(wait, failure.wait)
        return float(wait)

    async def _once(
        self, method: str, path: str, params: Mapping[str, Any] | None, payload: Any,
        extra: dict[str, str], resource: str, shown: str, give_back: Collection[int] = (),
    ) -> Reply:
        query = {**(params or {}), **self.secret_params} or None
        async with self._gate:
            # Checked inside the gate: requests queued behind a spent budget must not go out.
            await self._respect_budget(resource, shown)
            self.requests_made += 1
            log.debug("request platform=%s method=%s url=%s", self.platform, method, shown)
            try:
                response = await self._client.request(
                    method, path.lstrip("/") if "://" not in path else path,
                    params=query, json=payload, headers=extra,
                )
            except httpx.TransportError as exc:
                self._transport_failed(exc)
                raise
            self._connect_failures = 0
        body = response.content
        headers = {k.lower(): v for k, v in response.headers.items()}
        self._read_budget(headers, resource)
        status = response.status_code
        log.debug("response platform=%s status=%s url=%s", self.platform, status, shown)
        if status in (403, 429) and self._is_throttled(status, headers, body):
            budget = self.budgets.get(headers.get("x-ratelimit-resource", resource))
            retry_after = _retry_after(headers, self.now())
            if budget is not None and budget.remaining == 0 and retry_after is None:
                await self._wait_for_reset(budget, shown)
                raise _Retry("rate limit reset", 0)
            raise _Retry(
                f"throttled ({status})", retry_after or self.secondary_wait, throttled=True
            )
        if status >= 500 and status not in give_back:
            raise _Retry(f"HTTP {status}", _retry_after(headers, self.now()))
        return Reply(status, headers, body, shown)

    def _transport_failed(self, error: httpx.TransportError) -> None:
        """Count connection failures in a row (the host never reached: refused, DNS, connect
        timeout). At :data:`UNREACHABLE_AFTER` the platform is unreachable for the rest of the
        cycle: one log line, then :class:`~monitor.errors.Unreachable` and nothing more sent."""
        if not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
            self._connect_failures = 0  # the host was reached (a read timeout, a reset)
            return
        self._connect_failures += 1
        if self._connect_failures < UNREACHABLE_AFTER:
            return
        if self._unreachable is None:
            failed = f"{type(error).__name__} {self._connect_failures} times in a row"
            self._unreachable = f"{self.platform} unreachable: {failed}"
            log.warning("platform.unreachable platform=%s error=%r: nothing more is sent to it "
                        "this cycle, its remaining repos wait for the next", self.platform, failed)
        raise Unreachable(self._unreachable) from None

    def _is_throttled(self, status: int, headers: Mapping[str, str], body: bytes) -> bool:
        if self.throttled is not None:
            return self.throttled(status, headers, body)
        if status == 429:
            return True  # "Too Many Requests" is a throttle whatever the body says
        if headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers:
            return True
        text = body[:2000].decode("utf-8", "replace").lower()
        return "rate limit" in text or "abuse" in text

    def _read_budget(self, headers: Mapping[str, str], resource: str) -> None:
        if "x-ratelimit-remaining" not in headers:
            return
        name = headers.get("x-ratelimit-resource", resource)
        try:
            reset = headers.get("x-ratelimit-reset")
            seen = Budget(
                limit=int(headers["x-ratelimit-limit"]) if "x-ratelimit-limit" in headers else None,
                remaining=int(headers["x-ratelimit-remaining"]),
                reset_at=datetime.fromtimestamp(int(reset), UTC) if reset else None,
                resource=name,
            )
        except ValueError:
            log.warning("unreadable rate-limit headers platform=%s", self.platform)
            return
        # Concurrent answers arrive out of order: within one window the lowest count is current.
        known = self.budgets.get(name)
        if (known is None or known.remaining is None or seen.remaining is None
                or known.reset_at != seen.reset_at or seen.remaining <= known.remaining):
            self.budgets[name] = seen

    async def _respect_budget(self, resource: str, shown: str) -> None:
        if self._unreachable is not None:
            raise Unreachable(self._unreachable)  # sent nothing: the next cycle tries again
        if self._throttled_until is not None and self.now() < self._throttled_until:
            # Throttled without a budget header (Gitee): keep away until the wait is over.
            raise RateLimited(f"{self.platform} is throttling us", self._throttled_until)
        budget = self.budgets.get(resource)
        if budget is None or budget.remaining != 0:
            return
        if budget.reset_at is not None and budget.reset_at <= self.now():
            return  # a new window has begun; the next answer will tell
        await self._wait_for_reset(budget, shown)

    async def _wait_for_reset(self, budget: Budget, shown: str) -> None:
        """Sleep until a near reset, or give up on this platform for now."""
        reset_at = budget.reset_at
        if reset_at is None:
            raise RateLimited(f"{self.platform} rate limit spent", None)
        delay = (reset_at - self.now()).total_seconds()
        if delay > self.max_reset_wait:
            raise RateLimited(
                f"{self.platform} rate limit spent until {reset_at:%Y-%m-%d %H:%M:%SZ}", reset_at
            )
        log.info("rate limit spent platform=%s waiting=%.0fs", self.platform, max(delay, 0))
        await self.sleep(max(delay, 0) + 1)
        budget.remaining = None  # unknown until the next answer


def _retry_after(headers: Mapping[str, str], now: datetime) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max((when - now).total_seconds(), 0.0)


class HttpPlatform:
    """What every platform built on one :class:`HttpClient` reports the same way."""

    _http: HttpClient

    @property
    def requests_made(self) -> int:
        return self._http.requests_made

    @property
    def budget(self) -> Budget:
        return self._http.budget

    async def aclose(self) -> None:
        await self._http.aclose()
