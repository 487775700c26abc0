"""The ``membership`` stays, read: which repos each project has, and had.

Plain Core reads (:mod:`monitor.store.tables`), so ``status`` reads them without the ORM; they
are kept by :mod:`monitor.store.members`. Readers: :func:`current_members` (``repos``, scrapes),
:func:`left_members` (``status``), :func:`project_stays` (reports).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func
from sqlalchemy import select as core_select

from monitor.errors import InputError
from monitor.ids import OwnerId, RepoId
from monitor.store import tables
from monitor.store.sql import read_many

__all__ = [
    "LeftRow",
    "ListedMemberRow",
    "MemberRow",
    "StayRow",
    "current_members",
    "left_members",
    "listed_members",
    "member_id",
    "project_stays",
]


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A repo a project has now."""

    repo_id: int
    repo: RepoId  # as assigned (its config key), in the platform's case where the name agrees
    current_name: str  # platform:Owner/Name as the platform last named it
    via: OwnerId | None  # the owner whose listing brought it; None: named in repos.toml
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class ListedMemberRow:
    """A member now that an owner's listing brought, as its repo row names it."""

    repo_id: int
    via: OwnerId
    owner: str
    name: str
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class LeftRow:
    """A repo that left a project and is a member of none now."""

    repo: str  # platform:Owner/Name as the platform last named it
    project: str
    via: OwnerId | None
    left_at: datetime


@dataclass(frozen=True, slots=True)
class StayRow:
    """One stay of a repo in a project (``left_at`` None: a member now)."""

    project: str
    repo: RepoId  # as for MemberRow
    via: OwnerId | None
    joined_at: datetime
    left_at: datetime | None


def member_id(key: str | None, platform: str, owner: str, name: str) -> RepoId:
    """The id a repo is a member under: its key, in the platform's case where they agree."""
    current = RepoId(platform, owner, name)
    if key is None or key == current.key:
        return current
    try:
        return RepoId.parse(key)
    except InputError:
        return current


def _via(text: str | None) -> OwnerId | None:
    return None if text is None else OwnerId.parse(text)


def _stays(open_only: bool) -> Any:
    m, r, p = tables.membership, tables.repo, tables.project
    stmt = (
        core_select(p.c.name, r.c.id, r.c.config_key, r.c.platform, r.c.owner, r.c.name,
                    m.c.via, m.c.joined_at, m.c.left_at)
        .select_from(m.join(r, r.c.id == m.c.repo_id).join(p, p.c.id == m.c.project_id))
        .order_by(p.c.name, m.c.via.is_not(None), m.c.via, r.c.config_key, m.c.joined_at)
    )
    return stmt.where(m.c.left_at.is_(None)) if open_only else stmt


def current_members(conn: Connection) -> dict[str, list[MemberRow]]:
    """Each project's members now, by project name: the named ones first, then by owner."""
    found: dict[str, list[MemberRow]] = {}
    for project, repo_id, key, platform, owner, name, via, joined_at, _ in (
        conn.execute(_stays(open_only=True))
    ):
        found.setdefault(project, []).append(MemberRow(
            repo_id, member_id(key, platform, owner, name), f"{platform}:{owner}/{name}",
            _via(via), joined_at,
        ))
    return found


def listed_members(conn: Connection) -> dict[tuple[str, int], ListedMemberRow]:
    """The members now that an owner's listing brought, by platform and platform id (a member
    whose platform id is not known yet is left out)."""
    m, r = tables.membership, tables.repo
    stmt = (
        core_select(r.c.platform, r.c.platform_id, r.c.id, m.c.via, r.c.owner, r.c.name,
                    r.c.created_at)
        .select_from(m.join(r, r.c.id == m.c.repo_id))
        .where(m.c.left_at.is_(None), m.c.via.is_not(None), r.c.platform_id.is_not(None))
    )
    owners: dict[str, OwnerId] = {}  # a few owners bring thousands of members
    return {(platform, platform_id): ListedMemberRow(
                repo_id, owners.get(via) or owners.setdefault(via, OwnerId.parse(via)), owner,
                name, created_at)
            for platform, platform_id, repo_id, via, owner, name, created_at
            in read_many(conn, stmt)}


def project_stays(conn: Connection) -> dict[str, list[StayRow]]:
    """Every stay of every project, by project name, in :func:`current_members`' order."""
    found: dict[str, list[StayRow]] = {}
    for project, _, key, platform, owner, name, via, joined_at, left_at in (
        conn.execute(_stays(open_only=False))
    ):
        found.setdefault(project, []).append(StayRow(
            project, member_id(key, platform, owner, name), _via(via), joined_at, left_at,
        ))
    return found


def left_members(
    conn: Connection, since: datetime | None = None, *, listed: bool = False
) -> list[LeftRow]:
    """The repos that left a project and are a member of none now, each with its latest
    stay's end (at or after *since*, if given), newest first. *listed*: only those an owner's
    listing had brought."""
    m, r, p = tables.membership, tables.repo, tables.project
    back = core_select(m.c.repo_id).where(m.c.left_at.is_(None))
    newest = func.row_number().over(partition_by=m.c.repo_id,
                                    order_by=(m.c.left_at.desc(), m.c.id.desc()))
    ended = (
        core_select(m.c.repo_id, m.c.project_id, m.c.via, m.c.left_at, newest.label("newest"))
        .where(m.c.left_at.is_not(None), m.c.repo_id.not_in(back))
        .subquery("ended")
    )
    stmt = (
        core_select(r.c.platform, r.c.owner, r.c.name, p.c.name, ended.c.via, ended.c.left_at)
        .select_from(ended.join(r, r.c.id == ended.c.repo_id)
                     .join(p, p.c.id == ended.c.project_id))
        .where(ended.c.newest == 1)
        .order_by(ended.c.left_at.desc(), r.c.platform, func.lower(r.c.owner),
                  func.lower(r.c.name))
    )
    if since is not None:
        stmt = stmt.where(ended.c.left_at >= since)
    if listed:
        stmt = stmt.where(ended.c.via.is_not(None))
    return [LeftRow(f"{platform}:{owner}/{name}", project, _via(via), left_at)
            for platform, owner, name, project, via, left_at
            in conn.execute(stmt)]
