"""Without a GitHub token: what the anonymous budget allows, what the tracked list needs, and
what a token would unlock, as arithmetic and one plain sentence.

Pure: counts come in (the tracked GitHub repos, each owner's members as last listed, the
schedule), a :class:`NoTokenAdvice` goes out; ``run`` logs its :attr:`~NoTokenAdvice.message`
and ``status`` shows it.

What an anonymous collection cycle asks of GitHub's REST API (every answer may be a 304, which
GitHub does not charge, so these are the most a cycle pays):

* each owner's listing, 100 repos a page (:data:`LISTING_PAGE`), every cycle;
* a repo read whole, :data:`REPO_REQUESTS` requests: the repo, its open pull requests (its open
  issues need them: GitHub counts pull requests as issues) and its releases. A named repo is read
  so every cycle; an owner's listed repo only for what its listing lacks, every
  ``details_every`` (every cycle where there is no such cadence);
* contributors, one request a repo every ``collect.contributors_every``.

An owner never listed yet adds its one page at least, and makes the figure a lower bound.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

__all__ = [
    "ANONYMOUS_PER_HOUR",
    "LISTING_PAGE",
    "REPO_REQUESTS",
    "TOKEN_PER_HOUR",
    "Cadence",
    "GitHubTracked",
    "NoTokenAdvice",
    "advise",
    "cycle_requests",
]

#: GitHub's REST budget an hour without a token, and with one.
ANONYMOUS_PER_HOUR = 60
TOKEN_PER_HOUR = 5000
#: Repos a page of an owner's REST listing holds.
LISTING_PAGE = 100
#: REST requests a repo read whole costs without a token: the repo, open PRs, releases.
REPO_REQUESTS = 3

_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class GitHubTracked:
    """The tracked GitHub repos: those named in ``repos.toml``, and each owner's members as its
    listing last brought them (``None``: not listed yet)."""

    named: int
    owners: Mapping[str, int | None]

    @property
    def listed(self) -> int:
        return sum(n or 0 for n in self.owners.values())

    @property
    def unlisted(self) -> int:
        return sum(1 for n in self.owners.values() if n is None)


@dataclass(frozen=True)
class Cadence:
    """How often things are read: a collection cycle (``None``: not a fixed interval that
    could be told), contributors, and a listed repo's details (``None``: every cycle)."""

    cycle: timedelta | None
    contributors_every: timedelta
    details_every: timedelta | None = None


def _seconds(delta: timedelta | None, cycle: int) -> int:
    """How often something refreshed *delta* apart is read, in seconds, never less than a
    *cycle* (``None``: every cycle)."""
    return cycle if delta is None else max(int(delta.total_seconds()), cycle)


def cycle_requests(tracked: GitHubTracked, cadence: Cadence) -> int:
    """The most an anonymous cycle asks of GitHub for *tracked* (see the module). In whole
    seconds, so the shares of a cycle add up exactly (no float, no fractions module)."""
    pages = sum(max(math.ceil((n or 0) / LISTING_PAGE), 1) for n in tracked.owners.values())
    if cadence.cycle is None:  # how often unknown: everything every cycle, the most it asks
        cycle = details = contributors = 1
    else:
        cycle = max(int(cadence.cycle.total_seconds()), 1)
        details = _seconds(cadence.details_every, cycle)
        contributors = _seconds(cadence.contributors_every, cycle)
    everyone = tracked.named + tracked.listed
    # named x 3 + listed x 3 x cycle/details + everyone x cycle/contributors, over one divisor
    total = (tracked.named * REPO_REQUESTS * details * contributors
             + tracked.listed * REPO_REQUESTS * cycle * contributors
             + everyone * cycle * details)
    return pages + -(-total // (details * contributors))


@dataclass(frozen=True)
class NoTokenAdvice:
    """What GitHub's anonymous budget allows against what the tracked list needs."""

    repos: int  # tracked GitHub repos known: named, and listed by their owners
    unlisted: int  # owners not listed yet (their repos unknown)
    needed: int  # requests a cycle, at most (at least, while owners are unlisted)
    cycle: timedelta | None
    per_hour: int = ANONYMOUS_PER_HOUR
    token_per_hour: int = TOKEN_PER_HOUR

    @property
    def allowed(self) -> int | None:
        """The most a cycle can spend (``None``: its interval unknown). A cycle asks at once,
        from the hour's budget left, so an hour's budget at most however long the interval; a
        cycle under an hour, its share of the hour."""
        if self.cycle is None:
            return None
        return math.floor(self.per_hour * min(self.cycle, _HOUR) / _HOUR)

    @property
    def fits(self) -> bool | None:
        """Whether a cycle's needs fit what it can spend (``None``: unknown)."""
        if self.cycle is None:
            return None
        return self.needed * _HOUR <= self.per_hour * min(self.cycle, _HOUR)

    @property
    def message(self) -> str:
        allows = f"github: no token: {self.per_hour:,} requests an hour"
        if self.allowed is not None:
            allows += f", at most {self.allowed:,} a cycle (collect every {_span(self.cycle)})"
        repos = f"{self.repos:,} tracked GitHub repo{'' if self.repos == 1 else 's'}"
        if self.unlisted:
            owners = f"{self.unlisted:,} owner{'' if self.unlisted == 1 else 's'}"
            needs = f"{repos} and {owners} not listed yet need at least {self.needed:,}"
        else:
            needs = f"{repos} need{'s' if self.repos == 1 else ''} up to {self.needed:,}"
        needs += " requests a cycle"
        if self.fits is False:
            needs += ", so what a cycle cannot pay is deferred to later cycles"
        return (f"{allows}; {needs}; a token (GITHUB_TOKEN) allows "
                f"{self.token_per_hour:,} an hour")

    def as_json(self) -> dict[str, Any]:
        return {
            "platform": "github",
            "requests_per_hour": self.per_hour,
            "allowed_per_cycle": self.allowed,
            "cycle_seconds": None if self.cycle is None else round(self.cycle.total_seconds()),
            "tracked_repos": self.repos,
            "owners_not_listed": self.unlisted,
            "needed_per_cycle": self.needed,
            "fits": self.fits,
            "token_requests_per_hour": self.token_per_hour,
            "message": self.message,
        }


def advise(tracked: GitHubTracked, cadence: Cadence) -> NoTokenAdvice | None:
    """The advice for *tracked* without a token; ``None`` when no GitHub repo is tracked."""
    if tracked.named == 0 and not tracked.owners:
        return None
    return NoTokenAdvice(
        repos=tracked.named + tracked.listed, unlisted=tracked.unlisted,
        needed=cycle_requests(tracked, cadence), cycle=cadence.cycle,
    )


def _span(delta: timedelta | None) -> str:
    """6h, 30m, 1d, 90s: the largest unit that divides *delta*."""
    seconds = int(delta.total_seconds()) if delta is not None else 0
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
