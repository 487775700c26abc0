"""What a cycle asks of each member: nothing beyond its owner's listing where that tells enough,
else only the metrics that are due.

Why it is shaped like this:

* A repo an owner's listing showed this cycle takes its metrics from the listing, with no
  request of its own (a named repo too: the listing of another project's owner is as good a
  read of it). What the listing lacks is asked on its own cadence with a target naming just
  those metrics (:attr:`~monitor.platforms.base.RepoTarget.metrics`): contributors every
  ``contributors_every``; the rest (open PRs and releases on Gitee; watchers, open issues, open
  PRs and releases on GitHub without a token) every ``details_every``. GitHub's GraphQL listing
  tells everything but contributors.
* A metric is due when its newest collected value is at least that old, or missing. One not
  asked in a cycle is simply not observed in it: missing is "no data", and an old value is never
  stored again as new.
* A listing holds a repo's newest few releases (GraphQL: ten). When they do not reach back to
  the releases already stored (:func:`~monitor.platforms.releases.settled`), the release list is
  read back for that repo at once, whatever the cadence: a count without its releases would
  leave a hole in the release table.
* A repo no listing showed this cycle (a named one; a member of an owner whose listing failed)
  is fetched whole as before, except what costs a request of its own on its platform
  (:data:`OWN_REQUESTS`: Gitee's open PRs and releases), which is due every ``details_every``.
  GitHub reads those in its GraphQL batch, or without a token from answers a 304 makes free.
* The listing's snapshot is named as the member (a named repo as configured), so a named repo
  the platform renamed is noticed as before; a details fetch only adds metrics (and releases)
  to it and never stands for the repo's identity: it has no creation time, and the name it was
  asked by.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from monitor.commands.listings import ListingPhase
from monitor.commands.plan import Member
from monitor.ids import RepoId
from monitor.metrics import METRICS
from monitor.platforms.base import RepoSnapshot, RepoTarget
from monitor.platforms.releases import settled
from monitor.store.models import RepoRow

__all__ = ["OWN_REQUESTS", "Item", "Known", "Planner"]

#: Metrics that cost a request of their own beside the repo object, by platform: a repo no
#: listing showed asks them every ``details_every`` rather than every cycle.
OWN_REQUESTS: dict[str, frozenset[str]] = {"gitee": frozenset({"open_prs", "releases"})}


@dataclass(frozen=True)
class Known:
    """What the store knows that a plan needs."""

    #: Each metric's newest collected observation time, by repo row id.
    last: Mapping[str, Mapping[int, datetime]]
    #: The stored release tags, by repo row id.
    releases: Mapping[int, frozenset[str]]


@dataclass(frozen=True)
class Item:
    """One member to collect this cycle: what its owner's listing told, what to fetch."""

    member: Member
    listed: RepoSnapshot | None  # this cycle's listing of it, named as the member
    target: RepoTarget | None  # None: nothing to ask beyond the listing

    @property
    def repo(self) -> RepoId:
        return self.member.repo

    @property
    def row(self) -> RepoRow:
        return self.member.row


class Planner:
    """Plans each member's fetch as of the cycle's start, from what the store knows."""

    def __init__(
        self, known: Known, started: datetime, *, contributors_every: int, details_every: int,
    ) -> None:
        self._known = known
        self._contributors_after = started - timedelta(seconds=contributors_every)
        self._details_after = started - timedelta(seconds=details_every)

    def plan(self, members: Sequence[Member], listings: ListingPhase) -> dict[str, list[Item]]:
        """Each member's :class:`Item`, by platform, in *members*' order."""
        plan: dict[str, list[Item]] = {}
        for member in members:
            found = listings.find(member.repo, member.row.platform_id)
            item = (self.listed(member, found.snapshot) if found is not None
                    else self.alone(member))
            plan.setdefault(member.repo.platform, []).append(item)
        return plan

    def listed(self, member: Member, snapshot: RepoSnapshot) -> Item:
        """A member its owner's listing showed: the listing, and what it lacks that is due."""
        rid = member.row.id
        asked = self.asks(rid, snapshot)
        target = None
        if asked:
            current = RepoId(member.repo.platform, snapshot.owner, snapshot.name)
            target = RepoTarget(current, snapshot.platform_id, "contributors" in asked,
                                self._known.releases.get(rid, frozenset()), asked)
        return Item(member, replace(snapshot, repo=member.repo), target)

    def asks(self, repo_id: int, snapshot: RepoSnapshot) -> frozenset[str]:
        """What to ask of the repo of row *repo_id* beyond its listing *snapshot*: the metrics
        the listing lacks that are due, and its releases when the listing's do not reach back
        to those stored (empty: the listing tells all this cycle needs)."""
        asked = {m for m in METRICS if m not in snapshot.metrics and m != "contributors"
                 and self._due(m, repo_id, self._details_after)}
        known = self._known.releases.get(repo_id, frozenset())
        if "releases" in snapshot.metrics and not settled(
            {r.tag for r in snapshot.releases}, known, snapshot.metrics["releases"]
        ):
            asked.add("releases")
        if self._due("contributors", repo_id, self._contributors_after):
            asked.add("contributors")
        return frozenset(asked)

    def alone(self, member: Member) -> Item:
        """A member no listing showed: fetched whole, less what is not due of
        :data:`OWN_REQUESTS`."""
        row, rid = member.row, member.row.id
        resting = {m for m in OWN_REQUESTS.get(member.repo.platform, ())
                   if not self._due(m, rid, self._details_after)}
        metrics = frozenset(METRICS) - resting if resting else None
        target = RepoTarget(member.repo, row.platform_id,
                            self._due("contributors", rid, self._contributors_after),
                            self._known.releases.get(rid, frozenset()), metrics)
        return Item(member, None, target)

    def _due(self, metric: str, repo_id: int, fresh_after: datetime) -> bool:
        seen = self._known.last.get(metric, {}).get(repo_id)
        return seen is None or seen <= fresh_after

