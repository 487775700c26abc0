"""GitHub: repository metrics over GraphQL (with a token) or conditional REST (without).

Why two paths: anonymous callers have 60 REST requests an hour and no GraphQL at all, so the
anonymous path leans on conditional requests (a 304 is free); a token buys GraphQL, where one
batched query answers ~50 repos. Contributors exist only on REST, so both paths ask REST for
them, and only when the collector wants them this cycle.

GitHub's traps, kept here so no caller meets them: ``watchers_count`` is the star count (people
watching are ``subscribers_count``); ``open_issues_count`` includes pull requests; renamed repos
answer 301 to ``/repositories/{id}``, which this module follows itself (the HTTP layer does not,
so the token never follows a redirect off-host); a timed-out GraphQL batch is charged, so it is
split rather than re-sent.

Star history (:meth:`GitHub.star_history`) reads ``/stargazers/history`` (API version
2026-03-10): 30 weeks of Los Angeles days a page, newest first, conditional (a 304 is free);
GitHub Enterprise has no such endpoint and answers 404. ``/rate_limit`` is free and tells every
budget at once (:meth:`GitHub.refresh_budget`).

Kept elsewhere: the GraphQL batches (:mod:`.github_batch`), an owner's listing
(:mod:`.github_listing`), how a repo's requests chain (:mod:`.github_steps`). A target that names
its ``metrics`` costs only their requests: the repo alone for stars and forks, the repo and its
PR list for open issues, contributors alone (its id known) for contributors.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import httpx

from monitor.cached import owned_by
from monitor.clock import Clock, system_clock
from monitor.config.settings import Secret, Settings
from monitor.errors import (
    Deferred,
    MalformedResponse,
    PlatformError,
    Unavailable,
)
from monitor.ids import OwnerId
from monitor.platforms import github_graphql as gql
from monitor.platforms import github_rest as rest
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
from monitor.platforms.github_batch import GraphQL
from monitor.platforms.github_listing import OwnerLister
from monitor.platforms.github_steps import (
    Cycle,
    contributors_only,
    narrowed,
    published,
    repo_path,
    settle,
)
from monitor.platforms.http import HttpClient, HttpPlatform, Reply
from monitor.platforms.releases import PAGE_SIZE, by_publication, read_back

__all__ = ["GitHub"]

log = logging.getLogger(__name__)

_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
_REPOSITORY_ID = re.compile(r"/repositories/(\d+)(/[^?#]*)?")
#: The star-history endpoint arrived with this version (2026-09); ask for it explicitly.
HISTORY_API_VERSION = "2026-03-10"
_PACIFIC = "America/Los_Angeles"


class GitHub(HttpPlatform):
    """The GitHub platform (github.com or GitHub Enterprise)."""

    name = "github"
    history_zone = _PACIFIC
    history_newest_first = True
    history_whole_days = True

    def __init__(
        self,
        api_url: str = "https://api.github.com",
        graphql_url: str | None = None,
        token: Secret | None = None,
        *,
        timeout: float = 30.0,
        concurrency: int = 4,
        max_reset_wait: float = 300.0,
        cache: ResponseCache | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Clock = system_clock,
        batch_size: int = 50,
        recent_releases: int = gql.RECENT_RELEASES,
    ) -> None:
        self._api_url = api_url.rstrip("/")
        self._graphql_url = (graphql_url or f"{self._api_url}/graphql").rstrip("/")
        self._use_graphql = token is not None
        self._batch_size = max(batch_size, 1)
        self._now = now
        secret = {"Authorization": f"Bearer {token.reveal()}"} if token is not None else {}
        self._http = HttpClient(
            platform=self.name, base_url=self._api_url, headers=_HEADERS,
            secret_headers=secret, timeout=timeout, concurrency=concurrency,
            max_reset_wait=max_reset_wait, cache=cache, transport=transport,
            sleep=sleep, now=now,
        )
        self._graphql = GraphQL(self._http, self._graphql_url, self._contributors,
                                batch_size=batch_size, recent=recent_releases)
        self._lister = OwnerLister(self._http, self._relative,
                                   self._graphql.post if self._use_graphql else None,
                                   recent_releases)

    @classmethod
    def from_settings(
        cls, settings: Settings, cache: ResponseCache | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> GitHub:
        return cls(
            settings.github_api_url, settings.github_graphql_url, settings.github_token,
            timeout=settings.timeout, concurrency=settings.concurrency,
            max_reset_wait=settings.max_reset_wait, cache=cache, transport=transport,
            sleep=sleep, now=settings.clock, batch_size=settings.graphql_batch,
        )

    # ----------------------------------------------------------------------------- fetch

    async def fetch(self, targets: Sequence[RepoTarget]) -> list[RepoResult]:
        """Current metrics of every target, in order. With a token the GraphQL batches answer
        them, else REST; a target asking (``metrics``) only for contributors, its id known,
        costs that one request. Each result holds what its target asked for."""
        cycle, targets = Cycle(), list(targets)
        batched = [i for i, t in enumerate(targets)
                   if self._use_graphql and not contributors_only(t)]
        found: dict[int, RepoResult] = {}
        if batched:
            answers = await self._graphql.fetch([targets[i] for i in batched], cycle)
            found.update(zip(batched, answers, strict=True))
        alone = [i for i in range(len(targets)) if i not in found]
        answers = await asyncio.gather(*(self._guarded(targets[i], cycle) for i in alone))
        found.update(zip(alone, answers, strict=True))
        return [narrowed(found[i]) for i in range(len(targets))]

    async def list_owner(
        self, owner: OwnerId, on_page: PageCallback | None = None,
    ) -> OwnerListing:
        """Every public repo *owner* holds (:mod:`.github_listing`): GraphQL pages of 100 with
        a token, else conditional REST pages; each page told to *on_page* as read."""
        return await self._lister.list_owner(owner, on_page)

    async def _guarded(self, target: RepoTarget, cycle: Cycle) -> RepoResult:
        """One repo over REST; its failure is its result, a spent budget stops the cycle."""
        if cycle.stopped is not None:
            return RepoResult(target, error=cycle.stopped, deferred=True)
        try:
            work = (self._contributors_snapshot(target) if contributors_only(target)
                    else self._rest_snapshot(target))
            return RepoResult(target, snapshot=await work)
        except Deferred as exc:
            cycle.stopped = exc
            return RepoResult(target, error=exc, deferred=True)
        except PlatformError as exc:
            return RepoResult(target, error=exc)
        except httpx.HTTPError as exc:  # not retryable by the layer (e.g. a broken encoding)
            return RepoResult(target, error=Unavailable(f"{target.repo}: {type(exc).__name__}"))

    async def _rest_snapshot(self, target: RepoTarget) -> RepoSnapshot:
        """The repo, then (at once) the lists its asked metrics need: open PRs (which open
        issues need too: GitHub counts PRs as issues), releases, contributors."""
        wanted = target.wanted
        reply = await self._get(target, repo_path(target))
        snapshot = rest.repository(target, rest.repo_object(reply, target))
        if target.platform_id is None:
            with owned_by(target.repo.key):
                await self._file_by_id(reply, snapshot.platform_id)
        full = f"{snapshot.owner}/{snapshot.name}"
        prs, releases, contributors = await settle(
            self._head(target, f"repos/{full}/pulls", {"state": "open", "per_page": 1},
                       asked=bool(wanted & {"open_prs", "open_issues"})),
            self._head(target, f"repos/{full}/releases", {"per_page": 1},
                       asked="releases" in wanted),
            self._contributors(target, full),
        )
        metrics = dict(snapshot.metrics)
        issues_and_prs = metrics.pop("open_issues")
        if prs is not None:
            metrics["open_prs"] = open_prs = rest.count(prs)
            metrics["open_issues"] = max(issues_and_prs - open_prs, 0)
        if contributors is not None:
            metrics["contributors"] = contributors
        if releases is None:
            return replace(snapshot, metrics=metrics)
        metrics["releases"] = rest.count(releases)
        newest = published(rest.release_list(releases, target))
        found = await read_back(newest, metrics["releases"], target.known_releases,
                                self._release_pages(target, f"repos/{full}/releases"))
        return replace(snapshot, metrics=metrics, releases=found)

    async def _head(
        self, target: RepoTarget, path: str, params: dict[str, Any], *, asked: bool,
    ) -> Reply | None:
        """A list's first page (its length in the Link header), when a metric asked needs it."""
        return await self._get(target, path, params) if asked else None

    async def _contributors_snapshot(self, target: RepoTarget) -> RepoSnapshot:
        """A repo whose identity the collector knows, asked for contributors alone: one
        request (none if they are not wanted this cycle); no creation time is told."""
        assert target.platform_id is not None
        count = await self._contributors(target, target.repo.full_name)
        return RepoSnapshot(
            repo=target.repo, platform_id=target.platform_id, owner=target.repo.owner,
            name=target.repo.name, created_at=None,
            metrics={} if count is None else {"contributors": count},
        )

    async def _file_by_id(self, reply: Reply, platform_id: int) -> None:
        """From the next cycle on the repo is asked for by id (a rename cannot lose it); file the
        validators just earned by name under that URL too, or its first answer there would be a
        charged 200 instead of a free 304 (the body, and so GitHub's ETag, is the same)."""
        cache = self._http.cache
        entry = await cache.get(reply.url) if cache is not None else None
        if cache is not None and entry is not None:
            cache.put(self._http.redact(f"repositories/{platform_id}"), entry)

    async def _contributors(self, target: RepoTarget, full_name: str) -> int | None:
        """Contributors (anonymous included) from one conditional page of one; None: no data.

        GitHub refuses the list (403) for the very largest histories; that is no data, not a
        broken repo."""
        if "contributors" not in target.wanted:
            return None
        reply = await self._follow(
            target, f"repos/{full_name}/contributors", {"per_page": 1, "anon": 1})
        if reply.status == 204:  # an empty repository (no commits): nobody contributed yet
            return 0
        if reply.status == 403 and b"too large" in reply.body:
            log.info("contributors list too large repo=%s", target.repo)
            return None
        rest.check(reply, target)
        return rest.count(reply)

    # --------------------------------------------------------------------------- releases

    async def releases(self, repo: RepoTarget) -> list[Release]:
        path = (f"repositories/{repo.platform_id}/releases" if repo.platform_id is not None
                else f"repos/{repo.repo.full_name}/releases")
        found: dict[str, Release] = {}
        async for page in self._release_pages(repo, path):
            for release in page:
                found.setdefault(release.tag, release)
        return by_publication(found.values())

    async def _release_pages(
        self, target: RepoTarget, path: str,
    ) -> AsyncGenerator[list[Release], None]:
        """The published releases of each page of 100, newest created first, following Link."""
        reply = await self._get(target, path, {"per_page": PAGE_SIZE})
        yield published(rest.release_list(reply, target))
        while (next_page := reply.links.get("next")) is not None:
            reply = await self._get(target, self._relative(next_page), conditional=False)
            yield published(rest.release_list(reply, target))

    # ------------------------------------------------------------------------ star history

    async def star_history(self, repo: RepoTarget, page: int) -> HistoryPage:
        """Page ``page`` (1 = the newest 30 weeks) as stars per Los Angeles day, every day up
        to today there included (zeros too), none after. Asked by name (a 301 after a rename
        is followed); conditional, so an unchanged page is a free 304 (``from_cache``)."""
        if page < 1:
            raise ValueError(f"pages start at 1, not {page}")
        reply = await self._follow(
            repo, f"repos/{repo.repo.full_name}/stargazers/history",
            {"per_page": rest.HISTORY_PER_PAGE, "page": page},
            conditional=True, headers={"X-GitHub-Api-Version": HISTORY_API_VERSION},
        )
        rest.check_history(reply, repo, page)
        today = self._now().astimezone(ZoneInfo(_PACIFIC)).date()
        return rest.star_history(reply, repo, page, today)

    @property
    def star_count_batch(self) -> int:
        """Repos one :meth:`star_counts` request answers: a GraphQL batch with a token, one
        (a conditional REST request) without."""
        return self._batch_size if self._use_graphql else 1

    async def star_counts(self, repos: Sequence[RepoTarget]) -> list[int | None]:
        """The stars each repo has now (``None``: not told), what backfill checks the stored
        history against. With a token ``stargazerCount`` over GraphQL, ``star_count_batch``
        repos a query (one point); without, the repo itself over conditional REST, asked as
        collect asks it, so the answer is a 304 when nothing changed since either read it.
        Raises :class:`~monitor.errors.Deferred` and what spoils a whole GraphQL batch."""
        if not self._use_graphql:
            return list(await asyncio.gather(*(self._rest_star_count(t) for t in repos)))
        found: list[int | None] = []
        for start in range(0, len(repos), self._batch_size):
            chunk = repos[start:start + self._batch_size]
            payload = {"query": gql.star_count_query(len(chunk)),
                       "variables": gql.variables(chunk)}
            reply = await self._graphql.post(payload, ())
            rest.check_call(reply, "GraphQL")
            found += gql.star_counts(chunk, gql.answer(reply)["data"])
        return found

    async def _rest_star_count(self, target: RepoTarget) -> int | None:
        try:
            reply = await self._get(target, repo_path(target))
            return rest.repository(target, rest.repo_object(reply, target)).metrics["stars"]
        except Deferred:
            raise
        except PlatformError as exc:  # gone, blocked, another repo under the name: not told
            log.info("star count unknown repo=%s reason=%s", target.repo, exc)
            return None

    async def refresh_budget(self) -> Budget:
        """The tightest budget this platform spends (core, and GraphQL with a token), read
        from ``/rate_limit``: free, and answered even when the budget is spent. A server
        without rate limiting (GitHub Enterprise answers 404) leaves what headers told."""
        # Its own resource name: a spent core budget must not hold back this free request.
        reply = await self._http.get("rate_limit", resource="rate_limit")
        if reply.status == 404:
            return self.budget
        rest.check_call(reply, "rate_limit")
        wanted = ("core", "graphql") if self._use_graphql else ("core",)
        budgets = rest.rate_limits(reply, wanted)
        for budget in budgets:
            assert budget.resource is not None
            self._http.budgets[budget.resource] = budget
        known = [b for b in budgets if b.remaining is not None]
        return min(known, key=lambda b: b.remaining or 0) if known else self.budget

    # ------------------------------------------------------------------------------ REST

    async def _get(
        self, target: RepoTarget, path: str, params: dict[str, Any] | None = None,
        *, conditional: bool = True,
    ) -> Reply:
        """GET, following one 301 (a renamed or transferred repo) on this API only."""
        reply = await self._follow(target, path, params, conditional=conditional)
        rest.check(reply, target)
        return reply

    async def _follow(
        self, target: RepoTarget, path: str, params: dict[str, Any] | None = None,
        *, conditional: bool = True, headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """GET, following one 301 (a renamed or transferred repo) on this API only; the
        status is the caller's to judge. What it caches belongs to *target*."""
        with owned_by(target.repo.key):
            reply = await self._http.get(path, params, conditional=conditional, headers=headers)
            if reply.status == 301:
                location = reply.headers.get("location", "")
                moved = _REPOSITORY_ID.search(urlparse(location).path)
                if moved is None:
                    raise MalformedResponse(f"{target.repo}: moved to an unexpected place")
                log.info("repo moved repo=%s to=repositories/%s", target.repo, moved[1])
                reply = await self._http.get(
                    f"repositories/{moved[1]}{moved[2] or ''}", params, conditional=conditional,
                    headers=headers,
                )
        return reply

    def _relative(self, url: str) -> str:
        """A Link URL as a path under the API base, so it never leaves this host."""
        if not url.startswith(self._api_url + "/"):
            raise MalformedResponse("a pagination link points off the API host")
        return url[len(self._api_url) + 1:]
