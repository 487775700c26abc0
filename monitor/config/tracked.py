"""What ``config/repos.toml`` says is tracked, once loaded: groups and projects.

A project is one piece of software: its named ``repos`` (homes and mirrors on each platform)
and, for an ecosystem, whole owners (``orgs``) whose listed repos join it, less those its
``exclude`` globs name and, unless it asks for them, forks and archived repos. Which listed repo
lands where is decided by :func:`monitor.config.members.assign`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

from monitor.ids import OwnerId, RepoId

__all__ = ["GROUP_KEY", "Group", "Project", "Tracked"]

#: What a group key may be: it is written bare in ``[groups.KEY]`` and typed after ``--group``.
GROUP_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Group:
    key: str
    title: str


@dataclass(frozen=True)
class Project:
    """One piece of software; its repos are its homes and mirrors on each platform, and the
    public repos of its owners (``orgs``)."""

    name: str
    groups: tuple[str, ...]
    repos: tuple[RepoId, ...]
    orgs: tuple[OwnerId, ...] = ()
    #: Shell globs (``*``, ``?``, ``[…]``) over repo ids; an owner's listed repo they match is
    #: left out. A repo named in ``repos`` is never excluded: naming it is asking for it.
    exclude: tuple[str, ...] = ()
    forks: bool = False
    archived: bool = False

    def excludes(self, repo: RepoId) -> bool:
        """Whether an ``exclude`` glob matches *repo*'s id, ignoring case as the platforms do."""
        return any(fnmatchcase(repo.key, glob.lower()) for glob in self.exclude)


@dataclass(frozen=True)
class Tracked:
    groups: dict[str, Group]
    projects: tuple[Project, ...]

    def repos(self) -> tuple[RepoId, ...]:
        """Every named repo, in file order (an owner's repos come from its listing)."""
        return tuple(repo for project in self.projects for repo in project.repos)

    def owners(self) -> tuple[OwnerId, ...]:
        """Every owner in ``orgs``, in file order."""
        return tuple(owner for project in self.projects for owner in project.orgs)

    def project_of(self, repo: RepoId) -> Project | None:
        """The project naming *repo*, compared as the platforms do (ignoring case)."""
        return next(
            (p for p in self.projects if any(r.key == repo.key for r in p.repos)), None
        )

    def project_of_owner(self, owner: OwnerId) -> Project | None:
        """The project whose ``orgs`` hold *owner* (ignoring case)."""
        return next(
            (p for p in self.projects if any(o.key == owner.key for o in p.orgs)), None
        )

    def project(self, name: str) -> Project | None:
        """The project called *name*; names are unique ignoring case."""
        wanted = name.casefold()
        return next((p for p in self.projects if p.name.casefold() == wanted), None)
