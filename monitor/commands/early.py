"""Members stored from their owner's listing page while its next page is read.

Why it is shaped like this:

* A repeat cycle of an owner tracked whole is its listing: pages of 100 repos, GitHub's GraphQL
  ones one after another (each needs the last one's cursor), the REST ones after the first a
  few at a time. Storing a thousand members' values only once the listing is whole would add
  the disk's time to the network's; stored page by page, it hides behind the pages still on
  their way.
* Only a member its page settles is stored early: a member now through this very owner, known
  by platform id and named as its row names it (a rename or a transfer waits for the membership
  step that records it), still taken by its project (:func:`~monitor.config.members.takes`),
  named by no project (a named repo wins), and with nothing to ask beyond the listing this
  cycle (:meth:`~monitor.commands.targets.Planner.asks`). Its values are then exactly those the
  cycle would store after the listing; and it stays a member whatever the rest of the listing
  says (a listing that fails later leaves its owner unlisted, and its members stay).
* A member stored early is done for the cycle: the cycle's own batches neither fetch nor write
  it again. A write that fails here leaves its members to those batches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from monitor.commands.outcomes import Outcome
from monitor.commands.plan import Member
from monitor.commands.targets import Known, Planner
from monitor.config.members import takes
from monitor.config.tracked import Project, Tracked
from monitor.errors import MonitorError
from monitor.ids import OwnerId
from monitor.platforms.base import ListedRepo, RepoSnapshot
from monitor.store.db import Database
from monitor.store.series import (
    ObservationIn,
    ReleaseIn,
    last_observed,
    release_tags,
    write_collected,
)
from monitor.store.stays import ListedMemberRow, listed_members

__all__ = ["EarlyWrites", "Stored", "read_stored", "snapshot_rows"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stored:
    """What a cycle reads of the store before its listings end."""

    known: Known
    #: The members now that a listing brought, by platform and platform id.
    listed: Mapping[tuple[str, int], ListedMemberRow]


def read_stored(session: Session) -> Stored:
    """What the cycle needs to know of every repo before its listings end (a repo joining now has
    no row yet: nothing known, everything due)."""
    return Stored(Known(last_observed(session), release_tags(session)),
                  listed_members(session.connection()))


def snapshot_rows(
    repo_id: int, snapshot: RepoSnapshot, observed_at: datetime,
) -> tuple[list[ObservationIn], list[tuple[int, ReleaseIn]]]:
    """The values and releases to store for *snapshot* of the repo of row *repo_id*."""
    values = [ObservationIn(repo_id, metric, observed_at, value, "collected")
              for metric, value in snapshot.metrics.items()]
    releases = [(repo_id, ReleaseIn(r.tag, r.name, r.published_at, r.prerelease, r.url))
                for r in snapshot.releases]
    return values, releases


class EarlyWrites:
    """``page`` is the listings' page callback; ``written`` the rows stored early, by id.

    Each page's write is a task of *group* (the cycle's listing phase), after *stored* is read;
    writes go one at a time, in the order the pages came.
    """

    def __init__(
        self,
        database: Database,
        tracked: Tracked,
        stored: Awaitable[Stored],
        planner: Callable[[Known], Planner],
        observed_at: datetime,
        group: asyncio.TaskGroup,
    ) -> None:
        self._database, self._stored, self._planner = database, stored, planner
        self._observed_at, self._group = observed_at, group
        self._projects = {owner.key: p for p in tracked.projects for owner in p.orgs}
        self._named = {repo.key for repo in tracked.repos()}
        self._turn = asyncio.Lock()
        self._plans: Planner | None = None  # made once the store is read
        self.written: set[int] = set()

    def left_of(self, members: Sequence[Member], outcomes: list[Outcome]) -> list[Member]:
        """*members* less those stored early, each told to *outcomes* as collected."""
        left: list[Member] = []
        for member in members:
            if member.row.id in self.written:
                outcomes.append(Outcome(member.repo, "collected"))
            else:
                left.append(member)
        return left

    def page(self, owner: OwnerId, repos: Sequence[ListedRepo]) -> None:
        """One page of *owner*'s listing, just read: its settled members are stored."""
        self._group.create_task(self._write(owner, tuple(repos)))

    async def _write(self, owner: OwnerId, repos: tuple[ListedRepo, ...]) -> None:
        stored = await self._stored
        if self._plans is None:
            self._plans = self._planner(stored.known)
        planner = self._plans
        project = self._projects.get(owner.key)
        if project is None:
            return
        async with self._turn:
            settled: dict[int, ListedRepo] = {}
            for listed in repos:
                row_id = self._settles(owner, project, listed, stored, planner)
                if row_id is not None:
                    settled[row_id] = listed
            if not settled:
                return
            values: list[ObservationIn] = []
            releases: list[tuple[int, ReleaseIn]] = []
            for row_id, listed in settled.items():
                found, kept = snapshot_rows(row_id, listed.snapshot, self._observed_at)
                values += found
                releases += kept
            try:
                await self._database.write(write_collected, values, releases)
            except MonitorError as exc:  # refused: left to the cycle's batches, which say why
                log.warning("collect.early_write_failed owner=%s repos=%d reason=%r", owner,
                            len(settled), str(exc))
                return
            except Exception:  # a bug here must not end the cycle: the batches try again
                log.exception("collect.early_write_error owner=%s repos=%d", owner, len(settled))
                return
            self.written.update(settled)

    def _settles(
        self, owner: OwnerId, project: Project, listed: ListedRepo, stored: Stored,
        planner: Planner,
    ) -> int | None:
        """The row id of the member *listed* is, when its page settles it (see the module)."""
        snapshot = listed.snapshot
        if snapshot.platform_id is None:
            return None
        member = stored.listed.get((owner.platform, snapshot.platform_id))
        if member is None or member.via.key != owner.key or member.repo_id in self.written:
            return None
        if (member.owner, member.name) != (snapshot.owner, snapshot.name):
            return None
        if snapshot.created_at not in (None, member.created_at):
            return None
        if listed.repo.key in self._named or not takes(project, listed):
            return None
        return None if planner.asks(member.repo_id, snapshot) else member.repo_id
