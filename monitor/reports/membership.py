"""Which repos a report reads for each project, and which joined or left in the period (pure).

The rule (SPEC, "Whole owners"; :data:`~monitor.reports.model.MEMBERSHIP_RULE`, stated in every
report): a project's history is the history of the repos it has now — today's membership,
applied to every period. So a project's sums, ranks and charts add the repos it has today, in
every period, and a repo that has left is in none of them; the report only names the repos that
joined or left during its period.

A *membership source* gives each project's repos as :class:`Member` rows: a repo, when it joined
and when it left (``None``: not known / not left). :func:`membership_in` reads one period's view
of them. The source is the stored membership (:func:`stored_members`: the named repos and the
owners' listings, with the dates repos joined and left), or for a project with nothing stored
yet the configuration (:func:`configured_members`: the repos it lists, no dates known).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from monitor.config.repos import Tracked
from monitor.ids import RepoId
from monitor.reports.model import Period

__all__ = ["Member", "Membership", "Stay", "configured_members", "membership_in", "stored_members"]


@dataclass(frozen=True)
class Member:
    """A repo's time in a project; a repo that joined twice has two rows."""

    repo: RepoId
    joined_at: datetime | None = None  # None: not known (a member since before any report)
    left_at: datetime | None = None  # None: a member today


@dataclass(frozen=True)
class Membership:
    """One project in one period."""

    repos: tuple[RepoId, ...]  # the repos it has now, in the source's order: the report's repos
    joined: tuple[RepoId, ...]  # joined during the period (whether or not they stayed)
    left: tuple[RepoId, ...]  # left during the period and not back since


def _during(moment: datetime | None, period: Period) -> bool:
    return moment is not None and period.start <= moment < period.end


def membership_in(members: Sequence[Member], period: Period) -> Membership:
    """The repos a project has now, and those that joined or left it during *period*.

    Each list names a repo once (compared as the platforms do, ignoring case), in the order of
    its first row in *members*.
    """
    now: dict[str, RepoId] = {}
    joined: dict[str, RepoId] = {}
    left: dict[str, RepoId] = {}
    for member in members:
        key = member.repo.key
        if member.left_at is None:
            now.setdefault(key, member.repo)
        if _during(member.joined_at, period):
            joined.setdefault(key, member.repo)
        if _during(member.left_at, period):
            left.setdefault(key, member.repo)
    return Membership(
        repos=tuple(now.values()),
        joined=tuple(joined.values()),
        left=tuple(repo for key, repo in left.items() if key not in now),
    )


def configured_members(tracked: Tracked) -> dict[str, tuple[Member, ...]]:
    """Today's source: every repo each project lists in ``repos.toml``, by project name."""
    return {project.name: tuple(Member(repo) for repo in project.repos)
            for project in tracked.projects}


class Stay(Protocol):
    """A stored stay of a repo in a project (:class:`monitor.store.members.StayRow`)."""

    @property
    def repo(self) -> RepoId: ...
    @property
    def joined_at(self) -> datetime: ...
    @property
    def left_at(self) -> datetime | None: ...


def stored_members(
    stays: Mapping[str, Sequence[Stay]], tracked: Tracked
) -> dict[str, tuple[Member, ...]]:
    """Each tracked project's stays as members, by project name: its named repos first, in
    config order (the first is its home) and under the id the config gives them, then the
    others as given. A project with no stay (a fresh install before its first collection)
    has its configured repos."""
    configured = configured_members(tracked)
    named = {rid.key: rid for rid in tracked.repos()}
    found: dict[str, tuple[Member, ...]] = {}
    for project in tracked.projects:
        rows = stays.get(project.name)
        if not rows:
            found[project.name] = configured[project.name]
            continue
        order = {rid.key: i for i, rid in enumerate(project.repos)}
        ordered = sorted(rows, key=lambda stay: order.get(stay.repo.key, len(order)))
        found[project.name] = tuple(
            Member(named.get(stay.repo.key, stay.repo), stay.joined_at, stay.left_at)
            for stay in ordered
        )
    return found
