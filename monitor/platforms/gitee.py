"""Gitee API v5: current metrics and releases of ``gitee:OWNER/NAME`` repos.

What Gitee's API does, from public sources (Gitee publishes no rate-limit or error document):

* Token: the ``access_token`` query parameter on every operation (TypeScript types generated
  from gitee.com/api/v5/swagger). Lists take ``page``/``per_page`` (max 100) and answer
  ``total_count``/``total_page`` headers (GitLab's Gitee importer, ``Gitee::Page#total_page``;
  many scripts). No recorded Gitee headers exist (../shared/real-api/SOURCES.md: perceval's
  are hand-written), so a missing ``total_count`` falls back to paging.
* Repo JSON (recording repo_willemjiang-camel-on-cloud_2020_perceval.json): stargazers 2,
  forks 1, watchers 3 — real watchers; times in +08:00. ``open_issues_count`` is
  "开启的 issue 数量": pull requests are a separate kind on Gitee (numbered 1, 2…; issues
  "I1DACG"), so it is issues only. ``namespace.path``/``path`` are the URL segments;
  ``name`` is a display name.
* Missing repo: 404 ``{"message":"Not Found Project"}`` (a Gitee client's measured probe notes).
  v5 has no lookup by id, and no source shows a renamed repo's answer: a redirect inside the
  API is followed once, a 404 is NotFound.
* Throttling is undocumented: clients report bare 403s when polling often and treat 429 as
  rate limiting; no ``x-ratelimit-*`` header is reported (:mod:`.http` reads it if sent). So:
  429 always, 403 only with such a header, ``Retry-After`` or a body saying so; any other
  403 is :class:`Blocked`, never retried. Default concurrency 2.
* ``contributors``: no paging parameters (swagger: only ``type``, committers by default, or
  authors); items ``{name, email, contributions}`` are git identities, so nothing is
  "anonymous". ``type=authors`` is nearest to GitHub's commit authors; the length is the count.
* ``releases``: paged, ascending unless ``direction=desc`` ("不填为升序"); items carry
  tag_name, name, prerelease, created_at — no ``draft``, no ``published_at``: created_at is
  the publication time and every listed release counts.
* ETag/Last-Modified: unknown (nothing recorded); conditional requests are harmless without.
* ``stargazers``: user objects plus ``star_at`` (ISO 8601, +08:00; swagger-derived types), paged
  like every list; probably oldest first, which nothing documents, so nothing relies on it. The
  list holds today's stargazers only: a withdrawn star is gone. Star history counts them per
  Asia/Shanghai day (Gitee's own calendar); a day can straddle two pages.
* No budget endpoint: the budget is whatever headers told (usually nothing).

An owner's listing (:meth:`Gitee.list_owner`) is :mod:`.gitee_listing`. A target that names its
``metrics`` costs only their requests: no repo object when none of its four counts is asked and
the id is known (``{"open_prs", "releases"}``: the PR count and the release head, no more).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import httpx

from monitor.cached import owned_by
from monitor.clock import Clock, system_clock
from monitor.config.settings import Secret, Settings
from monitor.errors import (
    Blocked,
    Deferred,
    MalformedResponse,
    NotFound,
    PlatformError,
    RateLimited,
    Unauthorized,
)
from monitor.ids import OwnerId, RepoId, web_base
from monitor.platforms import gitee_json, gitee_listing
from monitor.platforms.base import (
    Budget,
    HistoryPage,
    OwnerListing,
    PageCallback,
    Release,
    RepoResult,
    RepoSnapshot,
    RepoTarget,
    ResponseCache,
)
from monitor.platforms.gitee_json import is_throttling
from monitor.platforms.http import HttpClient, HttpPlatform, Reply
from monitor.platforms.releases import by_publication, read_back

__all__ = ["DEFAULT_CONCURRENCY", "Gitee", "is_throttling"]

log = logging.getLogger(__name__)

#: Gitee publishes no limits, so stay gentle: two requests in flight at most by default.
DEFAULT_CONCURRENCY = 2
PER_PAGE = 100
_SHANGHAI = "Asia/Shanghai"  # the calendar star-history days are counted in
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
class Gitee(HttpPlatform):
    """The :class:`~monitor.platforms.base.Platform` for gitee.com (or a Gitee v5 host)."""

    name = "gitee"
    history_zone = _SHANGHAI
    history_newest_first = False
    history_whole_days = False
    #: Never asked: every stargazer page tells the list's length (``total_count``) for free.
    star_count_batch = 0

    def __init__(
        self,
        api_url: str = "https://gitee.com/api/v5",
        token: Secret | None = None,
        *,
        timeout: float = 30.0,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_reset_wait: float = 300.0,
        cache: ResponseCache | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Clock = system_clock,
    ):
        self._api_url = api_url.rstrip("/")
        self._token = token
        self._http = HttpClient(
            platform=self.name,
            base_url=self._api_url,
            secret_params={"access_token": token.reveal()} if token else {},
            timeout=timeout,
            concurrency=concurrency,
            max_reset_wait=max_reset_wait,
            cache=cache,
            transport=transport,
            sleep=sleep,
            now=now,
            throttled=is_throttling,
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, cache: ResponseCache | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> Gitee:
        """The shared concurrency setting is sized for GitHub; Gitee gets at most 2 of it."""
        return cls(
            settings.gitee_api_url,
            settings.gitee_token,
            timeout=float(settings.timeout),
            concurrency=min(settings.concurrency, DEFAULT_CONCURRENCY),
            max_reset_wait=float(settings.max_reset_wait),
            cache=cache,
            transport=transport,
            sleep=sleep,
            now=settings.clock,
        )

    async def fetch(self, targets: Sequence[RepoTarget]) -> list[RepoResult]:
        """Every repo at once: the layer's concurrency bound keeps Gitee from seeing a burst."""
        # Throttled for good or unreachable: why; whatever has not started is deferred.
        stopped: list[Deferred] = []
        return list(await asyncio.gather(*(self._guarded(t, stopped) for t in targets)))

    async def _guarded(self, target: RepoTarget, stopped: list[Deferred]) -> RepoResult:
        if stopped:
            return RepoResult(target, error=stopped[0], deferred=True)
        try:
            with owned_by(target.repo.key):
                return RepoResult(target, snapshot=await self._snapshot(target))
        except Deferred as exc:
            if not stopped and isinstance(exc, RateLimited):  # an unreachable host: logged
                log.warning("gitee throttled, deferring the rest of the cycle: %s", exc)
            stopped.append(exc)
            return RepoResult(target, error=stopped[0], deferred=True)
        except PlatformError as exc:
            return RepoResult(target, error=exc)
        except Exception as exc:  # a bug must not cost the other repos their cycle
            log.exception("unexpected failure repo=%s", target.repo)
            error = MalformedResponse(f"{target.repo}: unexpected {type(exc).__name__}")
            return RepoResult(target, error=error)

    async def list_owner(
        self, owner: OwnerId, on_page: PageCallback | None = None,
    ) -> OwnerListing:
        """Every repo *owner* holds, with stars, forks, watchers and open issues
        (:mod:`.gitee_listing`); conditional pages of 100, each told to *on_page* as read."""
        return await gitee_listing.list_owner(self._http, owner, self._check, on_page)

    async def releases(self, repo: RepoTarget) -> list[Release]:
        base = gitee_json.repo_path(repo.repo.owner, repo.repo.name)
        with owned_by(repo.repo.key):
            items = await self._list_all(f"{base}/releases", {"direction": "desc"})
        web = self._web_url(repo.repo.owner, repo.repo.name)
        return by_publication(gitee_json.release(item, web) for item in items)

    # -- star history ---------------------------------------------------------------------

    async def star_counts(self, repos: Sequence[RepoTarget]) -> list[int | None]:
        """Not told apart: each history page tells the count (``HistoryPage.total``)."""
        return [None] * len(repos)

    async def star_history(self, repo: RepoTarget, page: int) -> HistoryPage:
        """Page ``page`` of the stargazer list (``per_page`` 100) as stars per Shanghai day.
        Only days with stars appear; ``last`` comes from ``total_page``, else from a short
        page."""
        if page < 1:
            raise ValueError(f"pages start at 1, not {page}")
        path = f"{gitee_json.repo_path(repo.repo.owner, repo.repo.name)}/stargazers"
        params = {"page": page, "per_page": PER_PAGE}
        with owned_by(repo.repo.key):
            reply = await self._get(path, params)
            if reply.status in _REDIRECTS:
                moved = self._api_path(reply.headers.get("location"))
                if moved is None:
                    raise MalformedResponse(
                        f"{reply.url}: redirected ({reply.status}) off the API"
                    )
                reply = await self._get(moved, params)
        self._check(reply)
        items = gitee_json.items(reply)
        stars = tuple(gitee_json.stargazer(item, str(reply.url)) for item in items)
        zone = ZoneInfo(_SHANGHAI)
        days = Counter(star.starred_at.astimezone(zone).date() for star in stars)
        pages = reply.header_int("total_page")
        last = not items or (page >= pages if pages is not None else len(items) < PER_PAGE)
        return HistoryPage(
            page=page, days=dict(days), last=last, pages=pages, from_cache=reply.from_cache,
            stars=stars, total=reply.header_int("total_count"),
        )

    async def refresh_budget(self) -> Budget:
        """Gitee has no budget endpoint: what headers told, usually nothing."""
        return self.budget

    # -- one repo -------------------------------------------------------------------------

    async def _snapshot(self, target: RepoTarget) -> RepoSnapshot:
        """The repo object (unless only its lists are asked and its id is known), then at once
        the lists the asked metrics need: open PRs, releases, contributors."""
        wanted = target.wanted
        snapshot = await self._identity(target)
        owner, name = snapshot.owner, snapshot.name
        base = gitee_json.repo_path(owner, name)
        try:
            async with asyncio.TaskGroup() as group:
                prs = group.create_task(self._open_prs(base)) if "open_prs" in wanted else None
                head = group.create_task(self._release_head(
                    base, self._web_url(owner, name), target.known_releases,
                )) if "releases" in wanted else None
                people = (group.create_task(self._contributors(base))
                          if "contributors" in wanted else None)
        except ExceptionGroup as failed:
            raise gitee_json.most_telling(failed) from None
        count, latest = head.result() if head is not None else (None, ())
        found = {
            "open_prs": prs.result() if prs is not None else None,
            "releases": count,
            "contributors": people.result() if people is not None else None,
        }
        metrics = {k: v for k, v in snapshot.metrics.items() if k in wanted}
        metrics.update({k: v for k, v in found.items() if v is not None})
        return replace(snapshot, metrics=metrics, releases=latest)

    async def _identity(self, target: RepoTarget) -> RepoSnapshot:
        """The repo object's identity and counts; with ``metrics`` asking none of those counts
        and the id known, the target's own identity, for no request (no creation time)."""
        counts = {"stars", "forks", "watchers", "open_issues"}
        if target.metrics is not None and target.platform_id is not None and not (
            target.wanted & counts
        ):
            repo = target.repo
            return RepoSnapshot(repo, target.platform_id, repo.owner, repo.name, None, {})
        data = await self._repo_json(target.repo)
        owner, name = gitee_json.current_name(data, target.repo)
        return RepoSnapshot(
            repo=target.repo,
            platform_id=gitee_json.platform_id(data),
            owner=owner,
            name=name,
            created_at=gitee_json.time(data.get("created_at")),
            metrics=gitee_json.repo_metrics(data),
        )

    async def _repo_json(self, repo: RepoId) -> dict[str, Any]:
        """The repo object, following one redirect inside the API (a rename, perhaps)."""
        reply = await self._get(gitee_json.repo_path(repo.owner, repo.name))
        if reply.status in _REDIRECTS:
            moved = self._api_path(reply.headers.get("location"))
            if moved is None:
                raise MalformedResponse(f"{reply.url}: redirected ({reply.status}) off the API")
            reply = await self._get(moved)
        self._check(reply)
        data = reply.json()
        if not isinstance(data, dict):
            raise MalformedResponse(f"{reply.url}: expected a repository object")
        return data

    async def _open_prs(self, base: str) -> int | None:
        return await self._count(f"{base}/pulls", {"state": "open"})

    async def _release_head(
        self, base: str, web: str, known: frozenset[str],
    ) -> tuple[int | None, tuple[Release, ...]]:
        """The release count from one tiny page (``total_count``), and every release back to
        the known ones: pages of 100 are read only when that page shows something new (without
        a count, the whole list, which is then the count too)."""
        path, params = f"{base}/releases", {"direction": "desc"}
        reply = await self._page(path, params, page=1, per_page=1)
        total = reply.header_int("total_count")
        if total is None:
            every = [gitee_json.release(item, web) for item in await self._list_all(path, params)]
            return len(every), tuple(by_publication(every))

        async def pages() -> AsyncGenerator[list[Release], None]:
            page = 0
            while True:
                page += 1
                more = await self._page(path, params, page=page, per_page=PER_PAGE)
                items = gitee_json.items(more)
                yield [gitee_json.release(item, web) for item in items]
                told = more.header_int("total_page")
                if not items or (page >= told if told is not None else len(items) < PER_PAGE):
                    return

        first = [gitee_json.release(item, web) for item in gitee_json.items(reply)]
        return total, await read_back(first, total, known, pages())

    async def _contributors(self, base: str) -> int | None:
        """The length of the (unpaged) list. An empty repo: ``[]`` as far as anyone shows (Gitee
        documents nothing); a bodiless 204, GitHub's answer, would mean none just the same."""
        reply = await self._get(f"{base}/contributors", {"type": "authors"})
        if reply.status == 204:
            return 0
        self._check(reply)
        items = gitee_json.items(reply)
        total = reply.header_int("total_count")
        return max(total, len(items)) if total is not None else len(items)

    # -- paging ----------------------------------------------------------------------------

    async def _count(self, path: str, params: Mapping[str, Any]) -> int:
        """``total_count`` of a one-item page; paging through the list only if it is absent."""
        reply = await self._page(path, params, page=1, per_page=1)
        total = reply.header_int("total_count")
        if total is not None:
            return total
        return len(await self._list_all(path, params))

    async def _list_all(self, path: str, params: Mapping[str, Any]) -> list[Any]:
        """Every item: ``total_page`` says when to stop, else a short page does."""
        first = await self._page(path, params, page=1, per_page=PER_PAGE)
        items = gitee_json.items(first)
        pages = first.header_int("total_page")
        page, size = 1, len(items)
        while (page < pages) if pages is not None else size == PER_PAGE:
            page += 1
            more = gitee_json.items(await self._page(path, params, page=page, per_page=PER_PAGE))
            if not more:
                break
            items.extend(more)
            size = len(more)
        return items

    async def _page(
        self, path: str, params: Mapping[str, Any], *, page: int, per_page: int
    ) -> Reply:
        reply = await self._get(path, {**params, "page": page, "per_page": per_page})
        self._check(reply)
        return reply

    # -- HTTP ------------------------------------------------------------------------------

    async def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Reply:
        return await self._http.get(path, params, conditional=True)

    def _check(self, reply: Reply) -> None:
        """Gitee's refusals as the monitor's errors, each naming the (redacted) URL."""
        status = reply.status
        if status == 200:
            return
        message = self._scrub(gitee_json.message(reply.body)) or f"HTTP {status}"
        text = f"{reply.url}: {message}"
        if status == 404:
            raise NotFound(text)
        if status == 401:
            raise Unauthorized(text)
        if status in (403, 451):
            raise Blocked(text)
        raise PlatformError(f"{text} (HTTP {status})")

    def _scrub(self, text: str) -> str:
        """Belt and braces: an error body never carries the token onwards."""
        secret = self._token.reveal() if self._token else ""
        return text.replace(secret, "***") if secret else text

    def _api_path(self, location: str | None) -> str | None:
        """A redirect target as a path under the API base, or None if it leaves the API."""
        if not location:
            return None
        target, base = urlsplit(urljoin(self._api_url + "/", location)), urlsplit(self._api_url)
        prefix = base.path.rstrip("/") + "/repos/"
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            return None
        if not target.path.startswith(prefix):
            return None
        return target.path[len(base.path.rstrip("/")) + 1:]  # the query (maybe a token) is dropped

    def _web_url(self, owner: str, name: str) -> str:
        return RepoId(self.name, owner, name).web_url(web_base(self.name, self._api_url))
