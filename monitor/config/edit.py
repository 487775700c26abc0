"""``track`` and ``untrack``: edit ``config/repos.toml`` the way its owner would by hand.

Both take repos (``github:OWNER/NAME``, into a project's ``repos``) and whole owners
(``github:OWNER``, into its ``orgs``), mixed as the user gives them.

The file is the user's: comments, order and layout must survive an edit. tomlkit keeps values
in place (a repo appended to a multi-line array gets its own line, indented like the others),
but it files the comments written above a table under the table before it, so moving whole
tables with it would carry one project's comment off with another. Tables and missing keys are
therefore added, and tables removed, as lines — a project's block is its header, its keys, and
the comment lines directly above it — and everything else goes through tomlkit. A ``repos`` or
``orgs`` key an untrack empties is dropped, so track then untrack gives the file back as it was.

Every edit validates the file before and the result after, and writes atomically, so bad input
leaves the file byte for byte as it was and a crash never leaves half a file. The whole
read-modify-write holds the file's edit lock, so two ``track`` at once both land.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array

from monitor.atomic import edit_lock, write_atomic
from monitor.config.lines import (
    Edit,
    append_block,
    apply,
    block,
    insert_groups,
    insert_key,
    remove_block,
)
from monitor.config.locate import line_of_item, line_of_key
from monitor.config.repos import GROUP_KEY, Project, Tracked, parse_repos, read_repos_text
from monitor.errors import ConfigError, InputError
from monitor.ids import OwnerId, RepoId

__all__ = ["add_repos", "remove_repos"]

#: One argument of ``track``/``untrack``: a repo, or an owner (every repo it holds).
Target = RepoId | OwnerId


def add_repos(
    path: Path, targets: Sequence[Target], project: str | None = None, groups: Sequence[str] = ()
) -> list[str]:
    """Track *targets* in *project* (default: each repo's NAME, each owner's OWNER); returns
    lines for the user."""
    with edit_lock(path):
        return _add(path, targets, project, groups)


def remove_repos(path: Path, targets: Sequence[Target]) -> list[str]:
    """Untrack *targets*, dropping any project left with neither repos nor orgs; returns lines
    for the user."""
    with edit_lock(path):
        return _remove(path, targets)


def _add(
    path: Path, targets: Sequence[Target], project: str | None, groups: Sequence[str]
) -> list[str]:
    text, tracked = _read(path)
    _check_given_once(targets)
    for target in targets:
        holder = _holder(tracked, target)
        if holder is not None:
            raise InputError(
                f"{target} is already tracked in project {holder.name!r} "
                f"({path}:{_target_line(text, tracked, holder, target)})"
            )
    wanted_groups = _check_groups(groups)
    if project is not None and (not project.strip() or "\n" in project):
        raise InputError(f"bad project name {project!r}")

    into: dict[str, tuple[str, list[Target]]] = {}
    for target in targets:
        name = project if project is not None else _default_name(target)
        existing = tracked.project(name)
        name = existing.name if existing else name
        into.setdefault(name.casefold(), (name, []))[1].append(target)

    doc = tomlkit.parse(text)
    header_style = not isinstance(doc.get("projects"), Array)
    edits: list[Edit] = []
    appended: list[Edit] = []
    messages = [f"created group {key!r}" for key in wanted_groups if key not in tracked.groups]
    for name, new in into.values():
        repos = [t for t in new if isinstance(t, RepoId)]
        orgs = [t for t in new if isinstance(t, OwnerId)]
        existing = tracked.project(name)
        if existing is None:
            appended.append(_new_project_edit(doc, header_style, name, wanted_groups, repos, orgs))
            status = "new project"
        else:
            index = tracked.projects.index(existing)
            missing = [g for g in wanted_groups if g not in existing.groups]
            edits += _extend_project(doc, index, repos, orgs, missing)
            messages += [f"added project {name!r} to group {g!r}" for g in missing]
            status = "existing project"
        messages += [f"tracking {_what(t)} in {status} {name!r}" for t in new]
        messages += _listed_elsewhere(tracked, repos, name)

    new_groups = [key for key in wanted_groups if key not in tracked.groups]
    if new_groups:
        edits.append(lambda t: insert_groups(t, new_groups))
    result = apply(tomlkit.dumps(doc), [*edits, *appended])
    _save(path, text, result)
    return messages


def _remove(path: Path, targets: Sequence[Target]) -> list[str]:
    text, tracked = _read(path)
    _check_given_once(targets)
    for target in targets:
        if _holder(tracked, target) is None:
            raise InputError(_not_tracked(tracked, target))
    gone = {target.key for target in targets}

    doc = tomlkit.parse(text)
    projects: Any = doc.get("projects")
    messages: list[str] = []
    emptied: list[int] = []
    for index, project in enumerate(tracked.projects):
        named: list[Target] = [*project.repos, *project.orgs]
        removed = [t for t in named if t.key in gone]
        messages += [f"untracked {t} from project {project.name!r}" for t in removed]
        if removed and len(removed) == len(named):
            emptied.append(index)
            left = "no repos or orgs left" if project.orgs else "no repos left"
            messages.append(f"removed project {project.name!r}: {left}")
        elif removed:
            _drop_items(projects[index], gone)

    edits: list[Edit] = []
    for index in reversed(emptied):
        if isinstance(projects, AoT):
            edits.append(partial(remove_block, index=index))
        else:
            del projects[index]
    result = apply(tomlkit.dumps(doc), edits)
    _save(path, text, result)
    return messages


def _drop_items(table: Any, gone: set[str]) -> None:
    """Take the *gone* ids out of a project's arrays; an array this empties goes with its key."""
    for key, parse in (("repos", RepoId.parse), ("orgs", OwnerId.parse)):
        array = table.get(key)
        if not array:
            continue
        for position in reversed(range(len(array))):
            if parse(str(array[position])).key in gone:
                del array[position]
        if not array:
            del table[key]


# -- checks ----------------------------------------------------------------------------------


def _read(path: Path) -> tuple[str, Tracked]:
    """Read once: the text edited must be the text validated."""
    text = read_repos_text(path)
    return text, parse_repos(text, path)


def _check_given_once(targets: Sequence[Target]) -> None:
    if not targets:
        raise InputError("no repositories given")
    seen: set[str] = set()
    for target in targets:
        if target.key in seen:
            raise InputError(f"{target} is given twice")
        seen.add(target.key)


def _check_groups(groups: Sequence[str]) -> list[str]:
    for key in groups:
        if not GROUP_KEY.match(key):
            raise InputError(f"bad group key {key!r}: use only letters, digits, '-' and '_'")
    return list(dict.fromkeys(groups))


def _holder(tracked: Tracked, target: Target) -> Project | None:
    """The project that names *target* (a repo in ``repos``, an owner in ``orgs``)."""
    if isinstance(target, RepoId):
        return tracked.project_of(target)
    return tracked.project_of_owner(target)


def _default_name(target: Target) -> str:
    return target.name if isinstance(target, RepoId) else target.owner


def _what(target: Target) -> str:
    return str(target) if isinstance(target, RepoId) else f"every repo of {target}"


def _owner_project(tracked: Tracked, repo: RepoId) -> tuple[OwnerId, Project] | None:
    """The tracked owner *repo*'s id is under, and its project."""
    return next(
        ((o, p) for p in tracked.projects for o in p.orgs if o.owns(repo)), None
    )


def _listed_elsewhere(tracked: Tracked, repos: list[RepoId], name: str) -> list[str]:
    """A note for each repo whose owner another project tracks: named here, it counts here."""
    notes = []
    for repo in repos:
        found = _owner_project(tracked, repo)
        if found is not None and found[1].name.casefold() != name.casefold():
            owner, project = found
            notes.append(
                f"note: {repo}'s owner {owner} is tracked in project {project.name!r}; "
                f"named, the repo counts in {name!r} only"
            )
    return notes


def _not_tracked(tracked: Tracked, target: Target) -> str:
    found = _owner_project(tracked, target) if isinstance(target, RepoId) else None
    if found is None:
        return f"{target} is not tracked (see `aoss-monitor repos`)"
    owner, project = found
    return (
        f"{target} is not named in the tracked list; its owner {owner} is tracked "
        f"(project {project.name!r}): to leave it out, add it to that project's `exclude`"
    )


def _target_line(text: str, tracked: Tracked, project: Project, target: Target) -> int | None:
    index = tracked.projects.index(project)
    key, named = ("repos", project.repos) if isinstance(target, RepoId) else ("orgs", project.orgs)
    literal = str(next(n for n in named if n.key == target.key))
    return line_of_item(text, literal, "projects", index, key) or line_of_key(text, "projects")


def _save(path: Path, before: str, after: str) -> None:
    """Write *after* only if it is a valid tracked list; an edit must never break ``run``."""
    try:
        parse_repos(after, path)
    except ConfigError as exc:
        raise ConfigError(f"refusing to write: the edit would make it invalid ({exc.message})",
                          path) from None
    if after != before:
        write_atomic(path, after)


# -- edits through tomlkit -------------------------------------------------------------------


def _extend_project(
    doc: Any, index: int, repos: list[RepoId], orgs: list[OwnerId], groups: list[str]
) -> list[Edit]:
    """Append in place; a key the project lacks is written as a line (lines.insert_key)."""
    table = doc["projects"][index]
    inline = not isinstance(doc["projects"], AoT)
    edits: list[Edit] = []
    for key, values in (("groups", groups), ("orgs", [str(o) for o in orgs]),
                        ("repos", [str(r) for r in repos])):
        if not values:
            continue
        if key in table:
            for value in values:
                table[key].append(value)
        elif inline:
            table[key] = values
        else:
            edits.append(partial(insert_key, index=index, key=key, values=values))
    return edits


def _new_project_edit(
    doc: Any, header_style: bool, name: str, groups: list[str], repos: list[RepoId],
    orgs: list[OwnerId],
) -> Edit:
    values: dict[str, Any] = {"name": name}
    for key, items in (("groups", groups), ("orgs", [str(o) for o in orgs]),
                       ("repos", [str(r) for r in repos])):
        if items:
            values[key] = items
    if not header_style:
        table = tomlkit.inline_table()
        table.update(values)
        doc["projects"].append(table)
        return lambda t: t
    body = [f"{key} = {tomlkit.item(value).as_string()}" for key, value in values.items()]
    return lambda t: append_block(t, block(t, ["[[projects]]", *body]))
