"""What a collection cycle tells of itself: each repo's outcome, each owner's listing, the
requests and budgets, and the run's outcome as stored (:class:`CycleSummary`).

Kept apart from :mod:`monitor.commands.collect` (which makes them) because the listing phase
(:mod:`monitor.commands.listings`) and the console read them too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from monitor.errors import Deferred, MonitorError, PlatformError
from monitor.ids import OwnerId, RepoId
from monitor.platforms.base import Budget

__all__ = [
    "CycleSummary",
    "Outcome",
    "OwnerOutcome",
    "ProgressCallback",
    "Status",
    "deferral_reason",
    "error_kind",
]

Status = Literal["collected", "deferred", "failed"]
#: Called after each stored batch: (platform, repos done, repos planned on that platform).
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Outcome:
    repo: RepoId
    status: Status
    reason: str | None = None
    renamed_to: str | None = None


@dataclass(frozen=True)
class OwnerOutcome:
    """How an owner's listing went: ``listed`` (its listing decided its members), ``deferred``
    (a spent budget or an unreachable host) or ``failed``; unless listed, its members stayed as
    they were, except for an owner that no longer exists (``kind`` ``not_found``): it holds no
    repo, so its members left."""

    owner: OwnerId
    status: Literal["listed", "deferred", "failed"]
    repos: int = 0  # repos the listing held
    kind: str | None = None  # the error's kind (error_kind), unless listed
    reason: str | None = None


@dataclass(repr=False)
class CycleSummary:
    """What a cycle did. Its repr is short: asyncio formats a finished main task's result when
    ``asyncio.run`` closes (``signal.getsignal`` on its SIGINT handler), and a thousand outcomes
    spelt out there cost a tenth of an owner's repeat cycle."""

    observed_at: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    budgets: dict[str, Budget] = field(default_factory=dict)
    owners: list[OwnerOutcome] = field(default_factory=list)  # in config order

    def __repr__(self) -> str:
        return (f"CycleSummary(observed_at={self.observed_at.isoformat()}, "
                f"outcomes={len(self.outcomes)}, owners={len(self.owners)})")

    def having(self, status: Status) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def failed_owners(self) -> list[OwnerOutcome]:
        return [o for o in self.owners if o.status == "failed"]

    @property
    def outcome(self) -> str:
        """The run's outcome as stored: ok, partial (some repo failed or was deferred, or some
        owner's listing did) or failed (nothing was collected)."""
        troubled = any(o.status != "listed" for o in self.owners)
        if all(o.status == "collected" for o in self.outcomes) and not troubled:
            return "ok"
        if any(o.status == "collected" for o in self.outcomes):
            return "partial"
        return "failed"


def deferral_reason(why: PlatformError | None) -> str:
    """Why a repo was deferred, as stored and shown: as the error that stopped its platform says
    (:attr:`~monitor.errors.Deferred.deferral`)."""
    cause = why.deferral if isinstance(why, Deferred) else "rate limit spent"
    return f"{cause}; deferred to the next cycle"


def error_kind(error: MonitorError) -> str:
    """``NotFound`` → ``not_found``: the reason class as ``status`` shows it."""
    name = type(error).__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
