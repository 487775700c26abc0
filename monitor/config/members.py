"""Which repos belong to which project now: the membership rule, pure.

A project's members are the repos it names (``repos``) and the repos its owners' listings
(``orgs``) hold. Given the tracked list and the owners' listings as the platforms gave them,
:func:`assign` decides each project's members; it reads no clock, database or network, so the
collector, ``status`` and the tests apply one rule. Its rules:

* a named repo always belongs to the project naming it (``via`` None), even when an owner of
  another project lists it: naming a repo is the strongest claim;
* no repo counts twice: once a repo is taken (by id ignoring case, or by platform id when both
  sides know it: a repo renamed between listings), later listings of it are skipped;
* a listed repo is taken only if it is public, not a fork unless the project asks for forks,
  not archived unless it asks for archived repos, and matched by none of its ``exclude`` globs;
* a listed repo is taken as listed even when its id is no longer under the owner that listed it
  (a transfer the listing already shows);
* an owner whose listing failed (None, or absent) is in :attr:`Assignment.unlisted` and adds
  nothing: whoever keeps members keeps that owner's previous ones as they are;
* order is the file's: every project, in config order, its named repos first, then each owner's
  accepted repos in the owner's order and the listing's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from monitor.config.tracked import Project, Tracked
from monitor.ids import OwnerId, RepoId

__all__ = ["Assigned", "Assignment", "Listed", "assign", "takes"]


class Listed(Protocol):
    """One repo in an owner's listing, as a platform describes it."""

    @property
    def repo(self) -> RepoId: ...

    @property
    def platform_id(self) -> int | None: ...

    @property
    def fork(self) -> bool: ...

    @property
    def archived(self) -> bool: ...

    @property
    def private(self) -> bool: ...


@dataclass(frozen=True)
class Assigned:
    """A member of a project: named (``via`` None) or through the owner that listed it."""

    repo: RepoId
    via: OwnerId | None
    platform_id: int | None = None


@dataclass(frozen=True)
class Assignment:
    #: Every project by name, in config order: its named repos, then its owners' listed repos.
    projects: dict[str, tuple[Assigned, ...]]
    #: Owners whose listing failed: their previous members are kept as they are.
    unlisted: frozenset[OwnerId]


def assign(
    tracked: Tracked, listings: Mapping[OwnerId, Sequence[Listed] | None]
) -> Assignment:
    """Each project's members now, from *tracked* and the owners' *listings* (see the module)."""
    taken = _Taken()
    members: dict[str, list[Assigned]] = {project.name: [] for project in tracked.projects}
    for project in tracked.projects:
        for repo in project.repos:
            taken.take(repo, None)
            members[project.name].append(Assigned(repo, None))
    unlisted: set[OwnerId] = set()
    for project in tracked.projects:
        for owner in project.orgs:
            listing = listings.get(owner)
            if listing is None:
                unlisted.add(owner)
                continue
            for listed in listing:
                if takes(project, listed) and not taken.has(listed.repo, listed.platform_id):
                    taken.take(listed.repo, listed.platform_id)
                    members[project.name].append(
                        Assigned(listed.repo, owner, listed.platform_id)
                    )
    return Assignment(
        projects={name: tuple(found) for name, found in members.items()},
        unlisted=frozenset(unlisted),
    )


def takes(project: Project, listed: Listed) -> bool:
    """Whether *project* takes a repo its owner lists, by the repo's own state."""
    if listed.private:
        return False
    if listed.fork and not project.forks:
        return False
    if listed.archived and not project.archived:
        return False
    return not project.excludes(listed.repo)


class _Taken:
    """The repos already placed: by id ignoring case, and by platform id where known."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.platform_ids: set[tuple[str, int]] = set()

    def has(self, repo: RepoId, platform_id: int | None) -> bool:
        if repo.key in self.keys:
            return True
        return platform_id is not None and (repo.platform, platform_id) in self.platform_ids

    def take(self, repo: RepoId, platform_id: int | None) -> None:
        self.keys.add(repo.key)
        if platform_id is not None:
            self.platform_ids.add((repo.platform, platform_id))
