"""What is tracked, joined with what the store knows: the data behind ``repos``.

The config says what is tracked and how it is grouped; the store says what was last seen and
which repos the owners' listings brought (the members now, :mod:`monitor.store.members`). Each
project lists its named repos in config order, known to the store or not yet, then the repos
its owners' listings brought, each with the owner it came through (``via``). A named repo
renamed on its platform is still listed under its configured id, with its current name and a
notice to update ``repos.toml`` (:func:`rename_notice`, which ``status`` shows too). Nothing
is written: the members are what the last collection made them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.ids import OwnerId, RepoId
from monitor.instants import iso_z

if TYPE_CHECKING:
    from monitor.config.settings import Settings
    from monitor.store.latest import LatestValues

__all__ = ["ProjectView", "RepoView", "rename_notice", "tracked_overview"]


def rename_notice(configured: str, current: str) -> str:
    """What ``repos`` and ``status`` say of a repo its platform renamed (or moved): the history
    follows it, ``repos.toml`` is left as it is for the user to update."""
    return f"{configured} is now {current}: update config/repos.toml"


@dataclass(frozen=True)
class RepoView:
    repo: RepoId
    current_name: str | None  # "platform:Owner/Name" when the platform renamed it
    last_collected_at: datetime | None
    values: dict[str, int] = field(default_factory=dict)
    via: OwnerId | None = None  # the owner whose listing brought it; None: named

    @property
    def notice(self) -> str | None:
        return rename_notice(str(self.repo), self.current_name) if self.current_name else None

    def as_json(self) -> dict[str, Any]:
        return {
            "repo": str(self.repo),
            "current_name": self.current_name,
            "notice": self.notice,
            "last_collected_at": iso_z(self.last_collected_at),
            "values": dict(self.values),
            "via": None if self.via is None else str(self.via),
        }


@dataclass(frozen=True)
class ProjectView:
    name: str
    groups: tuple[str, ...]
    repos: tuple[RepoView, ...]
    orgs: tuple[OwnerId, ...] = ()

    @property
    def unlisted(self) -> tuple[OwnerId, ...]:
        """The owners no member came through yet (not listed yet, or nothing in their listing
        is taken): a project of owners shows them until its repos arrive."""
        brought = {view.via.key for view in self.repos if view.via is not None}
        return tuple(owner for owner in self.orgs if owner.key not in brought)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "groups": list(self.groups),
            "orgs": [str(owner) for owner in self.orgs],
            "repos": [repo.as_json() for repo in self.repos],
        }


def tracked_overview(settings: Settings) -> list[ProjectView]:
    """Every tracked project, in config order, with each repo's latest collected values."""
    # Loaded here: ``status`` imports this module for rename_notice alone, and starts fast.
    from monitor.commands.init import open_home_database
    from monitor.store.latest import latest_values
    from monitor.store.status import repos_by_id
    from monitor.store.stays import current_members

    views = []
    with open_home_database(settings) as (database, tracked), database.session() as session:
        keys = {rid.key for rid in tracked.repos()}
        conn = session.connection()
        named = {row.config_key: row for row in repos_by_id(conn, keys).values()}
        members = current_members(conn)
        latest = latest_values(session)
        for project in tracked.projects:
            repos = []
            for repo_id in project.repos:
                row = named.get(repo_id.key)
                seen = latest.get(row.id) if row is not None else None
                repos.append(_view(repo_id, row.canonical if row and row.renamed else None,
                                   seen))
            for member in members.get(project.name, ()):
                if member.via is not None and member.repo.key not in keys:
                    repos.append(_view(member.repo, None, latest.get(member.repo_id),
                                       member.via))
            views.append(ProjectView(project.name, project.groups, tuple(repos), project.orgs))
    return views


def _view(
    repo: RepoId, current_name: str | None, seen: LatestValues | None, via: OwnerId | None = None
) -> RepoView:
    return RepoView(
        repo=repo,
        current_name=current_name,
        last_collected_at=seen.last_collected_at if seen else None,
        values=dict(seen.values) if seen else {},
        via=via,
    )
