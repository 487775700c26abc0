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
* Which number is "now": Gitee tells its list's ``total_count`` with every page, for free.
  GitHub's history tells no total, so the platform is asked (:class:`StarCounts`: with a token
  one GraphQL query for a batch of repos, just before they are read; without, a conditional
  request, a free 304 when unchanged). Never a collected value: one taken earlier misses the
  stars given and withdrawn since, and no allowance for them can tell a withdrawal from them.
  Without a count (not told, or the allowance spent) a run re-reads page 1 only.
* Gitee documents no list order: it is read from the stars' times, remembered in the state, and
  corrected when a page shows the other one. New stars join the newest end; a withdrawal moves
  every entry after it, so the pages that change are the ones with the highest numbers: after
  the newest end, older pages are read from the last page back until the count agrees.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from monitor.clock import Clock
from monitor.errors import PlatformError
from monitor.history import (
    EVERY,
    count_by_day,
    gone_stars,
    last_page_newest_first,
    newest_first,
)
from monitor.ids import RepoId
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
    week_of,
    whole_weeks,
)

__all__ = ["Allowance", "StarCounts", "StarReader"]

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
class StarCounts:
    """The stars each repo has now, asked of the platform in batches of its
    :attr:`~monitor.platforms.base.Platform.star_count_batch`: the first repo that needs its
    count asks for it and for the repos read after it (*targets* in reading order), so each
    count is at most a batch of repos older than the pages checked against it."""

    platform: Platform
    allowance: Allowance
    targets: list[RepoTarget]
    _known: dict[RepoId, int | None] = field(default_factory=dict)

    async def of(self, target: RepoTarget) -> int | None:
        """*target*'s stars now; ``None`` when not told (or the allowance is spent). Costs one
        request of the allowance for the batch it starts."""
        if target.repo not in self._known:
            size = self.platform.star_count_batch
            if size <= 0 or not self.allowance.take():
                return None
            at = next((i for i, t in enumerate(self.targets) if t.repo == target.repo),
                      len(self.targets))
            batch = [target, *(t for t in self.targets[at + 1:] if t.repo not in self._known)]
            batch = batch[:size]
            try:
                found = await self.platform.star_counts(batch)
            except PlatformError as exc:  # the check waits a run; the pages are read anyway
                log.info("backfill.no_star_count repo=%s reason=%s", target.repo, exc)
                found = [None] * len(batch)
            self._known.update(zip((t.repo for t in batch), found, strict=True))
        return self._known[target.repo]


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
    counts: StarCounts | None = None  # the stars now, which GitHub's pages do not tell
    prepaid: int = 1
    requests: int = 0
    changed: bool = False
    _stars: dict[int, datetime] | None = None  # the stored Gitee stars, once loaded
    _days: dict[date, int] | None = None  # the stored GitHub weeks' days, once loaded
    _total: int | None = None  # the list length the platform last told

    async def run(self, state: BackfillState) -> BackfillState:
        """Read what *state* says is missing or may have changed; returns the new state."""
        await self._load()
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
            # as far as the pages read got
            stored = await self.database.read(get_state, self.repo_id, "stars")
            state = stored or state
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

    async def _load(self) -> None:
        """The stored history, read once a run (off the event loop) and kept as pages are
        stored."""
        if self.platform.history_whole_days:
            self._days = await self.database.read(load_week_days, self.repo_id)
        else:
            self._stars = await self.database.read(load_stars, self.repo_id)

    async def _store(self, history: HistoryPage, state: BackfillState | None = None) -> None:
        """Keep what *history* shows that the store does not hold yet (and *state*, in the same
        transaction); a page that changes nothing (a 304, most days) writes nothing. The page is
        compared here, once, with what the store holds, which is in memory: only what differs is
        written."""
        if self.platform.history_whole_days:
            weeks, given = self._changed_weeks(history), []
        else:
            weeks, given = {}, self._new_stars(history)
        fresh = bool(weeks or given)
        if not fresh and state is None:
            return
        days = {day: n for day, n in history.days.items() if week_of(day) in weeks}
        await self.database.write(self._save, days, given, state)
        for sunday, counts in weeks.items():  # as now stored
            self._week_days().update((sunday + timedelta(days=i), n) for i, n in enumerate(counts))
        if given:
            self._stored_stars().update(given)
        self.changed = self.changed or fresh

    def _changed_weeks(self, history: HistoryPage) -> dict[date, list[int]]:
        """The GitHub weeks *history* shows with counts other than those stored (every week
        not stored yet), by their Sunday."""
        held = self._week_days()
        return {sunday: counts for sunday, counts in whole_weeks(history.days).items()
                if [held.get(sunday + timedelta(days=i)) for i in range(7)] != counts}

    def _new_stars(self, history: HistoryPage) -> list[tuple[int, datetime]]:
        """The Gitee stars *history* shows that are not stored with that time."""
        held = self._stored_stars()
        return [(s.id, s.starred_at) for s in history.stars if held.get(s.id) != s.starred_at]

    def _save(
        self, session: Session, days: dict[date, int], given: list[tuple[int, datetime]],
        state: BackfillState | None,
    ) -> None:
        """One page's writes, in one transaction (in a worker thread): the *days* of the GitHub
        weeks that changed, the Gitee stars *given*, and *state*."""
        if days:
            save_week_days(session, self.repo_id, days, self.now())
        if given:
            save_stars(session, self.repo_id, given)
        if state is not None:
            save_state(session, state, self.now())
        self.cache.flush(session, self.now())

    def stored_days(self, zone: ZoneInfo) -> dict[date, int]:
        """The stored history as stars per day of *zone* (GitHub's are its days already): what
        the series is rebuilt from, kept as pages are stored, so not read again."""
        if self.platform.history_whole_days:
            return dict(self._week_days())
        return count_by_day(self._stored_stars().values(), zone)

    async def _first(self, state: BackfillState) -> BackfillState:
        """Every page once, from ``next_page`` on, until the last or the allowance is spent."""
        page = state.next_page
        while True:
            history = await self._read(page)
            state = _advance(state, history, self.now())
            await self._store(history, state)
            self.changed = True
            if history.last:
                return state
            page += 1

    # -- GitHub: weeks ---------------------------------------------------------------------

    async def _github(self, reread: bool) -> None:
        """Page 1 (unless every page was just read); then, while the stored weeks do not add up
        to the stars the platform counts now, the older pages in turn. A withdrawn star changes
        only its own week's page: the pages before it answer free 304s, the changed one is
        charged, and the walk stops there as the sum agrees."""
        page, last = 1, False
        if reread:
            last = await self._github_page(1)
            page = 2
        count = await self.counts.of(self.target) if self.counts is not None else None
        while not last and count is not None and sum(self._week_days().values()) != count:
            last = await self._github_page(page)
            page += 1

    async def _github_page(self, page: int) -> bool:
        history = await self._read(page)
        await self._store(history)
        return history.last

    def _week_days(self) -> dict[date, int]:
        """The stored weeks' days, read once a run and kept as pages are stored."""
        assert self._days is not None, "loaded by run()"
        return self._days

    # -- Gitee: stars ----------------------------------------------------------------------

    def _stored_stars(self) -> dict[int, datetime]:
        """The stored stars by stargazer id, read once a run and kept as pages are stored."""
        assert self._stars is not None, "loaded by run()"
        return self._stars

    async def _forget(self, gone: set[int]) -> None:
        if not gone:
            return
        self.changed = True
        await self.database.write(delete_stars, self.repo_id, gone)
        for uid in gone:
            del self._stored_stars()[uid]

    async def _gitee(self, state: BackfillState, reread: bool) -> BackfillState:
        """The newest end, then (if the count disagrees) older pages from the last one back.

        Just after a first backfill (*reread* false) nothing is read when the count agrees.
        """
        if not reread and self._total in (None, len(self._stored_stars())):
            return state
        walk = _Walk()
        order = await self._newest_end(state.newest_first, walk)
        if order is not None:
            state = replace(state, newest_first=order)
        total = walk.total
        if total is None or len(self._stored_stars()) == total:
            return state
        # Something older changed: the pages it moved are the highest-numbered ones.
        page = walk.pages if walk.pages is not None else math.ceil(total / _GITEE_PER_PAGE)
        while page >= 1 and len(self._stored_stars()) != total:
            if page not in walk.read:
                await self._absorb(await self._read(page), walk, from_newest=not order)
            page -= 1
        return state

    async def _newest_end(self, order: bool | None, walk: _Walk) -> bool | None:
        """Read the newest end of the list, in the order last seen; returns the order now."""
        # the list's length, if collected just before
        collected = await self.database.read(latest_collected, self.repo_id, "stars")
        length = collected[1] if collected is not None else len(self._stored_stars())
        guess = 1 if order else max(math.ceil(length / _GITEE_PER_PAGE), 1)
        history = await self._read(guess)
        times = [s.starred_at for s in history.stars]
        seen = newest_first(times)
        if seen is None and history.page > 1:  # a last page of one star: the stored ones tell
            seen = last_page_newest_first(times, self._stored_stars().values())
        if seen is not None and seen != bool(order):
            order = seen  # the list turned round (or was never seen in order)
            if order and guess != 1:
                history = await self._read(1)
        if not order and history.pages is not None and history.pages not in (0, history.page):
            history = await self._read(history.pages)  # the list grew or shrank
        await self._absorb(history, walk, from_newest=True)
        while order and not history.last and not walk.known:
            history = await self._read(history.page + 1)  # more new stars than a page holds
            await self._absorb(history, walk, from_newest=True)
        return order

    async def _absorb(self, history: HistoryPage, walk: _Walk, *, from_newest: bool) -> None:
        walk.read.add(history.page)
        walk.known |= {s.id for s in history.stars if s.id in self._stored_stars()}
        walk.total = history.total if history.total is not None else walk.total
        walk.pages = history.pages if history.pages is not None else walk.pages
        await self._store(history)
        walk.seen |= {s.id for s in history.stars}
        times = [s.starred_at for s in history.stars]
        every = range(1, (walk.pages or history.page) + 1)
        if (history.page == 1 and (history.last or not times)) or walk.read.issuperset(every):
            walk.after = EVERY  # the pages read hold the whole list
        elif times and from_newest:
            walk.after = min(times) if walk.after is None else min(walk.after, *times)
        elif times:
            walk.before = max(times) if walk.before is None else max(walk.before, *times)
        await self._forget(gone_stars(self._stored_stars(), walk.seen, walk.after, walk.before))


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
