"""What collect and backfill share around their work: which repos a run covers (the members of
every project now), the repos and owners a user asked for, and the order outcomes are told in.

Both commands take the same arguments and begin and end alike:

* A user names repos and owners (``collect github:acme gitee:a/b``). :func:`select` checks each
  against what is tracked before anything is asked or written: an owner must be in some
  project's ``orgs``, a repo named in ``repos`` or a member an owner's listing brought (read
  from the store). Anything else is bad input: one line, nothing changed.
* They begin by making the store hold the membership (:func:`member_rows`, inside the caller's
  transaction, which goes on to record more): the repos ``repos.toml`` names, and those the
  owners' listings bring (collect lists owners first; backfill lists none, so every owner counts
  as unlisted and keeps its members). Each member comes back with its row.
* They work platform by platform, concurrently, so outcomes arrive interleaved, and end by
  putting them back in the membership's order (:func:`in_config_order`): each project in config
  order, its named repos as the user wrote them, then its owners' repos.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from monitor.config.members import Assignment
from monitor.config.repos import Tracked
from monitor.errors import InputError
from monitor.ids import OwnerId, RepoId
from monitor.store.members import Held, hold_members
from monitor.store.models import RepoRow
from monitor.store.stays import current_members, member_id

if TYPE_CHECKING:
    from sqlmodel import Session

__all__ = [
    "Member",
    "Selection",
    "in_config_order",
    "member_keys",
    "member_rows",
    "select",
]


class _Outcome(Protocol):
    @property
    def repo(self) -> RepoId: ...


Outcome = TypeVar("Outcome", bound=_Outcome)


@dataclass(frozen=True)
class Member:
    """A repo of some project now, with its row."""

    #: As told to the user: a named repo as ``repos.toml`` spells it, a listed one as listed.
    repo: RepoId
    row: RepoRow
    via: OwnerId | None  # the owner whose listing brought it; None: named

    @property
    def current(self) -> RepoId:
        """The repo as its platform last named it (what a request for it uses)."""
        return RepoId(self.row.platform, self.row.owner, self.row.name)


@dataclass(frozen=True)
class Selection:
    """What a run covers: everything, or the repos and owners a user named (in that order)."""

    named: tuple[RepoId | OwnerId, ...] = ()  # owners spelt as configured

    @property
    def everything(self) -> bool:
        return not self.named

    def listed_owners(self, tracked: Tracked) -> tuple[OwnerId, ...]:
        """The owners to list this cycle: every tracked one, or those named."""
        if self.everything:
            return tracked.owners()
        return tuple(item for item in self.named if isinstance(item, OwnerId))

    def wants(self, member: Member) -> bool:
        return self.rank(member) is not None

    def rank(self, member: Member) -> int | None:
        """Where *member* comes among the ids named (the first naming it), None when none
        does; 0 for every member when everything is covered."""
        if self.everything:
            return 0
        keys = (member.repo.key, member.current.key)
        via = member.via.key if member.via is not None else None
        for i, item in enumerate(self.named):
            hit = item.key in keys if isinstance(item, RepoId) else item.key == via
            if hit:
                return i
        return None

    def order(self, members: Sequence[Member]) -> list[Member]:
        """The members covered, in the order named (the membership's order within an owner)."""
        ranked = [(rank, i, m) for i, m in enumerate(members)
                  if (rank := self.rank(m)) is not None]
        return [m for _, _, m in sorted(ranked, key=lambda item: item[:2])]


def select(
    tracked: Tracked, only: Sequence[RepoId | OwnerId], listed: Collection[str] = (),
) -> Selection:
    """The run's :class:`Selection` from the ids a user gave (none: everything). *listed* holds
    the keys of the repos the owners' listings brought (see :func:`member_keys`). Raises
    :class:`InputError`, naming every id that is not tracked."""
    if not only:
        return Selection()
    owners = {o.key: o for o in tracked.owners()}
    named = {r.key for r in tracked.repos()}
    missing = [
        str(item) for item in only
        if (item.key not in owners if isinstance(item, OwnerId)
            else item.key not in named and item.key not in listed)
    ]
    if missing:
        raise InputError(f"not tracked: {', '.join(missing)} (add with `aoss-monitor track`)")
    return Selection(tuple(dict.fromkeys(
        owners[item.key] if isinstance(item, OwnerId) else item for item in only)))


def member_keys(session: Session) -> frozenset[str]:
    """The keys every member now answers to: as assigned, and as its platform names it."""
    return frozenset(
        key for rows in current_members(session.connection()).values() for m in rows
        for key in (m.repo.key, m.current_name.lower())
    )


def member_rows(
    session: Session, tracked: Tracked, assignment: Assignment, now: datetime,
) -> list[Member]:
    """Store *assignment* (:func:`~monitor.store.members.hold_members`: joins and leaves at
    *now*); every member now with its row, in the membership's order: each project's assigned
    repos in order, then the members kept from owners not listed this time (by project, then
    as :func:`~monitor.store.stays.current_members` orders them)."""
    held = hold_members(session, assignment.projects, assignment.unlisted, now)
    assigned = {a.repo.key: a for found in assignment.projects.values() for a in found}
    order = {key: i for i, key in enumerate(assigned)}
    projects = {p.name: i for i, p in enumerate(tracked.projects)}

    def place(item: tuple[str, Held]) -> tuple[int, int, str, str, datetime | None]:
        key, member = item
        if key in order:
            return order[key], 0, "", "", None
        return (len(order), projects.get(member.project, len(projects)), str(member.via),
                member.row.config_key or "", member.kept_since)

    def repo(key: str, row: RepoRow) -> RepoId:
        if key in assigned:
            return assigned[key].repo
        return member_id(row.config_key, row.platform, row.owner, row.name)

    return [Member(repo(key, m.row), m.row, m.via) for key, m in sorted(held.items(), key=place)]


def in_config_order(outcomes: list[Outcome], wanted: Sequence[RepoId]) -> None:
    """Sort *outcomes* (one per repo of *wanted*) in place into the order of *wanted*."""
    order = {repo_id: i for i, repo_id in enumerate(wanted)}
    outcomes.sort(key=lambda o: order[o.repo])
