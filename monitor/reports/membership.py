"""Which repos a report reads for each project, and which joined or left in the period (pure).

The rule (SPEC, "Whole owners"; :data:`~monitor.reports.model.MEMBERSHIP_RULE`, stated in every
report): a project's history is the history of the repos it has now — today's membership,
applied to every period. So a project's sums, ranks and charts add the repos it has today, in
every period, and a repo that has left is in none of them; the report only names the repos that
joined or left during its period.

A *membership source* gives each project's repos as :class:`Member` rows: a repo, when it joined
and when it left (``None``: not known / not left). :func:`membership_in` reads one period's view
of them. Today's source is the configuration (:func:`configured_members`: the repos each project
lists, no dates known); a stored membership (owners' listings, with the dates repos joined and
left) plugs in by replacing it in :func:`monitor.reports.data.project_members`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.config.repos import Tracked
from monitor.ids import RepoId
from monitor.reports.model import Period

__all__ = ["Member", "Membership", "configured_members", "membership_in"]


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
