"""The contract every platform implements, and the plain data it hands back.

A platform module knows HTTP and its platform's JSON and nothing of the database: it takes
repo identifiers (plus what the collector remembers about them) and returns
:class:`RepoSnapshot` values with canonical metric names. The collector joins these to the store.

Rules every implementation keeps:

* A metric is in ``metrics`` only if the platform said it this time; absent means "no data",
  never 0. ``watchers`` is people watching (GitHub ``subscribers``), ``open_issues`` excludes PRs.
* One repo's failure is that repo's :class:`RepoResult`, never an exception out of
  :meth:`Platform.fetch`; only a spent budget stops the platform, and then every repo not yet
  fetched comes back ``deferred``.
* Tokens never leave the HTTP layer: not in results, errors, logs or cached keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from monitor.errors import PlatformError
from monitor.ids import RepoId
from monitor.metrics import METRICS

__all__ = [
    "METRICS",
    "Budget",
    "CachedResponse",
    "Platform",
    "Release",
    "RepoResult",
    "RepoSnapshot",
    "RepoTarget",
    "ResponseCache",
]



@dataclass(frozen=True)
class RepoTarget:
    """A repo to fetch: as configured, and what the collector knows of it already."""

    repo: RepoId
    platform_id: int | None = None  # follow renames by id once known
    want_contributors: bool = True  # contributors are refreshed on their own, slower cadence


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
    releases: tuple[Release, ...] = ()  # the most recent ones the platform gave cheaply

    @property
    def renamed(self) -> bool:
        return (self.owner.lower(), self.name.lower()) != (
            self.repo.owner.lower(), self.repo.name.lower(),
        )


@dataclass(frozen=True)
class RepoResult:
    """Exactly one of: a snapshot, an error, or deferred (budget spent before its turn)."""

    target: RepoTarget
    snapshot: RepoSnapshot | None = None
    error: PlatformError | None = None
    deferred: bool = False


@dataclass
class Budget:
    """The rate-limit budget last seen in a platform's headers (None: not told)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None  # aware, UTC
    resource: str | None = None


@dataclass(frozen=True)
class CachedResponse:
    """What a conditional request needs to turn a free 304 back into the earlier answer."""

    etag: str | None
    last_modified: str | None
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # only the ones parsing needs (link…)
    body: bytes = b""


class ResponseCache(Protocol):
    """Validators and bodies of earlier answers, keyed by URL without credentials.

    The store implements it so that ETags survive restarts; tests use a dict.
    """

    def get(self, key: str) -> CachedResponse | None: ...

    def put(self, key: str, response: CachedResponse) -> None: ...


class Platform(Protocol):
    """One forge. Implementations: :mod:`monitor.platforms.github`, :mod:`.gitee`."""

    name: str

    @property
    def requests_made(self) -> int:
        """Requests sent since creation (304s included: they cost time, if not budget)."""
        ...

    @property
    def budget(self) -> Budget: ...

    async def fetch(self, targets: Sequence[RepoTarget]) -> list[RepoResult]:
        """Current metrics of every target, in order, one result each."""
        ...

    async def releases(self, repo: RepoTarget) -> list[Release]:
        """Every published release (drafts excluded), newest first."""
        ...

    async def aclose(self) -> None: ...
