"""A cycle's first phase: list every owner asked for, on every platform at once.

Why it is shaped like this:

* An owner's listing is the cheapest read of its repos (GitHub GraphQL: one query per 100 repos
  with the metrics a batch reads; REST and Gitee: pages of 100, conditional, so an unchanged
  listing costs 304s), and it is also what decides membership: so it comes first, and the
  repos it shows take their metrics from it (:mod:`monitor.commands.targets`).
* Owners are listed concurrently, each a task of one ``TaskGroup`` (the HTTP layer bounds the
  requests per platform), and each owner's failure is that owner's: it never stops another
  owner's listing, nor the other platform's.
* A listing is whole or nothing (:meth:`~monitor.platforms.base.Platform.list_owner`). One that
  fails (a 5xx mid-listing, a spent budget, a bug) leaves its owner *unlisted*: the membership
  rule keeps its previous members as they are, and they are collected one by one as before.
* An owner the platform says does not exist (404 at both its organisation and user listings)
  holds no repo any more: its listing is taken as empty, so its members leave (their history is
  kept) and ``status`` lists them as having left. A real owner's brief 404 would cost a leave and
  a join; a deleted or renamed owner otherwise kept costing a request per repo every cycle, each
  failing. Its outcome says ``not_found`` in the cycle's summary and the log.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from monitor.commands.outcomes import OwnerOutcome, error_kind
from monitor.errors import Deferred, NotFound, PlatformError, internal_error
from monitor.ids import OwnerId, RepoId
from monitor.platforms.base import ListedRepo, Platform

__all__ = ["ListingPhase", "list_owners"]

log = logging.getLogger(__name__)


@dataclass
class ListingPhase:
    """What the owners' listings told this cycle."""

    #: Each owner asked for: its listed repos, or None when the listing failed (unlisted).
    listings: dict[OwnerId, tuple[ListedRepo, ...] | None] = field(default_factory=dict)
    outcomes: list[OwnerOutcome] = field(default_factory=list)  # in the order asked
    _by_id: dict[tuple[str, int], ListedRepo] = field(default_factory=dict)
    _by_key: dict[str, ListedRepo] = field(default_factory=dict)

    def add(self, owner: OwnerId, listed: tuple[ListedRepo, ...] | None) -> None:
        self.listings[owner] = listed
        for repo in listed or ():
            if repo.platform_id is not None:
                self._by_id.setdefault((repo.repo.platform, repo.platform_id), repo)
            self._by_key.setdefault(repo.repo.key, repo)

    def find(self, repo: RepoId, platform_id: int | None) -> ListedRepo | None:
        """This cycle's listing of a repo: by its platform id once known (a rename cannot lose
        it, and a new repo made under an old name is another repo), else by its name."""
        if platform_id is not None:
            return self._by_id.get((repo.platform, platform_id))
        return self._by_key.get(repo.key)


async def list_owners(
    owners: Sequence[OwnerId],
    platform: Callable[[str], Platform],
    on_page: Callable[[OwnerId, Sequence[ListedRepo]], None] | None = None,
) -> ListingPhase:
    """List each of *owners* on its platform (opened by *platform*), all at once. *on_page*, given,
    is told each page of an owner's listing as it is read (see ``Platform.list_owner``)."""
    phase = ListingPhase()
    if not owners:
        return phase
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(_list(platform(owner.platform), owner, on_page))
                 for owner in owners]
    for owner, task in zip(owners, tasks, strict=True):
        listed, outcome = task.result()
        phase.add(owner, listed)
        phase.outcomes.append(outcome)
    return phase


async def _list(
    platform: Platform,
    owner: OwnerId,
    on_page: Callable[[OwnerId, Sequence[ListedRepo]], None] | None,
) -> tuple[tuple[ListedRepo, ...] | None, OwnerOutcome]:
    """One owner's listing and how it went; never raises (a bug fails that owner only)."""
    told = None if on_page is None else functools.partial(on_page, owner)
    try:
        listing = await platform.list_owner(owner, told)
    except NotFound as exc:
        log.warning("collect.owner_not_found owner=%s reason=%s (its repos leave)", owner, exc)
        return (), OwnerOutcome(owner, "failed", 0, error_kind(exc),
                                f"{exc}; its repos left their project")
    except Deferred as exc:
        log.warning("collect.listing_deferred owner=%s reason=%s", owner, exc)
        return None, OwnerOutcome(owner, "deferred", 0, error_kind(exc),
                                  f"{exc.deferral}; its repos are kept as they were")
    except PlatformError as exc:
        log.warning("collect.listing_failed owner=%s kind=%s reason=%s", owner,
                    error_kind(exc), exc)
        return None, OwnerOutcome(owner, "failed", 0, error_kind(exc), str(exc))
    except Exception as exc:  # a bug in a platform module must not end the cycle
        log.exception("collect.listing_error owner=%s", owner)
        failure = internal_error(exc)
        return None, OwnerOutcome(owner, "failed", 0, error_kind(failure), str(failure))
    log.info("collect.listed owner=%s repos=%d", owner, len(listing.repos))
    return listing.repos, OwnerOutcome(owner, "listed", len(listing.repos))
