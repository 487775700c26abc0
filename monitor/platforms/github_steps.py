"""GitHub: how one fetch call's requests for a repo are chained, and what they may return.

Kept apart from :mod:`monitor.platforms.github` (the client) because it is the same for the
REST and GraphQL paths: a cycle that stops when the budget is spent, one more request for a repo
the batch answered, and trimming a snapshot to the metrics the target asked for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import httpx

from monitor.errors import Deferred, PlatformError, Unauthorized, Unavailable
from monitor.platforms.base import Release, RepoResult, RepoSnapshot, RepoTarget

__all__ = [
    "BATCH_METRICS", "Cycle", "contributors_only", "done", "narrowed", "published", "repo_path",
    "settle", "step",
]

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")

#: What the GraphQL batch (or, without a token, the repo request and its lists) reads.
BATCH_METRICS = frozenset({"stars", "forks", "watchers", "open_issues", "open_prs", "releases"})


@dataclass
class Cycle:
    """One fetch call's shared state: once the budget is spent (or the host unreachable) or the
    token refused, nothing more is sent (the rest is deferred, or shares the refusal)."""

    stopped: Deferred | None = None  # why the rest is deferred
    refused: Unauthorized | None = None


def repo_path(target: RepoTarget) -> str:
    """The repo's REST path: by id once known (a rename cannot lose it), else by name."""
    if target.platform_id is not None:
        return f"repositories/{target.platform_id}"
    return f"repos/{target.repo.full_name}"


def contributors_only(target: RepoTarget) -> bool:
    """Whether the target asks nothing the batch reads and its identity is known already, so
    the contributors request (if wanted at all) is all it costs."""
    return (target.metrics is not None and target.platform_id is not None
            and not target.wanted & BATCH_METRICS)


def narrowed(result: RepoResult) -> RepoResult:
    """The result with only the metrics its target asked for (every one when it asked for
    all), and release rows only when it asked for releases."""
    snapshot, target = result.snapshot, result.target
    if snapshot is None or target.metrics is None:
        return result
    wanted = target.wanted
    metrics = {k: v for k, v in snapshot.metrics.items() if k in wanted}
    releases = snapshot.releases if "releases" in wanted else ()
    return replace(result, snapshot=replace(snapshot, metrics=metrics, releases=releases))


def published(page: list[Release | None]) -> list[Release]:
    return [r for r in page if r is not None]


async def done(result: RepoResult) -> RepoResult:
    return result


async def step(
    result: RepoResult, cycle: Cycle,
    work: Callable[[RepoSnapshot, RepoTarget], Awaitable[RepoSnapshot]],
) -> RepoResult:
    """One more request for a repo the batch answered: its failure is that repo's, a spent
    budget defers it (and stops the cycle)."""
    snapshot, target = result.snapshot, result.target
    if snapshot is None:
        return result
    if cycle.stopped is not None:
        return RepoResult(target, error=cycle.stopped, deferred=True)
    try:
        return replace(result, snapshot=await work(snapshot, target))
    except Deferred as exc:
        cycle.stopped = exc
        return RepoResult(target, error=exc, deferred=True)
    except PlatformError as exc:
        return RepoResult(target, error=exc)
    except httpx.HTTPError as exc:
        return RepoResult(target, error=Unavailable(f"{target.repo}: {type(exc).__name__}"))


async def settle(
    first: Awaitable[A], second: Awaitable[B], third: Awaitable[C],
) -> tuple[A, B, C]:
    """Await all three before raising, so no request is left running unobserved; a spent
    budget outranks any other failure (it decides deferral)."""
    a, b, c = await asyncio.gather(first, second, third, return_exceptions=True)
    failures = [r for r in (a, b, c) if isinstance(r, BaseException)]
    if failures:
        raise next((f for f in failures if isinstance(f, Deferred)), failures[0])
    assert not isinstance(a, BaseException) and not isinstance(b, BaseException)
    assert not isinstance(c, BaseException)
    return a, b, c
