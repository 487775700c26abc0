"""``track`` and ``untrack``: edit ``config/repos.toml`` the way its owner would by hand.

The file is the user's: comments, order and layout must survive an edit. tomlkit keeps values
in place (a repo appended to a multi-line array gets its own line, indented like the others),
but it files the comments written above a table under the table before it, so moving whole
tables with it would carry one project's comment off with another. Tables are therefore added
and removed as lines — a project's block is its header, its keys, and the comment lines directly
above it — and everything else goes through tomlkit.

Every edit validates the file before and the result after, and writes atomically, so bad input
leaves the file byte for byte as it was and a crash never leaves half a file. The whole
read-modify-write holds the file's edit lock, so two ``track`` at once both land.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array

from monitor.atomic import edit_lock, write_atomic
from monitor.config.locate import Span, line_of_item, line_of_key, spans
from monitor.config.repos import GROUP_KEY, Project, Tracked, parse_repos, read_repos_text
from monitor.errors import ConfigError, InputError
from monitor.ids import RepoId

__all__ = ["add_repos", "remove_repos"]

Edit = Callable[[str], str]


def add_repos(
    path: Path, repos: Sequence[RepoId], project: str | None = None, groups: Sequence[str] = ()
) -> list[str]:
    """Track *repos* in *project* (default: each repo's NAME); returns lines for the user."""
    with edit_lock(path):
        return _add_repos(path, repos, project, groups)


def remove_repos(path: Path, repos: Sequence[RepoId]) -> list[str]:
    """Untrack *repos*, dropping any project left without repos; returns lines for the user."""
    with edit_lock(path):
        return _remove_repos(path, repos)


def _add_repos(
    path: Path, repos: Sequence[RepoId], project: str | None, groups: Sequence[str]
) -> list[str]:
    text, tracked = _read(path)
    _check_given_once(repos)
    for repo in repos:
        owner = tracked.project_of(repo)
        if owner is not None:
            raise InputError(
                f"{repo} is already tracked in project {owner.name!r} "
                f"({path}:{_repo_line(text, tracked, owner, repo)})"
            )
    wanted_groups = _check_groups(groups)
    if project is not None and (not project.strip() or "\n" in project):
        raise InputError(f"bad project name {project!r}")

    targets: dict[str, tuple[str, list[RepoId]]] = {}
    for repo in repos:
        name = project if project is not None else repo.name
        existing = tracked.project(name)
        name = existing.name if existing else name
        targets.setdefault(name.casefold(), (name, []))[1].append(repo)

    doc = tomlkit.parse(text)
    header_style = not isinstance(doc.get("projects"), Array)
    edits: list[Edit] = []
    appended: list[Edit] = []
    messages = [f"created group {key!r}" for key in wanted_groups if key not in tracked.groups]
    for name, new_repos in targets.values():
        existing = tracked.project(name)
        if existing is None:
            appended.append(_new_project_edit(doc, header_style, name, wanted_groups, new_repos))
            status = "new project"
        else:
            index = tracked.projects.index(existing)
            missing = [g for g in wanted_groups if g not in existing.groups]
            edits += _extend_project(doc, index, existing, new_repos, missing)
            messages += [f"added project {name!r} to group {g!r}" for g in missing]
            status = "existing project"
        messages += [f"tracking {repo} in {status} {name!r}" for repo in new_repos]

    new_groups = [key for key in wanted_groups if key not in tracked.groups]
    if new_groups:
        edits.append(lambda t: _insert_groups(t, new_groups))
    result = _apply(tomlkit.dumps(doc), [*edits, *appended])
    _save(path, text, result)
    return messages


def _remove_repos(path: Path, repos: Sequence[RepoId]) -> list[str]:
    text, tracked = _read(path)
    _check_given_once(repos)
    for repo in repos:
        if tracked.project_of(repo) is None:
            raise InputError(f"{repo} is not tracked (see `aoss-monitor repos`)")
    gone = {repo.key for repo in repos}

    doc = tomlkit.parse(text)
    projects: Any = doc.get("projects")
    messages: list[str] = []
    emptied: list[int] = []
    for index, project in enumerate(tracked.projects):
        removed = [r for r in project.repos if r.key in gone]
        messages += [f"untracked {r} from project {project.name!r}" for r in removed]
        if removed and len(removed) == len(project.repos):
            emptied.append(index)
            messages.append(f"removed project {project.name!r}: no repos left")
        elif removed:
            array = projects[index]["repos"]
            for position in reversed(range(len(array))):
                if RepoId.parse(str(array[position])).key in gone:
                    del array[position]

    edits: list[Edit] = []
    for index in reversed(emptied):
        if isinstance(projects, AoT):
            edits.append(partial(_remove_block, index=index))
        else:
            del projects[index]
    result = _apply(tomlkit.dumps(doc), edits)
    _save(path, text, result)
    return messages


# -- checks ----------------------------------------------------------------------------------


def _read(path: Path) -> tuple[str, Tracked]:
    """Read once: the text edited must be the text validated."""
    text = read_repos_text(path)
    return text, parse_repos(text, path)


def _check_given_once(repos: Sequence[RepoId]) -> None:
    if not repos:
        raise InputError("no repositories given")
    seen: set[str] = set()
    for repo in repos:
        if repo.key in seen:
            raise InputError(f"{repo} is given twice")
        seen.add(repo.key)


def _check_groups(groups: Sequence[str]) -> list[str]:
    for key in groups:
        if not GROUP_KEY.match(key):
            raise InputError(f"bad group key {key!r}: use only letters, digits, '-' and '_'")
    return list(dict.fromkeys(groups))


def _repo_line(text: str, tracked: Tracked, project: Project, repo: RepoId) -> int | None:
    index = tracked.projects.index(project)
    literal = str(next(r for r in project.repos if r.key == repo.key))
    return line_of_item(text, literal, "projects", index, "repos") or line_of_key(text, "projects")


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
    doc: Any, index: int, project: Project, repos: list[RepoId], groups: list[str]
) -> list[Edit]:
    """Append in place; a missing ``groups`` key is written as a line above ``repos``."""
    table = doc["projects"][index]
    for repo in repos:
        table["repos"].append(str(repo))
    if not groups:
        return []
    if "groups" in table:
        for key in groups:
            table["groups"].append(key)
        return []
    if not isinstance(doc["projects"], AoT):
        table["groups"] = groups
        return []
    return [lambda t: _insert_groups_key(t, index, groups)]


def _new_project_edit(
    doc: Any, header_style: bool, name: str, groups: list[str], repos: list[RepoId]
) -> Edit:
    values: dict[str, Any] = {"name": name}
    if groups:
        values["groups"] = groups
    values["repos"] = [str(r) for r in repos]
    if not header_style:
        table = tomlkit.inline_table()
        table.update(values)
        doc["projects"].append(table)
        return lambda t: t
    body = [f"{key} = {tomlkit.item(value).as_string()}" for key, value in values.items()]
    return lambda t: _append_block(t, _block(t, ["[[projects]]", *body]))


# -- edits as lines --------------------------------------------------------------------------


def _apply(text: str, edits: list[Edit]) -> str:
    for edit in edits:
        text = edit(text)
    return text


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _content_end(lines: list[str], span: Span) -> int:
    """The last line of *span* that is not blank or a comment: the rest introduces the next."""
    for number in range(min(span.end, len(lines)), span.start, -1):
        if _is_code(lines[number - 1]):
            return number
    return span.start


def _project_spans(text: str) -> list[Span]:
    return [s for s in spans(text) if s.header == "projects" and s.is_array]


def _block(text: str, lines: list[str]) -> str:
    nl = _newline(text)
    return "".join(line.rstrip("\n").rstrip("\r") + nl for line in lines)


def _insert_groups_key(text: str, index: int, groups: list[str]) -> str:
    lines = _lines(text)
    at = line_of_key(text, "repos", "projects", index) or _project_spans(text)[index].start + 1
    item = tomlkit.item(groups).as_string()
    lines.insert(at - 1, _block(text, [f"groups = {item}"]))
    return "".join(lines)


def _insert_groups(text: str, keys: list[str]) -> str:
    """New ``[groups.KEY]`` tables go after the last group, else before the first project."""
    tables = [
        _block(text, [f"[groups.{key}]", f"title = {tomlkit.string(key).as_string()}"])
        for key in keys
    ]
    nl = _newline(text)
    lines = _lines(text)
    existing = [s for s in spans(text) if s.header.startswith("groups.")]
    if existing:
        at = _content_end(lines, existing[-1])
        lines[at:at] = [nl + table for table in tables]
        return "".join(lines)
    projects = _project_spans(text)
    if projects:
        at = _attached_start(lines, projects[0].start)
        lines[at - 1 : at - 1] = [table + nl for table in tables]
        return "".join(lines)
    return _append_block(text, nl.join(tables))


def _append_block(text: str, block: str) -> str:
    """Add *block* (already in the file's newline style) at the end, after one blank line."""
    nl = _newline(text)
    if text and not text.endswith("\n"):
        text += nl
    if text.strip() and not text.endswith(nl + nl):
        text += nl
    return text + block


def _attached_start(lines: list[str], header: int) -> int:
    """The first of the comment lines written directly above the table at line *header*."""
    start = header
    while start > 1 and lines[start - 2].strip().startswith("#"):
        start -= 1
    return start


def _remove_block(text: str, index: int) -> str:
    """Drop the *index*-th project: its comments above, header and keys, and one blank line."""
    lines = _lines(text)
    span = _project_spans(text)[index]
    start, end = _attached_start(lines, span.start), _content_end(lines, span)
    before_blank = start == 1 or not lines[start - 2].strip()
    if before_blank and end < len(lines) and not lines[end].strip():
        end += 1
    elif end == len(lines) and start > 1 and not lines[start - 2].strip():
        start -= 1
    del lines[start - 1 : end]
    return "".join(lines)
