"""Backfill's star history: read what changed since the last backfill, and store it by what it is.

Why it is shaped like this:

* Pages slide: GitHub's newest-first weeks move one page deeper every Sunday, and a withdrawn
  star moves every later entry of Gitee's list up one place. So nothing is stored by page:
  GitHub weeks by their Sunday, Gitee stars by stargazer id (:mod:`monitor.store.history`), and
  any page read, whenever, updates exactly what it shows.
* A first backfill reads every page once, resumable across runs split by the budget share
  (``next_page``). Afterwards a run re-reads only the newest end (one request; free on GitHub
  when the page is unchanged: a 304), then checks one invariant: the stored stars add up to the
  stars the platform reports now. A difference says that something older changed (a star
  withdrawn deep in history), and only then are older pages read, until the sum agrees.
* Which number is "now": Gitee tells its list's ``total_count`` with every page, for free. GitHub's
  history tells no total, so its check uses the newest collected ``stars``, allowing for the
  stars given on that day (:func:`monitor.history.within_collected`); a repo never collected
  has nothing to check against, and re-reads page 1 only.
* Gitee documents no list order: it is read from the stars' times, remembered in the state, and
  corrected when a page shows the other one. New stars join the newest end; a withdrawal moves
  every entry after it, so the pages that change are the ones with the highest numbers: after
  the newest end, older pages are read from the last page back until the count agrees.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.clock import Clock
from monitor.history import EVERY, gone_stars, newest_first, within_collected
from monitor.platforms.base import HistoryPage, Platform, RepoTarget
from monitor.store.cache import StoreCache
from monitor.store.db import Database
from monitor.store.history import (
    BackfillState,
    delete_stars,
    get_state,
    latest_collected,
    load_stars,
    load_week_days,
    save_stars,
    save_state,
    save_week_days,
)

__all__ = ["Allowance", "StarReader"]

log = logging.getLogger(__name__)

#: Gitee's stargazers a page (the most it serves).
_GITEE_PER_PAGE = 100


@dataclass
class Allowance:
    """Requests this run may still make on one platform."""

    left: int

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


class _Spent(Exception):
    """The run's allowance is spent: stop reading, keep what was stored."""


@dataclass
class StarReader:
    """Reads one repo's star history into the store; :meth:`run` says what it did.

    ``prepaid`` requests were already taken from the allowance by the caller.
    """

    database: Database
    platform: Platform
    cache: StoreCache
    target: RepoTarget
    repo_id: int
    allowance: Allowance
    now: Clock
    prepaid: int = 1
    requests: int = 0
    changed: bool = False
    _stars: dict[int, datetime] = field(default_factory=dict)
    _total: int | None = None  # the list length the platform last told

    async def run(self, state: BackfillState) -> BackfillState:
        """Read what *state* says is missing or may have changed; returns the new state."""
        try:
            if not state.complete:
                state = await self._first(state)
                if not state.complete:
                    return state
                reread = False  # every page was just read: only check the sum
            else:
                reread = True
            if self.platform.history_whole_days:
                await self._github(reread)
            else:
                state = await self._gitee(state, reread)
        except _Spent:
            log.info("backfill.spent repo=%s", self.target.repo)
            with self.database.session() as session:  # as far as the pages read got
                state = get_state(session, self.repo_id, "stars") or state
        return state

    # -- reading and storing ----------------------------------------------------------------

    def _pay(self) -> bool:
        if self.prepaid > 0:
            self.prepaid -= 1
            return True
        return self.allowance.take()

    async def _read(self, page: int) -> HistoryPage:
        if not self._pay():
            raise _Spent
        history = await self.platform.star_history(self.target, page)
        self.requests += 1
        if history.total is not None:
            self._total = history.total
        return history

    def _store(self, history: HistoryPage, state: BackfillState | None = None) -> None:
        """Keep what *history* shows (and *state*, in the same transaction)."""
        with self.database.session(write=True) as session:
            if self.platform.history_whole_days:
                if save_week_days(session, self.repo_id, history.days, self.now()):
                    self.changed = True
            else:
                fresh = [(s.id, s.starred_at) for s in history.stars
                         if self._stars.get(s.id) != s.starred_at]
                if fresh:
                    self.changed = True
                    save_stars(session, self.repo_id, fresh)
                    self._stars.update(fresh)
            if state is not None:
                save_state(session, state, self.now())
            self.cache.flush(session, self.now())

    async def _first(self, state: BackfillState) -> BackfillState:
        """Every page once, from ``next_page`` on, until the last or the allowance is spent."""
        self._load_stars()
        page = state.next_page
        while True:
            history = await self._read(page)
            state = _advance(state, history, self.now())
            self._store(history, state)
            self.changed = True
            if history.last:
                return state
            page += 1

    # -- GitHub: weeks ---------------------------------------------------------------------

    async def _github(self, reread: bool) -> None:
        """Page 1 (unless just read), then older pages while the sum disagrees."""
        zone = ZoneInfo(self.platform.history_zone)
        reported = self._reported_stars()
        page, last = 1, False
        if reread:
            last = await self._github_page(1)
            page = 2
        while not last and reported is not None and not self._github_agrees(zone, reported):
            last = await self._github_page(page)
            page += 1

    async def _github_page(self, page: int) -> bool:
        history = await self._read(page)
        self._store(history)
        return history.last

    def _github_agrees(self, zone: ZoneInfo, reported: tuple[datetime, int]) -> bool:
        with self.database.session() as session:
            days = load_week_days(session, self.repo_id)
        return within_collected(days, zone, *reported)

    def _reported_stars(self) -> tuple[datetime, int] | None:
        """The stars the platform reported: the newest collected value (``None`` before any
        collect: then only page 1 is re-read, as asking would cost a request a repo)."""
        with self.database.session() as session:
            return latest_collected(session, self.repo_id, "stars")

    # -- Gitee: stars ----------------------------------------------------------------------

    def _load_stars(self) -> None:
        with self.database.session() as session:
            self._stars = load_stars(session, self.repo_id)

    def _forget(self, gone: set[int]) -> None:
        if not gone:
            return
        self.changed = True
        with self.database.session(write=True) as session:
            delete_stars(session, self.repo_id, gone)
        for uid in gone:
            del self._stars[uid]

    async def _gitee(self, state: BackfillState, reread: bool) -> BackfillState:
        """The newest end, then (if the count disagrees) older pages from the last one back.

        Just after a first backfill (*reread* false) nothing is read when the count agrees.
        """
        if not reread and self._total in (None, len(self._stars)):
            return state
        walk = _Walk()
        order = await self._newest_end(state.newest_first, walk)
        if order is not None:
            state = replace(state, newest_first=order)
        total = walk.total
        if total is None or len(self._stars) == total:
            return state
        # Something older changed: the pages it moved are the highest-numbered ones.
        page = walk.pages if walk.pages is not None else math.ceil(total / _GITEE_PER_PAGE)
        while page >= 1 and len(self._stars) != total:
            if page not in walk.read:
                self._absorb(await self._read(page), walk, from_newest=not order)
            page -= 1
        return state

    async def _newest_end(self, order: bool | None, walk: _Walk) -> bool | None:
        """Read the newest end of the list, in the order last seen; returns the order now."""
        self._load_stars()
        reported = self._reported_stars()  # the list's length, if collected just before
        length = reported[1] if reported is not None else len(self._stars)
        guess = 1 if order else max(math.ceil(length / _GITEE_PER_PAGE), 1)
        history = await self._read(guess)
        seen = newest_first([s.starred_at for s in history.stars])
        if seen is not None and seen != bool(order):
            order = seen  # the list turned round (or was never seen in order)
            if order and guess != 1:
                history = await self._read(1)
        if not order and history.pages is not None and history.pages not in (0, history.page):
            history = await self._read(history.pages)  # the list grew or shrank
        self._absorb(history, walk, from_newest=True)
        while order and not history.last and not walk.known:
            history = await self._read(history.page + 1)  # more new stars than a page holds
            self._absorb(history, walk, from_newest=True)
        return order

    def _absorb(self, history: HistoryPage, walk: _Walk, *, from_newest: bool) -> None:
        walk.read.add(history.page)
        walk.known |= {s.id for s in history.stars if s.id in self._stars}
        walk.total = history.total if history.total is not None else walk.total
        walk.pages = history.pages if history.pages is not None else walk.pages
        self._store(history)
        walk.seen |= {s.id for s in history.stars}
        times = [s.starred_at for s in history.stars]
        every = range(1, (walk.pages or history.page) + 1)
        if (history.page == 1 and (history.last or not times)) or walk.read.issuperset(every):
            walk.after = EVERY  # the pages read hold the whole list
        elif times and from_newest:
            walk.after = min(times) if walk.after is None else min(walk.after, *times)
        elif times:
            walk.before = max(times) if walk.before is None else max(walk.before, *times)
        self._forget(gone_stars(self._stars, walk.seen, walk.after, walk.before))


@dataclass
class _Walk:
    """What the pages read in one run covered, and what the platform told about the list."""

    read: set[int] = field(default_factory=set)
    seen: set[int] = field(default_factory=set)
    known: set[int] = field(default_factory=set)  # seen ids that were stored before
    after: datetime | None = None
    before: datetime | None = None
    total: int | None = None
    pages: int | None = None


def _advance(state: BackfillState, history: HistoryPage, now: datetime) -> BackfillState:
    pages = history.pages if history.pages is not None else state.pages
    if history.last:
        pages = history.page if pages is None else max(pages, history.page)
    complete = state.complete or history.last
    order = newest_first([s.starred_at for s in history.stars])
    return replace(state, next_page=history.page + 1, pages=pages, complete=complete,
                   refused_reason=None, updated_at=now,
                   newest_first=state.newest_first if order is None else order,
                   completed_at=state.completed_at or (now if complete else None))
