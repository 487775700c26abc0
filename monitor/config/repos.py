"""The tracked list, ``config/repos.toml``: loaded, validated and located line by line.

The file is hand-edited, so every problem is reported like a compiler would — ``file:line:
message``, one line, the first problem only — and the loader refuses the whole file rather than
guess. The same checks guard :mod:`monitor.config.edit`, which validates before and after each
edit so ``track``/``untrack`` can never write a file that ``run`` would refuse.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.config.locate import line_of_item, line_of_key, spans, toml_syntax_error
from monitor.errors import ConfigError, InputError
from monitor.ids import RepoId

__all__ = [
    "GROUP_KEY",
    "Group",
    "Project",
    "Tracked",
    "load_repos",
    "parse_repos",
    "read_repos_text",
]

#: What a group key may be: it is written bare in ``[groups.KEY]`` and typed after ``--group``.
GROUP_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

_TOP_KEYS = ("groups", "projects")
_GROUP_KEYS = ("title",)
_PROJECT_KEYS = ("groups", "name", "repos")


@dataclass(frozen=True)
class Group:
    key: str
    title: str


@dataclass(frozen=True)
class Project:
    """One piece of software; its repos are its homes and mirrors on each platform."""

    name: str
    groups: tuple[str, ...]
    repos: tuple[RepoId, ...]


@dataclass(frozen=True)
class Tracked:
    groups: dict[str, Group]
    projects: tuple[Project, ...]

    def repos(self) -> tuple[RepoId, ...]:
        """Every tracked repo, in file order."""
        return tuple(repo for project in self.projects for repo in project.repos)

    def select(self, only: Sequence[RepoId] = ()) -> list[RepoId]:
        """The tracked repos, or those of *only* (each must be tracked), in config order.

        What collect and backfill run on: a repo given on the command line is matched as the
        platforms match names (ignoring case) and comes back spelt as the config spells it.
        """
        everything = self.repos()
        if not only:
            return list(everything)
        known = {repo.key: repo for repo in everything}
        missing = [str(repo) for repo in only if repo.key not in known]
        if missing:
            raise InputError(f"not tracked: {', '.join(missing)} (add with `aoss-monitor track`)")
        return list(dict.fromkeys(known[repo.key] for repo in only))

    def project_of(self, repo: RepoId) -> Project | None:
        """The project *repo* belongs to, compared as the platforms do (ignoring case)."""
        return next(
            (p for p in self.projects if any(r.key == repo.key for r in p.repos)), None
        )

    def project(self, name: str) -> Project | None:
        """The project called *name*; names are unique ignoring case."""
        wanted = name.casefold()
        return next((p for p in self.projects if p.name.casefold() == wanted), None)


def load_repos(path: Path) -> Tracked:
    """Read and validate *path*; the first problem is a ConfigError at its line."""
    return parse_repos(read_repos_text(path), path)


def read_repos_text(path: Path) -> str:
    """The file's text exactly as stored (newlines untranslated), so an edit can keep it."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError("not found; run `aoss-monitor init`", path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason})", path) from None


def parse_repos(text: str, path: Path) -> Tracked:
    """Validate *text* as if it were the contents of *path* (used before and after edits)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, text, exc) from None
    return _Checker(text, path).tracked(data)


def _syntax_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> ConfigError:
    error = toml_syntax_error(path, exc)
    if error.line is None and str(exc).endswith("(at end of document)"):
        # toml_syntax_error reads the file for the last line; an edit in memory is not there.
        return ConfigError(error.message, path, max(len(text.splitlines()), 1))
    return error


class _Checker:
    """One validation pass; holds the text so every error can say where it is."""

    def __init__(self, text: str, path: Path):
        self.text = text
        self.path = path

    def fail(self, message: str, line: int | None) -> ConfigError:
        return ConfigError(message, self.path, line)

    def tracked(self, data: dict[str, Any]) -> Tracked:
        for key in data:
            if key not in _TOP_KEYS:
                raise self.fail(
                    f"unknown key {key!r} (known: {', '.join(_TOP_KEYS)})",
                    line_of_key(self.text, key),
                )
        groups = self.groups(data.get("groups", {}))
        raw_projects = data.get("projects", [])
        if not isinstance(raw_projects, list) or not all(
            isinstance(p, dict) for p in raw_projects
        ):
            raise self.fail(
                "projects must be an array of [[projects]] tables",
                line_of_key(self.text, "projects"),
            )
        projects = tuple(self.projects(raw_projects, groups))
        return Tracked(groups=groups, projects=projects)

    # -- groups ----------------------------------------------------------------------------

    def group_line(self, key: str, field: str = "") -> int | None:
        header = next((s for s in spans(self.text) if s.header == f"groups.{key}"), None)
        if header is not None:
            return line_of_key(self.text, field, f"groups.{key}") if field else header.start
        return line_of_key(self.text, key, "groups") or line_of_key(self.text, "groups")

    def groups(self, raw: Any) -> dict[str, Group]:
        if not isinstance(raw, dict):
            raise self.fail(
                "groups must be a table of [groups.KEY] tables", line_of_key(self.text, "groups")
            )
        groups: dict[str, Group] = {}
        for key, value in raw.items():
            if not GROUP_KEY.match(key):
                raise self.fail(
                    f"bad group key {key!r}: use only letters, digits, '-' and '_'",
                    self.group_line(key),
                )
            if not isinstance(value, dict):
                raise self.fail(
                    f"group {key!r} must be a table, e.g. [groups.{key}] with a title",
                    self.group_line(key),
                )
            for field in value:
                if field not in _GROUP_KEYS:
                    raise self.fail(
                        f"unknown key {field!r} in group {key!r} (known: title)",
                        self.group_line(key, field),
                    )
            title = value.get("title", key)
            if not isinstance(title, str) or not title.strip():
                raise self.fail(
                    f"title of group {key!r} must be a non-empty string",
                    self.group_line(key, "title"),
                )
            groups[key] = Group(key=key, title=title)
        return groups

    # -- projects --------------------------------------------------------------------------

    def project_line(self, index: int, key: str = "") -> int | None:
        """The line of *key* in the *index*-th project, for either way of writing projects."""
        found = [s for s in spans(self.text) if s.header == "projects" and s.is_array]
        if index < len(found):
            return line_of_key(self.text, key, "projects", index) if key else found[index].start
        return line_of_key(self.text, "projects")

    def item_line(self, index: int, key: str, literal: str, occurrence: int = 0) -> int | None:
        line = line_of_item(self.text, literal, "projects", index, key, occurrence)
        return line if line is not None else self.project_line(index, key)

    def projects(
        self, raw: list[dict[str, Any]], groups: dict[str, Group]
    ) -> Iterator[Project]:
        # Lines are looked up only for an error: a scan per repo would make big files slow.
        names: dict[str, int] = {}
        seen: dict[str, _Seen] = {}
        for index, table in enumerate(raw):
            name = self.name(index, table)
            folded = name.casefold()
            if folded in names:
                first = self.project_line(names[folded], "name")
                raise self.fail(
                    f"duplicate project name {name!r} (first at line {first})",
                    self.project_line(index, "name"),
                )
            names[folded] = index
            for key in table:
                if key not in _PROJECT_KEYS:
                    raise self.fail(
                        f"unknown key {key!r} in project {name!r} "
                        f"(known: {', '.join(_PROJECT_KEYS)})",
                        self.project_line(index, key),
                    )
            project_groups = self.project_groups(index, name, table.get("groups", []), groups)
            repos = self.repos(index, name, table.get("repos"), seen)
            yield Project(name=name, groups=project_groups, repos=repos)

    def name(self, index: int, table: dict[str, Any]) -> str:
        if "name" not in table:
            raise self.fail(f"project #{index + 1} has no name", self.project_line(index))
        name = table["name"]
        if not isinstance(name, str) or not name.strip() or "\n" in name:
            raise self.fail(
                f"name of project #{index + 1} must be a non-empty one-line string",
                self.project_line(index, "name"),
            )
        return name

    def project_groups(
        self, index: int, name: str, raw: Any, groups: dict[str, Group]
    ) -> tuple[str, ...]:
        if not isinstance(raw, list) or not all(isinstance(g, str) for g in raw):
            raise self.fail(
                f"groups of project {name!r} must be a list of group keys",
                self.project_line(index, "groups"),
            )
        for position, key in enumerate(raw):
            if key not in groups:
                line = self.item_line(index, "groups", key, raw[:position].count(key))
                raise self.fail(f"group {key!r} is not defined (add [groups.{key}])", line)
            if key in raw[:position]:
                line = self.item_line(index, "groups", key, raw[:position].count(key))
                raise self.fail(f"group {key!r} is listed twice in project {name!r}", line)
        return tuple(raw)

    def repos(
        self, index: int, name: str, raw: Any, seen: dict[str, _Seen]
    ) -> tuple[RepoId, ...]:
        if raw is None or raw == []:
            raise self.fail(
                f"project {name!r} has no repos", self.project_line(index, "repos")
            )
        if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
            raise self.fail(
                f"repos of project {name!r} must be a list of strings like \"github:OWNER/NAME\"",
                self.project_line(index, "repos"),
            )
        repos: list[RepoId] = []
        for position, text in enumerate(raw):
            occurrence = raw[:position].count(text)
            try:
                repo = RepoId.parse(text)
            except InputError as exc:
                line = self.item_line(index, "repos", text, occurrence)
                raise self.fail(f"{exc} in project {name!r}", line) from None
            if repo.key in seen:
                first = seen[repo.key]
                first_line = self.item_line(first.index, "repos", first.text, first.occurrence)
                raise self.fail(
                    f"{repo} is listed twice (first at line {first_line}, "
                    f"in project {first.project!r})",
                    self.item_line(index, "repos", text, occurrence),
                )
            seen[repo.key] = _Seen(name, index, text, occurrence)
            repos.append(repo)
        return tuple(repos)


@dataclass(frozen=True)
class _Seen:
    """Where a repo was first listed, kept to point at it if it comes again."""

    project: str
    index: int
    text: str
    occurrence: int
