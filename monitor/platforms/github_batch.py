"""GitHub GraphQL for one client: its POSTs, and the batches that fetch repos with a token.

One query of ~50 aliased repos (:func:`.github_graphql.build_query`) answers what REST needs three
requests a repo for; contributors exist only on REST, so they are asked there for the repos that
want them. A timed-out batch (502/504) is charged, so it is split rather than re-sent; a spent
budget answers HTTP 200 with ``RATE_LIMITED``, which marks the budget spent.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx

from monitor.errors import Deferred, PlatformError, RateLimited, Unauthorized, Unavailable
from monitor.platforms import github_graphql as gql
from monitor.platforms import github_rest as rest
from monitor.platforms.base import Budget, Release, RepoResult, RepoSnapshot, RepoTarget
from monitor.platforms.github_steps import Cycle, done, step
from monitor.platforms.http import HttpClient, Reply
from monitor.platforms.releases import read_back, settled

__all__ = ["GraphQL"]

log = logging.getLogger(__name__)

_TIMED_OUT = (502, 504)  # GraphQL queries over 10 s; charged, so split instead of re-sent
#: Contributors of a repo (by its current OWNER/NAME) when its target wants them, else None.
Contributors = Callable[[RepoTarget, str], Awaitable[int | None]]


class GraphQL:
    """The GraphQL endpoint at *url*, POSTed through *http* (whose budgets it keeps)."""

    def __init__(
        self, http: HttpClient, url: str, contributors: Contributors, *,
        batch_size: int, recent: int,
    ) -> None:
        self._http, self._url, self._count_contributors = http, url, contributors
        self._batch_size, self._recent = max(batch_size, 1), recent

    async def fetch(self, targets: list[RepoTarget], cycle: Cycle) -> list[RepoResult]:
        """Every target through batches of ``batch_size``; a batch that times out is split."""
        results: dict[int, RepoResult] = {}
        indexed = list(enumerate(targets))
        queue = deque(
            indexed[i:i + self._batch_size] for i in range(0, len(indexed), self._batch_size)
        )
        while queue:
            batch = queue.popleft()
            if cycle.refused is not None:
                results.update((i, RepoResult(t, error=cycle.refused)) for i, t in batch)
                continue
            if cycle.stopped is not None:
                why = cycle.stopped
                results.update((i, RepoResult(t, error=why, deferred=True)) for i, t in batch)
                continue
            outcome = await self._batch(batch, cycle)
            if outcome is None:  # timed out: halves are cheaper than the same query again
                middle = len(batch) // 2
                queue.extendleft([batch[middle:], batch[:middle]])
                continue
            results.update(await self._with_contributors(batch, outcome, cycle))
        return [results[i] for i in range(len(targets))]

    async def _batch(
        self, batch: list[tuple[int, RepoTarget]], cycle: Cycle,
    ) -> list[RepoResult] | None:
        """Metrics of one batch; None asks the caller to split it."""
        chunk = [t for _, t in batch]
        payload = {"query": gql.build_query(len(chunk), self._recent),
                   "variables": gql.variables(chunk)}
        give_back = _TIMED_OUT if len(chunk) > 1 else ()
        try:
            reply = await self.post(payload, give_back)
            if reply.status in _TIMED_OUT:
                log.info("github GraphQL batch of %d timed out; splitting it", len(chunk))
                return None
            rest.check_call(reply, "GraphQL")
            body = gql.answer(reply)
        except Deferred as exc:
            cycle.stopped = exc
            return [RepoResult(t, error=exc, deferred=True) for t in chunk]
        except Unauthorized as exc:
            cycle.refused = exc  # every later batch would be refused the same way
            return [RepoResult(t, error=exc) for t in chunk]
        except PlatformError as exc:
            return [RepoResult(t, error=exc) for t in chunk]
        except httpx.HTTPError as exc:
            failure = Unavailable(f"github GraphQL: {type(exc).__name__}")
            return [RepoResult(t, error=failure) for t in chunk]
        errors = gql.alias_errors(body)
        results = [gql.repo_result(t, body["data"], errors, i) for i, t in enumerate(chunk)]
        return list(await asyncio.gather(*(
            self._older_releases(result, gql.release_cursor(body["data"], i), cycle)
            for i, result in enumerate(results)
        )))

    async def post(self, payload: dict[str, Any], give_back: Sequence[int]) -> Reply:
        """POST once more after a RATE_LIMITED answer: the HTTP layer then waits for a near
        reset, or raises RateLimited without sending when the reset is far."""
        for _ in range(2):
            reply = await self._http.post(
                self._url, payload, resource="graphql", give_back=give_back,
            )
            if reply.status != 200 or not gql.rate_limited(gql.json_object(reply)):
                return reply
            self._mark_spent(reply)
        raise RateLimited("github GraphQL rate limit spent", self._http.budgets["graphql"].reset_at)

    def _mark_spent(self, reply: Reply) -> None:
        reset = reply.header_int("x-ratelimit-reset")
        budget = self._http.budgets.setdefault("graphql", Budget(resource="graphql"))
        budget.remaining = 0
        if reset is not None:
            budget.reset_at = datetime.fromtimestamp(reset, UTC)

    async def _with_contributors(
        self, batch: list[tuple[int, RepoTarget]], outcome: list[RepoResult], cycle: Cycle,
    ) -> list[tuple[int, RepoResult]]:
        async def add(snapshot: RepoSnapshot, target: RepoTarget) -> RepoSnapshot:
            count = await self._count_contributors(target, f"{snapshot.owner}/{snapshot.name}")
            if count is None:
                return snapshot
            return replace(snapshot, metrics={**snapshot.metrics, "contributors": count})

        added = await asyncio.gather(*(
            step(r, cycle, add) if "contributors" in r.target.wanted else done(r) for r in outcome
        ))
        return [(i, r) for (i, _), r in zip(batch, added, strict=True)]

    async def _older_releases(
        self, result: RepoResult, cursor: str | None, cycle: Cycle,
    ) -> RepoResult:
        """Read a repo's releases on from the batch's first page, over GraphQL, until they
        meet the stored ones (usually not needed: no request then; never when the target did
        not ask for releases)."""
        snapshot, known = result.snapshot, result.target.known_releases
        if cursor is None or snapshot is None or "releases" not in result.target.wanted:
            return result
        if settled([r.tag for r in snapshot.releases], known, snapshot.metrics.get("releases")):
            return result

        async def pages(full: RepoSnapshot) -> AsyncGenerator[list[Release], None]:
            after: str | None = cursor
            while after is not None:
                payload = {"query": gql.RELEASES_QUERY,
                           "variables": {"owner": full.owner, "name": full.name, "after": after}}
                reply = await self.post(payload, ())
                rest.check_call(reply, "GraphQL")
                page, after = gql.releases_of(result.target, gql.answer(reply))
                yield page

        async def read(snapshot: RepoSnapshot, target: RepoTarget) -> RepoSnapshot:
            found = await read_back(snapshot.releases, snapshot.metrics.get("releases"),
                                    target.known_releases, pages(snapshot))
            return replace(snapshot, releases=found)

        return await step(result, cycle, read)
