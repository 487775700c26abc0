"""The ``[[projects]]`` of ``config/repos.toml``, checked one by one with ``file:line``.

A project needs ``repos``, ``orgs`` or both. Every repo and every owner is listed once in the
whole file (ignoring case, as the platforms compare names): a repo named twice, or an owner in
two projects, would count the same repos twice.

An ``exclude`` glob is a shell glob over repo ids, matched ignoring case. fnmatch never fails:
it reads a ``[`` it cannot close as a plain character, so a typo would silently match nothing.
A glob is therefore refused when it is empty, when a ``[`` set is never closed by ``]`` (read
as fnmatch reads it: ``[!`` negates, a ``]`` first in the set is a member), when a ``]`` stands
outside any set, or when, outside a set, it holds a character no repo id has (ids use letters,
digits, ``_ . - : /``; ``*`` and ``?`` are the wildcards).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from monitor.config.locate import line_of_item, line_of_key, spans
from monitor.config.tracked import Group, Project
from monitor.errors import ConfigError, InputError
from monitor.ids import OwnerId, RepoId

__all__ = ["PROJECT_KEYS", "ProjectChecker", "glob_problem"]

PROJECT_KEYS = ("archived", "exclude", "forks", "groups", "name", "orgs", "repos")

#: What a glob may hold outside ``[…]``: the characters of repo ids and the two wildcards.
_GLOB_CHARS = re.compile(r"[A-Za-z0-9_.:/*?-]")

_Id = TypeVar("_Id", RepoId, OwnerId)


def glob_problem(glob: str) -> str | None:
    """Why *glob* can never do what it says (see the module's docstring), else None."""
    if not glob:
        return "it is empty"
    position = 0
    while position < len(glob):
        char = glob[position]
        position += 1
        if char == "[":
            end = position + (glob[position : position + 1] == "!")
            end += glob[end : end + 1] == "]"
            end = glob.find("]", end)
            if end < 0:
                return f"the '[' at column {position} is never closed by ']'"
            position = end + 1
        elif char == "]":
            return f"the ']' at column {position} closes no '['"
        elif not _GLOB_CHARS.match(char):
            return f"no repo id holds {char!r}"
    return None


@dataclass(frozen=True)
class _Seen:
    """Where a repo or an owner was first listed, kept to point at it if it comes again."""

    project: str
    index: int
    key: str
    text: str
    occurrence: int


class ProjectChecker:
    """Checks each project table; holds the text so every error can say where it is."""

    def __init__(self, text: str, path: Path, groups: dict[str, Group]):
        self.text = text
        self.path = path
        self.groups = groups
        # Lines are looked up only for an error: a scan per repo would make big files slow.
        self.names: dict[str, int] = {}
        self.seen: dict[str, _Seen] = {}

    def fail(self, message: str, line: int | None) -> ConfigError:
        return ConfigError(message, self.path, line)

    def project_line(self, index: int, key: str = "") -> int | None:
        """The line of *key* in the *index*-th project, for either way of writing projects."""
        found = [s for s in spans(self.text) if s.header == "projects" and s.is_array]
        if index < len(found):
            return line_of_key(self.text, key, "projects", index) if key else found[index].start
        return line_of_key(self.text, "projects")

    def item_line(self, index: int, key: str, literal: str, occurrence: int = 0) -> int | None:
        line = line_of_item(self.text, literal, "projects", index, key, occurrence)
        return line if line is not None else self.project_line(index, key)

    def project(self, index: int, table: dict[str, Any]) -> Project:
        name = self.name(index, table)
        for key in table:
            if key not in PROJECT_KEYS:
                raise self.fail(
                    f"unknown key {key!r} in project {name!r} "
                    f"(known: {', '.join(PROJECT_KEYS)})",
                    self.project_line(index, key),
                )
        groups = self.project_groups(index, name, table.get("groups", []))
        repos = self.ids(index, name, "repos", table.get("repos", []), RepoId.parse)
        orgs = self.ids(index, name, "orgs", table.get("orgs", []), OwnerId.parse)
        if not repos and not orgs:
            raise self.fail(
                f"project {name!r} has no repos: it needs `repos`, `orgs` or both",
                self.project_line(index, "repos"),
            )
        return Project(
            name=name, groups=groups, repos=repos, orgs=orgs,
            exclude=self.exclude(index, name, table.get("exclude", [])),
            forks=self.flag(index, name, table, "forks"),
            archived=self.flag(index, name, table, "archived"),
        )

    def name(self, index: int, table: dict[str, Any]) -> str:
        if "name" not in table:
            raise self.fail(f"project #{index + 1} has no name", self.project_line(index))
        name = table["name"]
        if not isinstance(name, str) or not name.strip() or "\n" in name:
            raise self.fail(
                f"name of project #{index + 1} must be a non-empty one-line string",
                self.project_line(index, "name"),
            )
        folded = name.casefold()
        if folded in self.names:
            first = self.project_line(self.names[folded], "name")
            raise self.fail(
                f"duplicate project name {name!r} (first at line {first})",
                self.project_line(index, "name"),
            )
        self.names[folded] = index
        return name

    def project_groups(self, index: int, name: str, raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, list) or not all(isinstance(g, str) for g in raw):
            raise self.fail(
                f"groups of project {name!r} must be a list of group keys",
                self.project_line(index, "groups"),
            )
        for position, key in enumerate(raw):
            if key not in self.groups:
                line = self.item_line(index, "groups", key, raw[:position].count(key))
                raise self.fail(f"group {key!r} is not defined (add [groups.{key}])", line)
            if key in raw[:position]:
                line = self.item_line(index, "groups", key, raw[:position].count(key))
                raise self.fail(f"group {key!r} is listed twice in project {name!r}", line)
        return tuple(raw)

    def ids(
        self, index: int, name: str, key: str, raw: Any, parse: Callable[[str], _Id]
    ) -> tuple[_Id, ...]:
        """The repos (or owners) under *key*, each parsed and listed once in the whole file."""
        if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
            example = "github:OWNER/NAME" if key == "repos" else "github:OWNER"
            raise self.fail(
                f"{key} of project {name!r} must be a list of strings like \"{example}\"",
                self.project_line(index, key),
            )
        found: list[_Id] = []
        for position, text in enumerate(raw):
            occurrence = raw[:position].count(text)
            where = (index, key, text, occurrence)
            try:
                parsed = parse(text)
            except InputError as exc:
                message = f"{exc} in project {name!r}{_misplaced(key, text)}"
                raise self.fail(message, self.item_line(*where)) from None
            if parsed.key in self.seen:
                first = self.seen[parsed.key]
                first_line = self.item_line(first.index, first.key, first.text, first.occurrence)
                raise self.fail(
                    f"{parsed} is listed twice (first at line {first_line}, "
                    f"in project {first.project!r})",
                    self.item_line(*where),
                )
            self.seen[parsed.key] = _Seen(name, index, key, text, occurrence)
            found.append(parsed)
        return tuple(found)

    def exclude(self, index: int, name: str, raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, list) or not all(isinstance(g, str) for g in raw):
            raise self.fail(
                f"exclude of project {name!r} must be a list of globs like "
                "\"github:OWNER/*-docs\"",
                self.project_line(index, "exclude"),
            )
        for position, glob in enumerate(raw):
            problem = glob_problem(glob)
            if problem is not None:
                line = self.item_line(index, "exclude", glob, raw[:position].count(glob))
                raise self.fail(
                    f"bad glob {glob!r} in exclude of project {name!r}: {problem}", line
                )
        return tuple(raw)

    def flag(self, index: int, name: str, table: dict[str, Any], key: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(
                f"{key} of project {name!r} must be true or false",
                self.project_line(index, key),
            )
        return value


def _misplaced(key: str, text: str) -> str:
    """A hint when *text* is the other kind of id: an owner in ``repos``, a repo in ``orgs``."""
    try:
        other = OwnerId.parse(text) if key == "repos" else RepoId.parse(text)
    except InputError:
        return ""
    if isinstance(other, OwnerId):
        return f" ({other} is an owner: put it in `orgs`)"
    return f" ({other} is a repository: put it in `repos`)"
