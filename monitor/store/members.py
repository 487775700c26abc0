"""Which repos each project has, and had: the ``membership`` stays, kept and read.

:func:`hold_members` (and :func:`sync_members`, its rows) makes the store hold what the
membership rule assigned
(:mod:`monitor.config.members`): the named repos and those the owners' listings bring. It opens
a stay for each new member, closes the stays of the repos no longer assigned (keeping their rows
and history) except those brought by an owner whose listing could not be read this time, and
moves a repo that changed project (one stay closed, another opened). Given the same assignment
twice it writes nothing; it never reads repo by repo: a repeat sync of a thousand members reads
the projects, the open stays and their repos (two chunks), and nothing else. Rows are read and
written with Core statements and handed on as :class:`~monitor.store.models.RepoRow`: a
thousand ORM objects would cost a repeat cycle more than the rest of this step.

A repo is found by its platform id first (a renamed or transferred repo keeps its row and
history), then by its config key, the lowercase ``platform:owner/name`` it was assigned under.

The readers are in :mod:`monitor.store.stays` (Core only, for ``status``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from monitor.config.members import Assigned
from monitor.ids import OwnerId
from monitor.store import tables
from monitor.store.db import atomic
from monitor.store.models import Project, RepoRow
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
    """A repo row to add (thousands may join at once)."""

    platform: str
    platform_id: int | None
    owner: str
    name: str
    project_id: int
    added_at: datetime
    config_key: None = None


#: Each assigned repo's row (stored, or to add) and ``via``, by the key it is a member under.
_Chosen = dict[str, tuple[RepoRow | _New, OwnerId | None]]


class _Rows:
    """The repo rows at hand, by id, by platform id and by config key; the sync changes them
    here as it changes them in the store."""

    def __init__(self, rows: Iterable[RepoRow]) -> None:
        self.by_id: dict[int, RepoRow] = {}
        self.by_pid: dict[tuple[str, int], RepoRow] = {}
        self.by_key: dict[str, RepoRow] = {}
        self.add(rows)

    def add(self, rows: Iterable[RepoRow]) -> None:
        for row in rows:
            self.by_id[row.id] = row
            if row.platform_id is not None:
                self.by_pid[(row.platform, row.platform_id)] = row
            if row.config_key is not None:
                self.by_key[row.config_key] = row

    def change(self, row: RepoRow, **changes: Any) -> RepoRow:
        """*row* with *changes*, now the row at hand (a key it gave up is no longer its)."""
        changed = replace(row, **changes)
        held = self.by_key.get(row.config_key) if row.config_key is not None else None
        if held is not None and held.id == row.id and row.config_key is not None:
            del self.by_key[row.config_key]
        self.add([changed])
        return changed

    def find(self, member: Assigned) -> RepoRow | None:
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

    row: RepoRow
    project: str
    via: OwnerId | None  # None: named
    #: Set for a member kept as it was (its owner's listing could not be read): since when.
    kept_since: datetime | None = None


def sync_members(
    session: Session,
    projects: Mapping[str, Sequence[Assigned]],
    unlisted: Collection[OwnerId],
    now: datetime,
) -> dict[str, RepoRow]:
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
        rows = _Rows(_repos(session, tables.repo.c.id, stays))
        _look_up(session, rows, [m for _, m in wanted])
        chosen = _choose(session, rows, wanted, project_ids, now)
        placed = _place(session, rows, chosen)
        members: dict[str, Held] = {}
        closing, opening = [], []
        via_now: dict[str | None, list[int]] = {}  # stays kept whose via changes, by the new one
        for key, (row, via) in placed.items():
            assert row.project_id is not None
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
            elif (kept := rows.by_id.get(stay.repo_id)) is not None:  # read above
                members[kept.config_key or kept.canonical.lower()] = Held(
                    kept, names[stay.project_id], OwnerId.parse(stay.via or ""), stay.joined_at)
        _write_stays(session, closing, opening, via_now, now)
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
) -> list[RepoRow]:
    """The repo rows whose *column* is among *values* (and of *platform*, if given)."""
    r = tables.repo
    found: list[RepoRow] = []
    for chunk in chunked(sorted(set(values))):
        stmt = core_select(*[r.c[name] for name in RepoRow.COLUMNS]).where(column.in_(chunk))
        if platform is not None:
            stmt = stmt.where(r.c.platform == platform)
        found += [RepoRow(*row) for row in read_many(session.connection(), stmt)]
    return found


def _look_up(session: Session, rows: _Rows, wanted: Sequence[Assigned]) -> None:
    """Read the rows of the assigned repos not among *rows* yet, and of the keys they will
    take (another row may hold one): nothing to read in a repeat cycle."""
    missing = [m for m in wanted if (row := rows.find(m)) is None or row.config_key != m.repo.key]
    if not missing:
        return
    r = tables.repo
    rows.add(_repos(session, r.c.config_key, [m.repo.key for m in missing]))
    ids: dict[str, set[int]] = {}
    for m in missing:
        if m.platform_id is not None:
            ids.setdefault(m.repo.platform, set()).add(m.platform_id)
    for platform, platform_ids in sorted(ids.items()):
        rows.add(_repos(session, r.c.platform_id, platform_ids, platform))


def _choose(
    session: Session,
    rows: _Rows,
    wanted: Sequence[tuple[str, Assigned]],
    project_ids: Mapping[str, int],
    now: datetime,
) -> _Chosen:
    """Each assigned repo's row (a new one, added at *now*, where none is found) in its
    project, and its ``via``, by key; a row chosen for an earlier repo is not chosen twice.
    A row moved to another project is stored so."""
    chosen: _Chosen = {}
    taken: set[int] = set()
    moved: dict[int, list[int]] = {}  # repo ids by the project they move to
    for project, member in wanted:
        key, rid = member.repo.key, member.repo
        row = rows.find(member)
        if key in chosen or (row is not None and row.id in taken):
            continue
        via = member.via
        if row is None:
            chosen[key] = (_New(rid.platform, member.platform_id, rid.owner, rid.name,
                                project_ids[project], now), via)
            continue
        if row.project_id != project_ids[project]:
            row = rows.change(row, project_id=project_ids[project])
            moved.setdefault(project_ids[project], []).append(row.id)
        taken.add(row.id)
        chosen[key] = (row, via)
    r = tables.repo
    for project_id, repo_ids in moved.items():
        for chunk in chunked(repo_ids):
            session.connection().execute(
                update(r).where(r.c.id.in_(chunk)).values(project_id=project_id))
    return chosen


def _place(session: Session, rows: _Rows, chosen: _Chosen) -> dict[str, tuple[RepoRow,
                                                                              OwnerId | None]]:
    """Give each chosen row its key, taking it from any other row that held it (that repo is
    no longer known by that name), and store the new rows; returns *chosen* with every row
    as stored. Every row holding one of these keys is among *rows* (:func:`_look_up`)."""
    moving = {key: row for key, (row, _) in chosen.items() if row.config_key != key}
    placed: dict[str, RepoRow] = {}
    r = tables.repo
    conn = session.connection()
    holders = [rows.by_key[key] for key in moving if key in rows.by_key]
    old = {row.id: row for row in (*holders, *moving.values()) if isinstance(row, RepoRow)}
    if old:
        # All at once first: two repos may have swapped names.
        for chunk in chunked(sorted(old)):
            conn.execute(update(r).where(r.c.id.in_(chunk)).values(config_key=None))
        for row in old.values():
            rows.change(rows.by_id[row.id], config_key=None)
        keyed = {key: row for key, row in moving.items() if isinstance(row, RepoRow)}
        if keyed:
            conn.execute(update(r).where(r.c.id == bindparam("row_id")).values(
                config_key=bindparam("key")),
                [{"row_id": row.id, "key": key} for key, row in keyed.items()])
        placed.update((key, rows.change(rows.by_id[row.id], config_key=key))
                      for key, row in keyed.items())
    adding = [(key, n) for key, n in moving.items() if isinstance(n, _New)]
    if adding:
        stmt = insert(r).returning(r.c.config_key, r.c.id)
        made: dict[str, int] = {key: row_id for key, row_id in conn.execute(stmt, [
            {"platform": n.platform, "platform_id": n.platform_id, "owner": n.owner,
             "name": n.name, "config_key": key, "project_id": n.project_id,
             "added_at": n.added_at} for key, n in adding])}
        for key, n in adding:
            stored = RepoRow(made[key], n.platform, n.platform_id, n.owner, n.name, key,
                             n.project_id, None, n.added_at)
            rows.add([stored])
            placed[key] = stored
    return {key: (placed.get(key) or rows.by_id[_stored(row).id], via)
            for key, (row, via) in chosen.items()}


def _stored(row: RepoRow | _New) -> RepoRow:
    assert isinstance(row, RepoRow)
    return row


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
