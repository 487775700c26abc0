"""One collection cycle: list the owners, settle the membership, ask each platform, store.

Why it is shaped like this:

* The owners' listings come first (:mod:`monitor.commands.listings`): they decide membership
  and are the cheapest read of their repos. The membership they give (with the named repos) is
  stored in one write, joins and leaves at the cycle's start; then every member is collected.
  A repo a listing showed takes its metrics from it and asks only what it lacks and is due
  (:mod:`monitor.commands.targets`); any other repo is fetched as before.
* Platforms run concurrently (they have separate budgets); within a platform, members go in
  batches of ``graphql_batch`` and each batch is written in **one transaction with one
  ``observed_at``** (the cycle's start), so a kill mid-cycle leaves whole batches only and a
  re-run cannot write the same observation twice.
* A repo's failure is recorded against that repo; a spent budget, or a host that refused a few
  connections in a row (the network is down), defers the platform's remaining repos to the next
  cycle (deferred is not failed). Nothing one repo does aborts the cycle: a
  batch the database refuses fails that batch's repos with the database's reason
  (``storage_error``), and a platform's work that breaks fails that platform's remaining repos.
  A listed repo whose extra metrics could not be read is still collected from its listing.
* Concurrency is structured: the platforms' work, and each platform's fetches ahead, are tasks of
  a ``TaskGroup``, so the cycle returns only when all of them have ended, and database work runs
  in worker threads (:mod:`monitor.store.threads`), never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session

from monitor.clock import Clock
from monitor.commands.early import EarlyWrites, read_stored, snapshot_rows
from monitor.commands.listings import ListingPhase, list_owners
from monitor.commands.outcomes import (
    CycleSummary,
    Outcome,
    OwnerOutcome,
    ProgressCallback,
    deferral_reason,
    error_kind,
)
from monitor.commands.plan import Member, in_config_order, member_keys, member_rows, select
from monitor.commands.targets import Item, Known, Planner
from monitor.config.members import assign
from monitor.config.repos import Tracked
from monitor.config.settings import Settings
from monitor.errors import MonitorError, PlatformError, StorageError, internal_error
from monitor.ids import OwnerId, RepoId
from monitor.platforms import PlatformFactory, open_platform
from monitor.platforms.base import Platform, RepoResult, RepoSnapshot, RepoTarget
from monitor.store.cache import StoreCache
from monitor.store.cache import prune as prune_cache
from monitor.store.db import Database
from monitor.store.failing import prune_errors
from monitor.store.series import (
    ObservationIn,
    ReleaseIn,
    RunPlatformIn,
    finish_run,
    record_identity,
    record_repo_error,
    start_run,
    write_collected,
)

__all__ = [
    "CycleSummary", "Outcome", "OwnerOutcome", "ProgressCallback", "collect", "error_kind",
]

log = logging.getLogger(__name__)


async def collect(
    settings: Settings,
    database: Database,
    tracked: Tracked,
    only: Sequence[RepoId | OwnerId] = (),
    *,
    platform_factory: PlatformFactory = open_platform,
    progress: ProgressCallback | None = None,
    now: Clock | None = None,
) -> CycleSummary:
    """Run one cycle for every member (or those *only* names: repos, and owners, which name
    all their repos and are listed); returns what happened. An id not tracked is an
    :class:`~monitor.errors.InputError`, raised before anything is asked or stored.

    Platforms are opened by *platform_factory* (given the cycle's cache, so ETags persist across
    restarts; tests and benchmarks inject their own) when first needed, and closed afterwards.
    "Now" is the settings' clock; a *now* given replaces it, for the platforms too.
    """
    if now is not None:
        settings = replace(settings, clock=now)
    now = settings.clock
    started = now().replace(microsecond=0)
    listed = await database.read(member_keys) if any(
        isinstance(item, RepoId) for item in only) else frozenset()
    selection = select(tracked, only, listed)
    summary = CycleSummary(observed_at=started)
    run_id = await database.write(start_run, "collect", started)
    cache = StoreCache(database)
    opened: dict[str, Platform] = {}

    def platform(name: str) -> Platform:
        if name not in opened:
            opened[name] = platform_factory(name, settings, cache)
        return opened[name]

    def planner(known: Known) -> Planner:
        return Planner(known, started, contributors_every=settings.contributors_every,
                       details_every=settings.details_every)

    completed = False  # a cycle cut short (crash, Ctrl-C, cancel) is recorded as interrupted
    kept: list[str] | None = None
    try:
        try:
            # What planning needs is read while the owners are listed, and members a listing
            # page settles are stored while the next page is read (monitor.commands.early).
            async with asyncio.TaskGroup() as first:
                reading = first.create_task(database.read(read_stored))
                early = EarlyWrites(database, tracked, reading, planner, started, first)
                listing = first.create_task(
                    list_owners(selection.listed_owners(tracked), platform, early.page))
        except ExceptionGroup as group:  # the read failed (listings fail owner by owner)
            raise group.exceptions[0] from None
        listings, stored = listing.result(), reading.result()
        summary.owners = listings.outcomes
        members = await database.write(_begin, tracked, listings, started)
        wanted = selection.order(members)
        plan = planner(stored.known).plan(early.left_of(wanted, summary.outcomes), listings)
        keys = _keys(members, plan)
        async with asyncio.TaskGroup() as platforms:
            for name, items in plan.items():
                platforms.create_task(_collect_platform(
                    database, cache, platform(name), items, run_id, summary,
                    settings.graphql_batch, settings.concurrency, progress, now,
                ))
        kept = keys
        completed = True
    finally:
        for name, opened_platform in opened.items():
            summary.requests[name] = opened_platform.requests_made
            summary.budgets[name] = opened_platform.budget
            await opened_platform.aclose()
        await database.write(
            _finish, cache, run_id, summary.outcome if completed else "interrupted", [
                RunPlatformIn(name, summary.requests.get(name, 0), budget.remaining,
                              budget.limit, budget.reset_at)
                for name, budget in summary.budgets.items()
            ], now(), kept)
    in_config_order(summary.outcomes, [member.repo for member in wanted])
    return summary


def _keys(members: Sequence[Member], plan: dict[str, list[Item]]) -> list[str]:
    """What every member's cached answers are filed under: the key it is a member by, its
    current name's, and the one its fetch used."""
    keys = {key for m in members for key in (m.repo.key, m.current.key)}
    keys.update(item.target.repo.key for items in plan.values() for item in items
                if item.target is not None)
    return sorted(keys)


def _finish(
    session: Session, cache: StoreCache, run_id: int, outcome: str,
    platforms: list[RunPlatformIn], at: datetime, member_keys: list[str] | None,
) -> None:
    """Record the run's end, with the answers cached since the last batch (every member may
    have been stored early); after a whole cycle (*member_keys* given), keep only what later
    cycles, status and reports still need: the cached answers of the members now (an owner's
    listing belongs to no repo, so it stays while it is used) and the errors still told."""
    cache.flush(session, at)
    finish_run(session, run_id, outcome, platforms, at)
    if member_keys is not None:
        prune_cache(session, member_keys, at)
        prune_errors(session, at)


def _begin(
    session: Session, tracked: Tracked, listings: ListingPhase, started: datetime,
) -> list[Member]:
    """Store the membership the listings give (named repos, listed ones; owners unlisted keep
    their members); returns every member now."""
    return member_rows(session, tracked, assign(tracked, listings.listings), started)


#: Members whose listing told all that is due, written per transaction: they wait on no request.
LISTED_PER_WRITE = 1000


async def _collect_platform(
    database: Database,
    cache: StoreCache,
    platform: Platform,
    items: list[Item],
    run_id: int,
    summary: CycleSummary,
    batch_size: int,
    in_flight: int,
    progress: ProgressCallback | None,
    now: Clock,
) -> None:
    """Fetch ahead while earlier batches are written, so the network never waits on the disk.

    Members with nothing to ask (their listing told all that is due) are written first, in big
    batches, while the first fetches are in flight. Batches are written in order, one at a time,
    each in its own transaction in a worker thread (the event loop keeps serving the requests in
    flight meanwhile). Whatever breaks here fails this platform's remaining repos, never another
    platform's.
    """
    told = [item for item in items if item.target is None]
    asking = [item for item in items if item.target is not None]
    batches = ([told[i : i + LISTED_PER_WRITE] for i in range(0, len(told), LISTED_PER_WRITE)]
               + [asking[i : i + batch_size] for i in range(0, len(asking), batch_size)])
    # As many batches at once as requests (each batch's query, or its first requests, can go out
    # together); the HTTP layer bounds the requests themselves.
    gate = asyncio.Semaphore(in_flight)
    stopped: list[RepoResult] = []  # deferred results: the platform stopped for the cycle

    async def fetch(batch: list[Item]) -> list[RepoResult | None]:
        targets = [item.target for item in batch if item.target is not None]
        results: list[RepoResult] = []
        if targets:
            async with gate:
                results = await _fetch(platform, targets, stopped)
        # The budget is gone or the host unreachable: later batches ask nothing more this cycle.
        stopped.extend(result for result in results if result.deferred)
        answers = iter(results)
        return [next(answers) if item.target is not None else None for item in batch]

    # The ids, read now: a write rolled back leaves its rows' attributes expired.
    ids = {item.repo: item.row.id for item in items}
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
    batch: list[Item],
    results: list[RepoResult | None],
    ids: dict[RepoId, int],
    run_id: int,
    observed_at: datetime,
    now: Clock,
) -> list[Outcome]:
    """Write one batch; a batch the database refuses fails its repos with the reason."""
    try:
        return await database.write(_store_batch, cache, batch, results, run_id, observed_at, now)
    except StorageError as exc:
        repos = [item.repo for item in batch]
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


def _merged(item: Item, result: RepoResult | None) -> tuple[RepoSnapshot | None, str | None]:
    """The snapshot to store for *item*, and why some of it is missing: its listing with what
    the fetch added (the fetch never tells identity then), or what the fetch found."""
    if item.listed is None:
        return (result.snapshot if result is not None else None), None
    if result is None:
        return item.listed, None
    if result.snapshot is None:
        why = (deferral_reason(result.error) if result.deferred
               else str(result.error or "no result"))
        log.warning("collect.details_missing repo=%s reason=%s", item.repo, why)
        return item.listed, f"from its owner's listing only ({why})"
    added = result.snapshot
    return replace(item.listed, metrics={**item.listed.metrics, **added.metrics},
                   releases=item.listed.releases + added.releases), None


def _store_batch(
    session: Session,
    cache: StoreCache,
    batch: list[Item],
    results: list[RepoResult | None],
    run_id: int,
    observed_at: datetime,
    now: Clock,
) -> list[Outcome]:
    """Write one batch — values, releases, identities, errors, validators — atomically."""
    outcomes: list[Outcome] = []
    values: list[ObservationIn] = []
    releases: list[tuple[int, ReleaseIn]] = []
    with session.begin_nested():
        for item, result in zip(batch, results, strict=True):
            row = item.row
            snap, note = _merged(item, result)
            if snap is not None:
                kept = record_identity(session, row, snap.platform_id, snap.owner, snap.name,
                                       snap.created_at)
                found, told = snapshot_rows(kept.id, snap, observed_at)
                values += found
                releases += told
                renamed = (f"{snap.repo.platform}:{snap.owner}/{snap.name}"
                           if snap.renamed and item.member.via is None else None)
                if renamed:
                    log.warning("collect.renamed repo=%s now=%s (config/repos.toml left as is)",
                                item.repo, renamed)
                outcomes.append(Outcome(item.repo, "collected", note, renamed_to=renamed))
            elif result is not None and result.deferred:
                reason = deferral_reason(result.error)
                record_repo_error(session, run_id, row.id, "deferred", reason, observed_at)
                outcomes.append(Outcome(item.repo, "deferred", reason))
            else:
                error = (result.error if result is not None else None) or PlatformError(
                    "no result")
                record_repo_error(session, run_id, row.id, error_kind(error), str(error),
                                  observed_at)
                log.warning("collect.failed repo=%s kind=%s reason=%s", item.repo,
                            error_kind(error), error)
                outcomes.append(Outcome(item.repo, "failed", str(error)))
        write_collected(session, values, releases)
        cache.flush(session, now())
    return outcomes

