"""One collection cycle: plan the targets, ask each platform, store what came back.

Why it is shaped like this:

* Platforms run concurrently (they have separate budgets); within a platform, targets go in
  batches of ``graphql_batch`` and each batch is written in **one transaction with one
  ``observed_at``** (the cycle's start), so a kill mid-cycle leaves whole batches only and a
  re-run cannot write the same observation twice.
* A repo's failure is recorded against that repo; a spent budget, or a host that refused a few
  connections in a row (the network is down), defers the platform's remaining repos to the next
  cycle (deferred is not failed). Nothing one repo does aborts the cycle: a
  batch the database refuses fails that batch's repos with the database's reason
  (``storage_error``), and a platform's work that breaks fails that platform's remaining repos.
* Concurrency is structured: the platforms' work, and each platform's fetches ahead, are tasks of
  a ``TaskGroup``, so the cycle returns only when all of them have ended, and database work runs
  in worker threads (:mod:`monitor.store.threads`), never on the event loop.
* Contributors are the one metric GitHub's GraphQL lacks and costs a REST call per repo, so they
  are refreshed on their own cadence: only repos whose last count is older than
  ``contributors_every`` ask for them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlmodel import Session

from monitor.clock import Clock
from monitor.commands.plan import in_config_order, tracked_rows
from monitor.config.repos import Tracked
from monitor.config.settings import Settings
from monitor.errors import (
    Deferred,
    MonitorError,
    PlatformError,
    StorageError,
    internal_error,
)
from monitor.ids import RepoId
from monitor.platforms import PlatformFactory, open_platform
from monitor.platforms.base import Budget, Platform, RepoResult, RepoTarget
from monitor.store.cache import StoreCache
from monitor.store.cache import prune as prune_cache
from monitor.store.db import Database
from monitor.store.failing import prune_errors
from monitor.store.models import Repo
from monitor.store.series import (
    ObservationIn,
    ReleaseIn,
    RunPlatformIn,
    finish_run,
    last_observed_by_repo,
    record_identity,
    record_repo_error,
    release_tags,
    start_run,
    upsert_release_rows,
    write_observations,
)

__all__ = ["CycleSummary", "Outcome", "ProgressCallback", "collect", "error_kind"]

log = logging.getLogger(__name__)

Status = Literal["collected", "deferred", "failed"]
#: Called after each stored batch: (platform, repos done, repos planned on that platform).
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Outcome:
    repo: RepoId
    status: Status
    reason: str | None = None
    renamed_to: str | None = None


@dataclass
class CycleSummary:
    observed_at: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    budgets: dict[str, Budget] = field(default_factory=dict)

    def having(self, status: Status) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def outcome(self) -> str:
        """The run's outcome as stored: ok, partial (some failed or deferred) or failed."""
        if not self.outcomes or all(o.status == "collected" for o in self.outcomes):
            return "ok"
        if any(o.status == "collected" for o in self.outcomes):
            return "partial"
        return "failed"


def _deferral_reason(why: PlatformError | None) -> str:
    """Why a repo was deferred, as stored and shown: as the error that stopped its platform says
    (:attr:`~monitor.errors.Deferred.deferral`)."""
    cause = why.deferral if isinstance(why, Deferred) else "rate limit spent"
    return f"{cause}; deferred to the next cycle"


def error_kind(error: MonitorError) -> str:
    """``NotFound`` → ``not_found``: the reason class as ``status`` shows it."""
    name = type(error).__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


async def collect(
    settings: Settings,
    database: Database,
    tracked: Tracked,
    only: Sequence[RepoId] = (),
    *,
    platform_factory: PlatformFactory = open_platform,
    progress: ProgressCallback | None = None,
    now: Clock | None = None,
) -> CycleSummary:
    """Run one cycle for every tracked repo (or those in *only*); returns what happened.

    Platforms are opened by *platform_factory* (given the cycle's cache, so ETags persist across
    restarts; tests and benchmarks inject their own) and closed afterwards. "Now" is the
    settings' clock; a *now* given replaces it, for the platforms too (one clock per cycle).
    """
    if now is not None:
        settings = replace(settings, clock=now)
    now = settings.clock
    started = now().replace(microsecond=0)
    summary = CycleSummary(observed_at=started)
    wanted = tracked.select(only)
    rows, contributors_seen, known_releases, run_id = await database.write(
        _begin, tracked, wanted, started)
    fresh_after = started - timedelta(seconds=settings.contributors_every)

    plan: dict[str, list[tuple[RepoTarget, Repo]]] = {}
    for repo_id, row in rows:
        assert row.id is not None
        seen = contributors_seen.get(row.id)
        target = RepoTarget(repo_id, row.platform_id, seen is None or seen <= fresh_after,
                            known_releases.get(row.id, frozenset()))
        plan.setdefault(repo_id.platform, []).append((target, row))

    cache = StoreCache(database)
    opened: dict[str, Platform] = {}
    completed = False  # a cycle cut short (crash, Ctrl-C, cancel) is recorded as interrupted
    try:
        for name in plan:
            opened[name] = platform_factory(name, settings, cache)
        async with asyncio.TaskGroup() as platforms:
            for name, items in plan.items():
                platforms.create_task(_collect_platform(
                    database, cache, opened[name], items, run_id, summary,
                    settings.graphql_batch, progress, now,
                ))
        completed = True
    finally:
        for name, platform in opened.items():
            summary.requests[name] = platform.requests_made
            summary.budgets[name] = platform.budget
            await platform.aclose()
        await database.write(
            _finish, run_id, summary.outcome if completed else "interrupted", [
                RunPlatformIn(name, summary.requests.get(name, 0), budget.remaining,
                              budget.limit, budget.reset_at)
                for name, budget in summary.budgets.items()
            ], now(), [repo_id.key for repo_id in tracked.repos()] if completed else None)
    in_config_order(summary.outcomes, wanted)
    return summary


def _finish(
    session: Session, run_id: int, outcome: str, platforms: list[RunPlatformIn],
    at: datetime, tracked_keys: list[str] | None,
) -> None:
    """Record the run's end; after a whole cycle (*tracked_keys* given), keep only what later
    cycles, status and reports still need."""
    finish_run(session, run_id, outcome, platforms, at)
    if tracked_keys is not None:
        prune_cache(session, tracked_keys, at)
        prune_errors(session, at)


def _begin(
    session: Session, tracked: Tracked, wanted: Sequence[RepoId], started: datetime,
) -> tuple[list[tuple[RepoId, Repo]], dict[int, datetime], dict[int, frozenset[str]], int]:
    """The cycle's repos with their rows, what it needs to know of them, and its run's id."""
    rows = tracked_rows(session, tracked, wanted, started)
    contributors_seen = last_observed_by_repo(session, "contributors")
    known_releases = release_tags(session, [row.id for _, row in rows if row.id is not None])
    return rows, contributors_seen, known_releases, start_run(session, "collect", started)


#: Batches of one platform being fetched at once: the next batch's query goes out while the
#: previous one's contributors are still in flight; the HTTP layer bounds the requests.
BATCHES_IN_FLIGHT = 2


async def _collect_platform(
    database: Database,
    cache: StoreCache,
    platform: Platform,
    items: list[tuple[RepoTarget, Repo]],
    run_id: int,
    summary: CycleSummary,
    batch_size: int,
    progress: ProgressCallback | None,
    now: Clock,
) -> None:
    """Fetch ahead while earlier batches are written, so the network never waits on the disk.

    Batches are written in order, one at a time, each in its own transaction in a worker thread
    (the event loop keeps serving the requests in flight meanwhile). Whatever breaks here fails
    this platform's remaining repos, never another platform's.
    """
    batches = [items[i : i + batch_size] for i in range(0, len(items), batch_size)]
    gate = asyncio.Semaphore(BATCHES_IN_FLIGHT)
    stopped: list[RepoResult] = []  # deferred results: the platform stopped for the cycle

    async def fetch(batch: list[tuple[RepoTarget, Repo]]) -> list[RepoResult]:
        async with gate:
            results = await _fetch(platform, [target for target, _ in batch], stopped)
        # The budget is gone or the host unreachable: later batches ask nothing more this cycle.
        stopped.extend(result for result in results if result.deferred)
        return results

    # The ids, read now: a write rolled back leaves its rows' attributes expired.
    ids = {target.repo: _id(row) for target, row in items}
    done = 0
    try:
        async with asyncio.TaskGroup() as ahead:
            fetching = [ahead.create_task(fetch(batch)) for batch in batches]
            for batch, fetched in zip(batches, fetching, strict=True):
                results = await fetched
                summary.outcomes.extend(await _store(
                    database, cache, batch, results, ids, run_id, summary.observed_at, now))
                done += len(batch)
                _report(progress, platform.name, done, len(items))
    except Exception as exc:  # a bug in this platform's work must not end the other platforms'
        log.exception("collect.platform_error platform=%s", platform.name)
        finished = {o.repo for o in summary.outcomes}
        while isinstance(exc, ExceptionGroup):  # the TaskGroup's wrapping: say what broke
            exc = exc.exceptions[0]
        failure = internal_error(exc)
        summary.outcomes.extend(await _fail(
            database, {repo: i for repo, i in ids.items() if repo not in finished}, run_id,
            summary.observed_at, failure))


async def _store(
    database: Database,
    cache: StoreCache,
    batch: list[tuple[RepoTarget, Repo]],
    results: list[RepoResult],
    ids: dict[RepoId, int],
    run_id: int,
    observed_at: datetime,
    now: Clock,
) -> list[Outcome]:
    """Write one batch; a batch the database refuses fails its repos with the reason."""
    try:
        return await database.write(_store_batch, cache, batch, results, run_id, observed_at, now)
    except StorageError as exc:
        repos = [target.repo for target, _ in batch]
        log.error("collect.storage_error repos=%s reason=%r", ",".join(map(str, repos)), str(exc))
        return await _fail(database, {repo: ids[repo] for repo in repos}, run_id, observed_at,
                           exc)


async def _fail(
    database: Database,
    repos: dict[RepoId, int],
    run_id: int,
    observed_at: datetime,
    error: MonitorError,
) -> list[Outcome]:
    """*repos* (with their row ids) failed with *error*: recorded for ``status`` where the
    database still lets us."""
    kind, reason = error_kind(error), str(error)
    try:
        await database.write(_record_errors, list(repos.values()), run_id, kind, reason,
                             observed_at)
    except StorageError as exc:
        log.error("collect.unrecorded repos=%d reason=%r", len(repos), str(exc))
    return [Outcome(repo, "failed", reason) for repo in repos]


def _record_errors(
    session: Session, repo_ids: list[int], run_id: int, kind: str, reason: str,
    observed_at: datetime,
) -> None:
    with session.begin_nested():
        for repo_id in repo_ids:
            record_repo_error(session, run_id, repo_id, kind, reason, observed_at)


def _report(progress: ProgressCallback | None, platform: str, done: int, total: int) -> None:
    if progress is not None:
        progress(platform, done, total)


async def _fetch(
    platform: Platform, targets: list[RepoTarget], stopped: Sequence[RepoResult],
) -> list[RepoResult]:
    if stopped:  # the platform stopped on an earlier batch: ask nothing more this cycle
        why = stopped[0].error
        return [RepoResult(target, error=why, deferred=True) for target in targets]
    try:
        return await platform.fetch(targets)
    except Exception as exc:  # a bug in a platform module must not end the cycle
        log.exception("collect.platform_error platform=%s", platform.name)
        failure = internal_error(exc)
        return [RepoResult(target, error=failure) for target in targets]


def _store_batch(
    session: Session,
    cache: StoreCache,
    batch: list[tuple[RepoTarget, Repo]],
    results: list[RepoResult],
    run_id: int,
    observed_at: datetime,
    now: Clock,
) -> list[Outcome]:
    """Write one batch — values, releases, identities, errors, validators — atomically."""
    outcomes: list[Outcome] = []
    values: list[ObservationIn] = []
    releases: list[tuple[int, ReleaseIn]] = []
    with session.begin_nested():
        for (target, row), result in zip(batch, results, strict=True):
            assert row.id is not None
            if result.snapshot is not None:
                snap = result.snapshot
                kept = record_identity(session, row, snap.platform_id, snap.owner, snap.name,
                                       snap.created_at)
                assert kept.id is not None
                values.extend(ObservationIn(kept.id, metric, observed_at, value, "collected")
                              for metric, value in snap.metrics.items())
                releases.extend(
                    (kept.id, ReleaseIn(r.tag, r.name, r.published_at, r.prerelease, r.url))
                    for r in snap.releases
                )
                renamed = f"{snap.repo.platform}:{snap.owner}/{snap.name}" if snap.renamed else None
                if renamed:
                    log.warning("collect.renamed repo=%s now=%s (config/repos.toml left as is)",
                                target.repo, renamed)
                outcomes.append(Outcome(target.repo, "collected", renamed_to=renamed))
            elif result.deferred:
                reason = _deferral_reason(result.error)
                record_repo_error(session, run_id, row.id, "deferred", reason, observed_at)
                outcomes.append(Outcome(target.repo, "deferred", reason))
            else:
                error = result.error or PlatformError("no result")
                record_repo_error(session, run_id, row.id, error_kind(error), str(error),
                                  observed_at)
                log.warning("collect.failed repo=%s kind=%s reason=%s", target.repo,
                            error_kind(error), error)
                outcomes.append(Outcome(target.repo, "failed", str(error)))
        write_observations(session, values)
        upsert_release_rows(session, releases)
        cache.flush(session, now())
    return outcomes


def _id(row: Repo) -> int:
    assert row.id is not None
    return row.id
