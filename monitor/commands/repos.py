"""What is tracked, joined with what the store knows: the data behind ``repos``.

The config says what is tracked and how it is grouped; the store says what was last seen. A
repo renamed on its platform is still listed under its configured id, with its current name and
a notice to update ``repos.toml`` (:func:`rename_notice`, which ``status`` shows too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.ids import RepoId
from monitor.instants import iso_z

if TYPE_CHECKING:
    from monitor.config.settings import Settings

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
        }


@dataclass(frozen=True)
class ProjectView:
    name: str
    groups: tuple[str, ...]
    repos: tuple[RepoView, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "groups": list(self.groups),
            "repos": [repo.as_json() for repo in self.repos],
        }


def tracked_overview(settings: Settings) -> list[ProjectView]:
    """Every tracked project, in config order, with each repo's latest collected values."""
    # Loaded here: ``status`` imports this module for rename_notice alone, and starts fast.
    from monitor.commands.init import open_home_database
    from monitor.store.series import latest_values, sync_projects

    views = []
    with (
        open_home_database(settings) as (database, tracked),
        database.session(write=True) as session,
    ):
        rows = sync_projects(session, [(p.name, p.repos) for p in tracked.projects],
                             settings.clock())
        latest = latest_values(session)
        for project in tracked.projects:
            repos = []
            for repo_id in project.repos:
                row = rows[repo_id.key]
                seen = latest.get(row.id) if row.id is not None else None
                repos.append(RepoView(
                    repo=repo_id,
                    current_name=row.canonical if row.renamed else None,
                    last_collected_at=seen.last_collected_at if seen else None,
                    values=dict(seen.values) if seen else {},
                ))
            views.append(ProjectView(project.name, project.groups, tuple(repos)))
    return views
