"""Which repos each project has: the membership rule over the owners' listings."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.ids import OwnerId, RepoId

__all__ = ["Assigned"]


@dataclass(frozen=True)
class Assigned:
    """A repo a project has: named in ``repos.toml`` (``via`` None) or listed by an owner."""

    repo: RepoId
    via: OwnerId | None
    platform_id: int | None = None
