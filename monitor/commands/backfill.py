"""Backfill: rebuild each repo's daily star history (and its release count) from the platforms.

Why it is shaped like this:

* The platforms give history as pages of per-day counts of stars *still present* (GitHub's
  star-history weeks, Gitee's stargazer list with ``star_at``). Pages are kept in the store as
  they arrive, so a first backfill of a large repo can be split across runs by a budget share,
  survives a crash or restart, and resumes at the next page.
* A value needs every older star, so the series is rebuilt only from a complete set of pages:
  the count at the end of each day of the platform's calendar, from the repo's creation to the
  last complete day. It is never bent towards collected values: the difference between the two
  is stars withdrawn, which is information.
* Once complete, a repo re-reads only its newest page(s), conditionally, until it reaches what
  is stored: usually one request, free on GitHub when nothing changed.
* A platform that refuses history (404 on GitHub Enterprise, a blocked repo) leaves that repo
  with collected data only and the reason stored for ``status``; nothing else is affected.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from monitor.clock import Clock
from monitor.commands.plan import in_config_order, tracked_rows
from monitor.config.repos import Tracked
from monitor.config.settings import Settings
from monitor.errors import MalformedResponse, PlatformError, RateLimited, Unavailable
from monitor.history import count_by_day, daily_series, first_day, merge_pages
from monitor.ids import RepoId
from monitor.platforms import PlatformFactory, open_platform
from monitor.platforms.base import HistoryPage, Platform, RepoTarget
from monitor.store.cache import StoreCache
from monitor.store.db import Database
from monitor.store.history import (
    BackfillState,
    get_state,
    load_pages,
    refuse,
    replace_backfill,
    save_page,
    save_state,
)
from monitor.store.models import Repo
from monitor.store.series import (
    ReleaseIn,
    release_series_behind,
    release_times,
    upsert_releases,
)

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


@dataclass
class _Allowance:
    """Requests this run may still make on one platform."""

    left: int

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


async def backfill(
    settings: Settings,
    database: Database,
    tracked: Tracked,
    only: Sequence[RepoId] = (),
    *,
    new_only: bool = False,
    platform_factory: PlatformFactory = open_platform,
    now: Clock | None = None,
) -> BackfillSummary:
    """Backfill every tracked repo (or those in *only*; with *new_only*, those never started).

    "Now" is the settings' clock; a *now* given replaces it, for the platforms too.
    """
    if now is not None:
        settings = replace(settings, clock=now)
    now = settings.clock
    wanted = tracked.select(only)
    plan: dict[str, list[tuple[RepoId, Repo]]] = {}
    with database.session(write=True) as session:
        for repo_id, row in tracked_rows(session, tracked, wanted, now()):
            if new_only and get_state(session, _id(row), "stars") is not None:
                continue
            plan.setdefault(repo_id.platform, []).append((repo_id, row))
    summary = BackfillSummary()
    cache = StoreCache.load(database)
    await asyncio.gather(*(
        _platform_backfill(settings, database, platform_factory(name, settings, cache), cache,
                           repos, summary, now)
        for name, repos in plan.items()
    ))
    in_config_order(summary.outcomes, wanted)
    return summary


async def _platform_backfill(
    settings: Settings,
    database: Database,
    platform: Platform,
    cache: StoreCache,
    repos: list[tuple[RepoId, Repo]],
    summary: BackfillSummary,
    now: Clock,
) -> None:
    try:
        budget = await platform.refresh_budget()
        if budget.remaining is not None:
            allowed = math.floor(budget.remaining * settings.budget_share)
        else:
            allowed = settings.backfill_max_requests
        summary.allowance[platform.name] = allowed
        allowance = _Allowance(allowed)
        for repo_id, row in repos:
            outcome = await _repo_backfill(database, platform, cache, repo_id, row, allowance, now)
            summary.outcomes.append(outcome)
            if outcome.status == "deferred":  # the budget is gone: the rest waits a run
                summary.outcomes.extend(
                    RepoBackfill(rid, "deferred", reason=outcome.reason)
                    for rid, _ in repos[repos.index((repo_id, row)) + 1:]
                )
                break
    except RateLimited as exc:
        done = {o.repo for o in summary.outcomes}
        summary.outcomes.extend(RepoBackfill(rid, "deferred", reason=str(exc))
                                for rid, _ in repos if rid not in done)
    finally:
        summary.requests[platform.name] = platform.requests_made
        await platform.aclose()


async def _repo_backfill(
    database: Database,
    platform: Platform,
    cache: StoreCache,
    repo_id: RepoId,
    row: Repo,
    allowance: _Allowance,
    now: Clock,
) -> RepoBackfill:
    target = RepoTarget(repo_id, row.platform_id, want_contributors=False)
    with database.session() as session:
        state = get_state(session, _id(row), "stars") or BackfillState.new(_id(row), "stars")
    pages = 0
    try:
        if not allowance.take():
            return RepoBackfill(repo_id, "deferred", reason="backfill budget share spent")
        first = not state.complete
        changed, state, pages = await _read_pages(database, platform, cache, target, row,
                                                  state, allowance, now)
        if state.complete:
            await _all_releases(database, platform, target, row, allowance, now)
    except RateLimited as exc:
        return RepoBackfill(repo_id, "deferred", pages, str(exc))
    except (Unavailable, MalformedResponse) as exc:
        log.warning("backfill.failed repo=%s reason=%s", repo_id, exc)
        return RepoBackfill(repo_id, "failed", pages, str(exc))
    except PlatformError as exc:  # refused: 404 (no such endpoint), 403, 410, 451…
        with database.session(write=True) as session:
            refuse(session, _id(row), "stars", str(exc), now())
        log.info("backfill.refused repo=%s reason=%s", repo_id, exc)
        return RepoBackfill(repo_id, "refused", pages, str(exc))
    if not state.complete:
        return RepoBackfill(repo_id, "partial", pages,
                            f"resumes at page {state.next_page} next run")
    if changed or first or _releases_behind(database, row):
        _rebuild(database, platform, row, now())
        return RepoBackfill(repo_id, "complete" if first else "updated", pages)
    return RepoBackfill(repo_id, "unchanged", pages)


async def _read_pages(
    database: Database,
    platform: Platform,
    cache: StoreCache,
    target: RepoTarget,
    row: Repo,
    state: BackfillState,
    allowance: _Allowance,
    now: Clock,
) -> tuple[bool, BackfillState, int]:
    """Read pages from where *state* says; the first request's allowance is already taken.

    Returns whether anything changed, the new state, and how many pages were requested.
    """
    if state.complete:
        # Newest data first: page 1 on GitHub, the last known page on Gitee.
        page = 1 if platform.history_newest_first else max(state.pages or 1, 1)
    else:
        page = state.next_page
    with database.session() as session:
        stored = load_pages(session, _id(row), "stars")
    newest_stored = max((day for p in stored for day in p.days), default=None)
    requested, changed = 0, False
    while True:
        history = await platform.star_history(target, page)
        requested += 1
        if state.complete and history.from_cache:
            # Unchanged since stored. Newest first, nothing newer exists; oldest first, a
            # newer page may have appeared after this one (its count came fresh with the 304).
            if platform.history_newest_first or history.last or not allowance.take():
                break
            page += 1
            continue
        changed = True
        state = _advance(state, history, now())
        with database.session(write=True) as session:
            save_page(session, _id(row), "stars", history.page, history.days, now())
            save_state(session, state, now())
            cache.flush(session, now())
        if history.last or _reached(platform, history, newest_stored, state):
            break
        page += 1
        if not allowance.take():
            break
    return changed, state, requested


def _advance(state: BackfillState, history: HistoryPage, now: datetime) -> BackfillState:
    pages = history.pages if history.pages is not None else state.pages
    if history.last:
        pages = history.page if pages is None else max(pages, history.page)
    complete = state.complete or history.last
    return replace(state, next_page=history.page + 1, pages=pages, complete=complete,
                   refused_reason=None, updated_at=now,
                   completed_at=state.completed_at or (now if complete else None))


def _reached(
    platform: Platform, history: HistoryPage, newest_stored: date | None, state: BackfillState,
) -> bool:
    """On an incremental run, stop once a page overlaps what was stored before it."""
    if not state.complete or newest_stored is None or not history.days:
        return False
    if platform.history_newest_first:
        return min(history.days) <= newest_stored
    return False  # oldest first: read on to the last page, which says so itself


async def _all_releases(
    database: Database, platform: Platform, target: RepoTarget, row: Repo,
    allowance: _Allowance, now: Clock,
) -> None:
    """Every release, once per repo (each collection then reads the list back to the stored
    tags); once stored, :func:`_releases_behind` has the releases series rebuilt."""
    with database.session() as session:
        if (state := get_state(session, _id(row), "releases")) and state.complete:
            return
    if not allowance.take():
        return  # next run
    releases = await platform.releases(target)
    with database.session(write=True) as session:
        upsert_releases(session, _id(row), [
            ReleaseIn(r.tag, r.name, r.published_at, r.prerelease, r.url) for r in releases
        ])
        done = BackfillState.new(_id(row), "releases")
        save_state(session, replace(done, complete=True, completed_at=now()), now())


def _rebuild(database: Database, platform: Platform, row: Repo, now: datetime) -> None:
    """Rewrite the stars and releases series from the stored pages and releases."""
    zone = ZoneInfo(platform.history_zone)
    with database.session(write=True) as session:
        pages = load_pages(session, _id(row), "stars")
        days = merge_pages(((p.page, p.days) for p in pages), platform.history_whole_days)
        start = row.created_at.astimezone(zone).date() if row.created_at else None
        stars = daily_series(days, zone, now, start)
        replace_backfill(session, _id(row), "stars", stars)
        _rebuild_releases(session, row, zone, now, start or first_day(stars, zone))


def _rebuild_releases(
    session: Session, row: Repo, zone: ZoneInfo, now: datetime, start: date | None,
) -> None:
    """Rewrite the releases series from the stored releases: the count published by the end
    of each day, from *start* (the stars series' first day) on."""
    release_days = count_by_day(release_times(session, _id(row)), zone)
    replace_backfill(session, _id(row), "releases", daily_series(release_days, zone, now, start))


def _releases_behind(database: Database, row: Repo) -> bool:
    """Whether releases were stored since the releases series was last rebuilt (the list read
    at last, over runs, or one collected after the series was written): the stars pages may
    not have changed, yet the series must be rebuilt."""
    with database.session() as session:
        return release_series_behind(session, _id(row))


def _id(row: Repo) -> int:
    assert row.id is not None
    return row.id
