"""Backfill: rebuild each repo's daily star history (and its release count) from the platforms.

Why it is shaped like this:

* The platforms give history as pages of stars *still present* (GitHub's star-history weeks,
  Gitee's stargazer list with ``star_at``). What the pages show is kept in the store by what it
  is (a week, a stargazer) as it arrives, so a first backfill of a large repo can be split
  across runs by a budget share, survives a crash or restart, and resumes at the next page.
* A value needs every older star, so the series is rebuilt only from a complete history: the
  count at the end of each day of the platform's calendar, from the day of the repo's first
  star to the last complete day. It is never bent towards collected values: the difference
  between the two is stars withdrawn, which is information.
* Once complete, a repo re-reads its newest page (one request, free on GitHub when unchanged)
  and older pages only when the stored stars no longer add up to the count the platform tells
  now (:mod:`monitor.commands.star_history`; GitHub's counts are asked a batch of repos at a
  time). The series is rebuilt on every complete run, so it
  reaches the last complete day even when nothing changed.
* A platform that refuses history (404 on GitHub Enterprise, a blocked repo) leaves that repo
  with collected data only and the reason stored for ``status``; nothing else is affected.
* Failures stay where they happen: a database error fails that repo's backfill (its transaction
  rolled back whole), a platform that cannot be asked (its ``/rate_limit`` down) fails that
  platform's repos. The platforms run as tasks of one ``TaskGroup``, so a run returns only when
  all have ended, and database work runs in worker threads (:mod:`monitor.store.threads`).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from monitor.clock import Clock
from monitor.commands.plan import Selection, in_config_order, member_keys, member_rows, select
from monitor.commands.star_history import Allowance, StarCounts, StarReader
from monitor.config.members import assign
from monitor.config.repos import Tracked
from monitor.config.settings import Settings
from monitor.errors import (
    Deferred,
    MalformedResponse,
    MonitorError,
    PlatformError,
    StorageError,
    Unavailable,
    internal_error,
)
from monitor.history import count_by_day, daily_series, first_day, first_star_day
from monitor.ids import OwnerId, RepoId
from monitor.platforms import PlatformFactory, open_platform
from monitor.platforms.base import Platform, Release, RepoTarget
from monitor.store.cache import StoreCache
from monitor.store.db import Database
from monitor.store.history import (
    BackfillState,
    get_state,
    refuse,
    replace_backfill,
    save_state,
    states,
)
from monitor.store.models import RepoRow
from monitor.store.series import ReleaseIn, release_times, upsert_releases

__all__ = ["BackfillSummary", "RepoBackfill", "backfill"]

log = logging.getLogger(__name__)

Status = Literal["complete", "updated", "unchanged", "partial", "refused", "deferred", "failed"]


@dataclass(frozen=True)
class RepoBackfill:
    repo: RepoId
    status: Status
    pages: int = 0  # history pages requested in this run
    reason: str | None = None


@dataclass
class BackfillSummary:
    outcomes: list[RepoBackfill] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    allowance: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> list[RepoBackfill]:
        return [o for o in self.outcomes if o.status == "failed"]


async def backfill(
    settings: Settings,
    database: Database,
    tracked: Tracked,
    only: Sequence[RepoId | OwnerId] = (),
    *,
    new_only: bool = False,
    platform_factory: PlatformFactory = open_platform,
    now: Clock | None = None,
) -> BackfillSummary:
    """Backfill every member (or those *only* names: repos, and owners, which name all their
    members now; with *new_only*, those never started). An id not tracked is an
    :class:`~monitor.errors.InputError`, raised before anything is asked or stored.

    "Now" is the settings' clock; a *now* given replaces it, for the platforms too.
    """
    if now is not None:
        settings = replace(settings, clock=now)
    now = settings.clock
    listed = await database.read(member_keys) if any(
        isinstance(item, RepoId) for item in only) else frozenset()
    selection = select(tracked, only, listed)
    plan, wanted = await database.write(_plan, tracked, selection, new_only, now())
    summary = BackfillSummary()
    cache = StoreCache(database)
    async with asyncio.TaskGroup() as platforms:
        for name, repos in plan.items():
            platforms.create_task(_platform_backfill(
                settings, database, platform_factory(name, settings, cache), cache, repos,
                summary, now,
            ))
    in_config_order(summary.outcomes, wanted)
    return summary


def _plan(
    session: Session, tracked: Tracked, selection: Selection, new_only: bool, now: datetime,
) -> tuple[dict[str, list[tuple[RepoId, RepoRow]]], list[RepoId]]:
    """The repos to backfill by platform, with their rows (*new_only*: those never started),
    and all of them in order. They are the members now: the named repos, and those the owners'
    listings brought in the last collection (no owner is listed here, so each keeps its
    members; a repo that joined is backfilled by the first run after it joined)."""
    plan: dict[str, list[tuple[RepoId, RepoRow]]] = {}
    wanted = []
    members = selection.order(member_rows(session, tracked, assign(tracked, {}), now))
    started = states(session, "stars") if new_only else {}  # one read, not one per member
    for member in members:
        wanted.append(member.repo)
        if member.row.id in started:
            continue
        plan.setdefault(member.repo.platform, []).append((member.repo, member.row))
    return plan, wanted


async def _platform_backfill(
    settings: Settings,
    database: Database,
    platform: Platform,
    cache: StoreCache,
    repos: list[tuple[RepoId, RepoRow]],
    summary: BackfillSummary,
    now: Clock,
) -> None:
    """Backfill one platform's repos; whatever stops it fails (or defers) its repos left,
    never another platform's."""
    try:
        budget = await platform.refresh_budget()
        if budget.remaining is not None:
            allowed = math.floor(budget.remaining * settings.budget_share)
        else:
            allowed = settings.backfill_max_requests
        summary.allowance[platform.name] = allowed
        allowance = Allowance(allowed)
        counts = StarCounts(platform, allowance, [_target(rid, row) for rid, row in repos])
        for repo_id, row in repos:
            outcome = await _repo_backfill(database, platform, cache, repo_id, row, allowance,
                                           counts, now)
            summary.outcomes.append(outcome)
            if outcome.status == "deferred":  # the budget is gone: the rest waits a run
                summary.outcomes.extend(
                    RepoBackfill(rid, "deferred", reason=outcome.reason)
                    for rid, _ in repos[repos.index((repo_id, row)) + 1:]
                )
                break
    except Deferred as exc:
        _the_rest(summary, repos, "deferred", str(exc))
    except MonitorError as exc:  # the platform cannot be asked (its /rate_limit is down…)
        log.warning("backfill.platform_failed platform=%s reason=%r", platform.name, str(exc))
        _the_rest(summary, repos, "failed", str(exc))
    except Exception as exc:  # a bug in this platform's work must not end the others'
        log.exception("backfill.platform_error platform=%s", platform.name)
        _the_rest(summary, repos, "failed", str(internal_error(exc)))
    finally:
        summary.requests[platform.name] = platform.requests_made
        await platform.aclose()


def _the_rest(
    summary: BackfillSummary, repos: list[tuple[RepoId, RepoRow]], status: Status, reason: str,
) -> None:
    """Every repo of *repos* without an outcome yet gets *status* with *reason*."""
    done = {o.repo for o in summary.outcomes}
    summary.outcomes.extend(RepoBackfill(rid, status, reason=reason)
                            for rid, _ in repos if rid not in done)


async def _repo_backfill(
    database: Database,
    platform: Platform,
    cache: StoreCache,
    repo_id: RepoId,
    row: RepoRow,
    allowance: Allowance,
    counts: StarCounts,
    now: Clock,
) -> RepoBackfill:
    target = _target(repo_id, row)
    reader = StarReader(database, platform, cache, target, row.id, allowance, now, counts)
    try:
        stored = await database.read(get_state, row.id, "stars")
        state = stored or BackfillState.new(row.id, "stars")
        if not allowance.take():
            return RepoBackfill(repo_id, "deferred", reason="backfill budget share spent")
        first = not state.complete
        state = await reader.run(state)
        if state.complete:
            await _all_releases(database, platform, target, row, allowance, now)
        if not state.complete:
            return RepoBackfill(repo_id, "partial", reader.requests,
                                f"resumes at page {state.next_page} next run")
        await database.write(_finish, state, cache, now())
        await database.write(_rebuild, platform, row, now(), reader)
    except Deferred as exc:
        return RepoBackfill(repo_id, "deferred", reader.requests, str(exc))
    except (Unavailable, MalformedResponse, StorageError) as exc:
        log.warning("backfill.failed repo=%s reason=%r", repo_id, str(exc))
        return RepoBackfill(repo_id, "failed", reader.requests, str(exc))
    except PlatformError as exc:  # refused: 404 (no such endpoint), 403, 410, 451…
        await database.write(refuse, row.id, "stars", str(exc), now())
        log.info("backfill.refused repo=%s reason=%s", repo_id, exc)
        return RepoBackfill(repo_id, "refused", reader.requests, str(exc))
    if reader.changed or first:
        return RepoBackfill(repo_id, "complete" if first else "updated", reader.requests)
    return RepoBackfill(repo_id, "unchanged", reader.requests)


async def _all_releases(
    database: Database, platform: Platform, target: RepoTarget, row: RepoRow,
    allowance: Allowance, now: Clock,
) -> None:
    """Every release, once per repo (each collection then reads the list back to the stored
    tags; the series is rebuilt from the stored releases on every complete run)."""
    if (state := await database.read(get_state, row.id, "releases")) and state.complete:
        return
    if not allowance.take():
        return  # next run
    releases = await platform.releases(target)
    await database.write(_store_releases, row.id, releases, now())


def _store_releases(
    session: Session, repo_id: int, releases: list[Release], now: datetime,
) -> None:
    upsert_releases(session, repo_id, [
        ReleaseIn(r.tag, r.name, r.published_at, r.prerelease, r.url) for r in releases
    ])
    done = BackfillState.new(repo_id, "releases")
    save_state(session, replace(done, complete=True, completed_at=now), now)


def _finish(session: Session, state: BackfillState, cache: StoreCache, now: datetime) -> None:
    save_state(session, state, now)
    cache.flush(session, now)  # the validators of the count and the releases read


def _rebuild(
    session: Session, platform: Platform, row: RepoRow, now: datetime, reader: StarReader,
) -> None:
    """Rewrite the stars and releases series from the stored history (as *reader* holds it)
    and the stored releases, in one transaction (run it in a worker thread: a big repo's
    series is thousands of rows)."""
    zone = ZoneInfo(platform.history_zone)
    stars = _rebuild_stars(session, row.id, reader.stored_days(zone), zone, now)
    start = row.created_at.astimezone(zone).date() if row.created_at else None
    _rebuild_releases(session, row, zone, now, start or first_day(stars, zone))


def _rebuild_releases(
    session: Session, row: RepoRow, zone: ZoneInfo, now: datetime, start: date | None,
) -> None:
    """Rewrite the releases series from the stored releases: the count published by the end
    of each day, from *start* (the repo's creation, else the stars series' first day) on."""
    release_days = count_by_day(release_times(session, row.id), zone)
    replace_backfill(session, row.id, "releases", daily_series(release_days, zone, now, start))


def _rebuild_stars(
    session: Session, repo_id: int, days: Mapping[date, int], zone: ZoneInfo, now: datetime,
) -> list[tuple[datetime, int]]:
    """The stars series from the stored stars per day: from the first star's day (never
    earlier: zero rows before the repo had a star say nothing) to the last complete day."""
    start = first_star_day(days)
    stars = daily_series(days, zone, now, start) if start is not None else []
    replace_backfill(session, repo_id, "stars", stars)
    return stars


def _target(repo_id: RepoId, row: RepoRow) -> RepoTarget:
    return RepoTarget(repo_id, row.platform_id, want_contributors=False)

