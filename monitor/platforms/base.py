"""The contract every platform implements, and the plain data it hands back.

A platform module knows HTTP and its platform's JSON and nothing of the database: it takes
repo identifiers (plus what the collector remembers about them) and returns
:class:`RepoSnapshot` values with canonical metric names. The collector joins these to the store.

Rules every implementation keeps:

* A metric is in ``metrics`` only if the platform said it this time; absent means "no data",
  never 0. ``watchers`` is people watching (GitHub ``subscribers``), ``open_issues`` excludes PRs.
* One repo's failure is that repo's :class:`RepoResult`, never an exception out of
  :meth:`Platform.fetch`; only a spent budget or an unreachable host stops the platform, and
  then every repo not yet fetched comes back ``deferred``.
* Tokens never leave the HTTP layer: not in results, errors, logs or cached keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from monitor.cached import CachedResponse
from monitor.errors import PlatformError
from monitor.ids import OwnerId, RepoId
from monitor.metrics import METRICS

__all__ = [
    "METRICS",
    "Budget",
    "CachedResponse",
    "HistoryPage",
    "ListedRepo",
    "OwnerListing",
    "PageCallback",
    "Platform",
    "Release",
    "RepoResult",
    "RepoSnapshot",
    "RepoTarget",
    "ResponseCache",
    "Stargazer",
]



@dataclass(frozen=True)
class RepoTarget:
    """A repo to fetch: as configured, and what the collector knows of it already."""

    repo: RepoId
    platform_id: int | None = None  # follow renames by id once known
    want_contributors: bool = True  # contributors are refreshed on their own, slower cadence
    #: Tags of the releases already stored: the release list is read back until it meets them
    #: (:mod:`monitor.platforms.releases`), so nothing published between collections is lost.
    known_releases: frozenset[str] = frozenset()
    #: The metrics to read (canonical names): None reads every one; a set sends only the
    #: requests those need (plus what tells the repo's identity) and returns only those,
    #: release rows only with ``"releases"``. Contributors still need ``want_contributors``.
    metrics: frozenset[str] | None = None

    @property
    def wanted(self) -> frozenset[str]:
        """The metrics this fetch is to tell (a subset of :data:`METRICS`)."""
        asked = frozenset(METRICS) if self.metrics is None else self.metrics
        return asked if self.want_contributors else asked - {"contributors"}


@dataclass(frozen=True)
class Release:
    tag: str
    name: str | None
    published_at: datetime | None  # aware, UTC
    prerelease: bool
    url: str | None


@dataclass(frozen=True)
class RepoSnapshot:
    """One repo as the platform described it at one moment."""

    repo: RepoId  # as configured
    platform_id: int
    owner: str  # current, after any rename
    name: str
    created_at: datetime | None  # aware, UTC
    metrics: dict[str, int]
    #: Published releases newest first, back to the ones the target knew (every one the first
    #: time): what was published since the last collection is all here.
    releases: tuple[Release, ...] = ()

    @property
    def renamed(self) -> bool:
        return (self.owner.lower(), self.name.lower()) != (
            self.repo.owner.lower(), self.repo.name.lower(),
        )


@dataclass(frozen=True)
class ListedRepo:
    """One repo as its owner's listing shows it: the metrics the listing itself tells truly
    (never GitHub's ``watchers_count`` as watchers, nor a count with PRs in it as issues), and
    the flags membership is decided on. ``snapshot.repo`` is the repo's id as listed now."""

    snapshot: RepoSnapshot
    fork: bool
    archived: bool
    private: bool

    @property
    def repo(self) -> RepoId:
        return self.snapshot.repo

    @property
    def platform_id(self) -> int | None:
        return self.snapshot.platform_id


#: Told one page of an owner's listing as it is read (see :meth:`Platform.list_owner`).
PageCallback = Callable[[Sequence[ListedRepo]], None]


@dataclass(frozen=True)
class OwnerListing:
    """Every repo an owner (organisation or user) holds, in the platform's listing order."""

    owner: OwnerId
    repos: tuple[ListedRepo, ...]


@dataclass(frozen=True)
class RepoResult:
    """Exactly one of: a snapshot, an error, or deferred — not asked because the platform
    stopped for the cycle before its turn; ``error`` then says why when known (a spent budget,
    :class:`~monitor.errors.RateLimited`, or an unreachable host,
    :class:`~monitor.errors.Unreachable`: a :class:`~monitor.errors.Deferred`)."""

    target: RepoTarget
    snapshot: RepoSnapshot | None = None
    error: PlatformError | None = None
    deferred: bool = False


@dataclass(frozen=True)
class Stargazer:
    """One star of a list that names its stargazers (Gitee): who, and when (aware, UTC)."""

    id: int
    starred_at: datetime


@dataclass(frozen=True)
class HistoryPage:
    """One page of a repo's star history, as stars given per day of the platform's calendar.

    ``days`` counts, for each day in the platform's calendar (:attr:`Platform.history_zone`),
    the stars given that day *and still present* (a withdrawn star is gone from its day).
    """

    page: int
    days: dict[date, int]
    last: bool  # no page beyond this one (in the platform's paging order)
    pages: int | None = None  # how many pages the platform says there are, when it says
    from_cache: bool = False  # answered 304: nothing changed since the stored copy
    #: The page's stargazers in list order, where the platform names them (Gitee); the list's
    #: order is not documented, so the caller reads it from these times.
    stars: tuple[Stargazer, ...] = ()
    total: int | None = None  # how many entries the whole list holds now, when told


@dataclass
class Budget:
    """The rate-limit budget last seen in a platform's headers (None: not told)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None  # aware, UTC
    resource: str | None = None


class ResponseCache(Protocol):
    """Validators and bodies of earlier answers, keyed by URL without credentials.

    The store implements it so that ETags survive restarts (reading an entry only when it is
    asked for, hence ``get`` is awaited); tests use a dict. Answers put while a platform works
    for one repo (:func:`monitor.cached.owned_by`) belong to that repo.
    """

    async def get(self, key: str) -> CachedResponse | None: ...

    def put(self, key: str, response: CachedResponse) -> None: ...


class Platform(Protocol):
    """One forge. Implementations: :mod:`monitor.platforms.github`, :mod:`.gitee`."""

    name: str
    #: IANA zone of the calendar the platform counts star-history days in.
    history_zone: str
    #: Page 1 of the star history holds the newest days (GitHub) or the oldest (Gitee).
    history_newest_first: bool
    #: Whether a day always lies wholly within one history page (GitHub's week buckets) or can
    #: straddle two (Gitee's star lists), which decides how pages are merged.
    history_whole_days: bool

    @property
    def requests_made(self) -> int:
        """Requests sent since creation (304s included: they cost time, if not budget)."""
        ...

    @property
    def budget(self) -> Budget: ...

    async def fetch(self, targets: Sequence[RepoTarget]) -> list[RepoResult]:
        """Current metrics of every target, in order, one result each."""
        ...

    async def list_owner(
        self, owner: OwnerId, on_page: PageCallback | None = None,
    ) -> OwnerListing:
        """The owner's whole listing, every page, conditional where the platform allows (an
        unchanged REST listing costs 304s). Never a partial listing: raises
        :class:`~monitor.errors.NotFound` when the owner does not exist, what the HTTP layer
        raises otherwise (:class:`~monitor.errors.RateLimited`, ``Unreachable``, ...).

        *on_page*, given, is called with each page's repos as soon as the page is read (in the
        order the pages come), so its caller can work while the others are on their way. The
        listing returned is whole all the same."""
        ...

    async def releases(self, repo: RepoTarget) -> list[Release]:
        """Every published release (drafts excluded), newest first."""
        ...

    async def star_history(self, repo: RepoTarget, page: int) -> HistoryPage:
        """One page (1-based) of the repo's star history; conditional where the platform
        allows. Raises :class:`~monitor.errors.PlatformError` when history is refused."""
        ...

    @property
    def star_count_batch(self) -> int:
        """How many repos one :meth:`star_counts` request answers; 0 where the history pages
        tell the count themselves (Gitee), so it is never asked."""
        ...

    async def star_counts(self, repos: Sequence[RepoTarget]) -> list[int | None]:
        """The stars each repo has now, in order (``None``: not told): the sum the stored
        history must add up to. Asked in requests of :attr:`star_count_batch` repos."""
        ...

    async def refresh_budget(self) -> Budget:
        """The budget left now, asked for free where the platform can (GitHub /rate_limit)."""
        ...

    async def aclose(self) -> None: ...
