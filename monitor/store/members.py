"""Which repos each project has, and had: the ``membership`` stays, kept and read.

:func:`sync_members` makes the store hold what the membership rule assigned
(:mod:`monitor.config.members`): the named repos and those the owners' listings bring. It opens
a stay for each new member, closes the stays of the repos no longer assigned (keeping their rows
and history) except those brought by an owner whose listing could not be read this time, and
moves a repo that changed project (one stay closed, another opened). Given the same assignment
twice it writes nothing; it never reads repo by repo: a repeat sync of a thousand members reads
the projects, the open stays and their repos (two chunks), and nothing else.

A repo is found by its platform id first (a renamed or transferred repo keeps its row and
history), then by its config key, the lowercase ``platform:owner/name`` it was assigned under.

The readers are in :mod:`monitor.store.stays` (Core only, for ``status``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from monitor.config.members import Assigned
from monitor.ids import OwnerId
from monitor.store.db import atomic
from monitor.store.models import Project, Repo
from monitor.store.models_membership import Membership
from monitor.store.sql import chunked, read_many, table

__all__ = [
    "Held",
    "hold_members",
    "move_stays",
    "sync_members",
]


# -- keeping -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Stay:
    id: int
    repo_id: int
    project_id: int
    via: str | None
    joined_at: datetime


@dataclass(slots=True)
class _New:
    """A repo row to add (lighter than the ORM object; thousands may join at once)."""

    platform: str
    platform_id: int | None
    owner: str
    name: str
    project_id: int
    added_at: datetime
    id: None = None
    config_key: None = None


#: Each assigned repo's row (stored, or to add) and ``via``, by the key it is a member under.
_Chosen = dict[str, tuple[Repo | _New, OwnerId | None]]


class _Rows:
    """The repo rows at hand, by platform id and by config key."""

    def __init__(self, rows: Iterable[Repo]) -> None:
        self.by_pid: dict[tuple[str, int], Repo] = {}
        self.by_key: dict[str, Repo] = {}
        self.add(rows)

    def add(self, rows: Iterable[Repo]) -> None:
        for row in rows:
            if row.platform_id is not None:
                self.by_pid[(row.platform, row.platform_id)] = row
            if row.config_key is not None:
                self.by_key[row.config_key] = row

    def find(self, member: Assigned) -> Repo | None:
        """The row of *member*: by platform id, else by key unless that row is another repo
        (one the platform knows by another id: deleted, and a new one made under the name)."""
        if member.platform_id is not None:
            row = self.by_pid.get((member.repo.platform, member.platform_id))
            if row is not None:
                return row
        row = self.by_key.get(member.repo.key)
        if row is None or None in (member.platform_id, row.platform_id):
            return row
        return row if row.platform_id == member.platform_id else None


@dataclass(frozen=True, slots=True)
class Held:
    """A member now, as a sync left it: its row, its project and how it is one."""

    row: Repo
    project: str
    via: OwnerId | None  # None: named
    #: Set for a member kept as it was (its owner's listing could not be read): since when.
    kept_since: datetime | None = None


def sync_members(
    session: Session,
    projects: Mapping[str, Sequence[Assigned]],
    unlisted: Collection[OwnerId],
    now: datetime,
) -> dict[str, Repo]:
    """:func:`hold_members`' rows: every member's row now, by the key it is a member under."""
    return {key: held.row for key, held in hold_members(session, projects, unlisted, now).items()}


def hold_members(
    session: Session,
    projects: Mapping[str, Sequence[Assigned]],
    unlisted: Collection[OwnerId],
    now: datetime,
) -> dict[str, Held]:
    """Make the stored membership what *projects* assign; returns every member now, by the key
    it is a member under (:attr:`RepoId.key`): the assigned ones, then those kept.

    A repo assigned twice is kept where it comes first among the named repos (``via`` None),
    else first in *projects*' order. A member no longer assigned leaves at *now*, unless an
    owner of *unlisted* brought it (that owner's listing failed: its members stay as they are).
    A new repo's row is added at *now*; nothing is ever deleted.
    """
    wanted = [(name, m) for name, assigned in projects.items() for m in assigned]
    wanted.sort(key=lambda item: item[1].via is not None)  # stable: the named ones first
    with atomic(session):
        project_ids = _project_ids(session, projects)
        names = {project_id: name for name, project_id in project_ids.items()}
        stays = {s.repo_id: s for s in _open_stays(session)}
        rows = _Rows(_repos(session, Repo.id, stays))
        _look_up(session, rows, [m for _, m in wanted])
        chosen = _choose(rows, wanted, project_ids, now)
        _place(session, rows, chosen)
        members: dict[str, Held] = {}
        closing, opening = [], []
        via_now: dict[str | None, list[int]] = {}  # stays kept whose via changes, by the new one
        for key, (row, via) in chosen.items():
            assert isinstance(row, Repo) and row.id is not None and row.project_id is not None
            members[key] = Held(row, names[row.project_id], via)
            stay = stays.pop(row.id, None)
            if stay is not None and stay.project_id == row.project_id:
                if stay.via != _text(via):
                    via_now.setdefault(_text(via), []).append(stay.id)
                continue
            if stay is not None:
                closing.append(stay.id)
            opening.append({"repo_id": row.id, "project_id": row.project_id, "via": _text(via),
                            "joined_at": now, "left_at": None})
        unread = {o.key for o in unlisted}
        for stay in stays.values():  # not assigned any more
            if (stay.via or "").lower() not in unread:
                closing.append(stay.id)
            elif (kept := session.get(Repo, stay.repo_id)) is not None:  # read above
                members[kept.config_key or kept.canonical.lower()] = Held(
                    kept, names[stay.project_id], OwnerId.parse(stay.via or ""), stay.joined_at)
        _write_stays(session, closing, opening, via_now, now)
        session.flush()
    return members


def _text(via: OwnerId | None) -> str | None:
    return None if via is None else str(via)


def _project_ids(session: Session, projects: Iterable[str]) -> dict[str, int]:
    """Every project's id by name, the projects of *projects* made where missing."""
    found = {p.name: p for p in session.exec(select(Project))}
    new = [Project(name=name) for name in projects if name not in found]
    if new:
        session.add_all(new)
        session.flush()
        found.update((p.name, p) for p in new)
    return {name: p.id for name, p in found.items() if p.id is not None}


def _open_stays(session: Session) -> list[_Stay]:
    m = table(Membership)
    stmt = core_select(m.c.id, m.c.repo_id, m.c.project_id, m.c.via, m.c.joined_at).where(
        m.c.left_at.is_(None))
    return [_Stay(*row) for row in read_many(session.connection(), stmt)]


def _repos(
    session: Session, column: Any, values: Iterable[Any], platform: str | None = None
) -> list[Repo]:
    """The repo rows whose *column* is among *values* (and of *platform*, if given)."""
    found: list[Repo] = []
    for chunk in chunked(sorted(set(values))):
        stmt = select(Repo).where(col(column).in_(chunk))
        if platform is not None:
            stmt = stmt.where(Repo.platform == platform)
        found += session.exec(stmt).all()
    return found


def _look_up(session: Session, rows: _Rows, wanted: Sequence[Assigned]) -> None:
    """Read the rows of the assigned repos not among *rows* yet, and of the keys they will
    take (another row may hold one): nothing to read in a repeat cycle."""
    missing = [m for m in wanted if (row := rows.find(m)) is None or row.config_key != m.repo.key]
    if not missing:
        return
    rows.add(_repos(session, Repo.config_key, [m.repo.key for m in missing]))
    ids: dict[str, set[int]] = {}
    for m in missing:
        if m.platform_id is not None:
            ids.setdefault(m.repo.platform, set()).add(m.platform_id)
    for platform, platform_ids in sorted(ids.items()):
        rows.add(_repos(session, Repo.platform_id, platform_ids, platform))


def _choose(
    rows: _Rows,
    wanted: Sequence[tuple[str, Assigned]],
    project_ids: Mapping[str, int],
    now: datetime,
) -> _Chosen:
    """Each assigned repo's row (a new one, added at *now*, where none is found) in its
    project, and its ``via``, by key; a row chosen for an earlier repo is not chosen twice."""
    chosen: _Chosen = {}
    taken: set[int] = set()
    for project, member in wanted:
        key, rid = member.repo.key, member.repo
        row = rows.find(member)
        if key in chosen or (row is not None and id(row) in taken):
            continue
        via = member.via
        if row is None:
            chosen[key] = (_New(rid.platform, member.platform_id, rid.owner, rid.name,
                                project_ids[project], now), via)
            continue
        if row.project_id != project_ids[project]:
            row.project_id = project_ids[project]
        taken.add(id(row))
        chosen[key] = (row, via)
    return chosen


def _place(session: Session, rows: _Rows, chosen: _Chosen) -> None:
    """Give each chosen row its key, taking it from any other row that held it (that repo is
    no longer known by that name), and store the new rows (in *chosen* they become the stored
    ones). Every row holding one of these keys is among *rows* (:func:`_look_up`)."""
    moving = {key: row for key, (row, _) in chosen.items() if row.config_key != key}
    if not moving:
        return
    holders = [rows.by_key[key] for key in moving if key in rows.by_key]
    old = [row for row in (*holders, *moving.values()) if isinstance(row, Repo)]
    if old:
        for row in old:
            row.config_key = None  # all at once first: two repos may have swapped names
        session.flush()
        for key, moved in moving.items():
            if isinstance(moved, Repo):
                moved.config_key = key
        session.flush()
    new = [{"platform": n.platform, "platform_id": n.platform_id, "owner": n.owner,
            "name": n.name, "config_key": key, "project_id": n.project_id,
            "added_at": n.added_at} for key, n in moving.items() if isinstance(n, _New)]
    if new:
        r = table(Repo)
        made = session.connection().execute(insert(r).returning(r.c.id), new).scalars().all()
        for stored in _repos(session, Repo.id, made):
            assert stored.config_key is not None
            chosen[stored.config_key] = (stored, chosen[stored.config_key][1])


def _write_stays(
    session: Session,
    closing: Sequence[int],
    opening: Sequence[dict[str, Any]],
    via_now: Mapping[str | None, Sequence[int]],
    now: datetime,
) -> None:
    """Close the stays *closing* at *now*, open *opening*, and give the stays of *via_now* their
    new ``via``: a statement per chunk of stays, whatever their number."""
    m = table(Membership)
    for chunk in chunked(closing):
        session.exec(update(m).where(m.c.id.in_(chunk)).values(left_at=now))
    for via, stay_ids in via_now.items():
        for chunk in chunked(sorted(stay_ids)):
            session.exec(update(m).where(m.c.id.in_(chunk)).values(via=via))
    if opening:
        session.connection().execute(m.insert(), list(opening))


def move_stays(session: Session, source_id: int, target_id: int) -> None:
    """Give *target_id* the stays of *source_id* (two rows of one renamed repo merge): one
    stay in a project where the two rows' stays there overlap or meet, one open at most."""
    m = table(Membership)
    conn = session.connection()
    stmt = core_select(m.c.project_id, m.c.via, m.c.joined_at, m.c.left_at).where(
        m.c.repo_id.in_((source_id, target_id))).order_by(m.c.joined_at, m.c.id)
    merged: list[dict[str, Any]] = []
    for project_id, via, joined_at, left_at in conn.execute(stmt):
        last = next((s for s in reversed(merged) if s["project_id"] == project_id), None)
        if last is not None and (last["left_at"] is None or last["left_at"] >= joined_at):
            if last["left_at"] is not None:
                last["left_at"] = None if left_at is None else max(last["left_at"], left_at)
            last["via"] = via
            continue
        merged.append({"repo_id": target_id, "project_id": project_id, "via": via,
                       "joined_at": joined_at, "left_at": left_at})
    open_stays = [s for s in merged if s["left_at"] is None]
    for stay in open_stays[:-1]:  # open in two projects: the newest stays open
        stay["left_at"] = open_stays[-1]["joined_at"]
    conn.execute(m.delete().where(m.c.repo_id.in_((source_id, target_id))))
    if merged:
        conn.execute(m.insert().values(merged))
