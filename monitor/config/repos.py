"""The tracked list, ``config/repos.toml``: loaded, validated and located line by line.

The file is hand-edited, so every problem is reported like a compiler would — ``file:line:
message``, one line, the first problem only — and the loader refuses the whole file rather than
guess. The same checks guard :mod:`monitor.config.edit`, which validates before and after each
edit so ``track``/``untrack`` can never write a file that ``run`` would refuse.

What a loaded file says is in :mod:`monitor.config.tracked` (re-exported here); the checks of
each ``[[projects]]`` table are in :mod:`monitor.config.projects`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from monitor.config.locate import line_of_key, spans, toml_syntax_error
from monitor.config.projects import ProjectChecker
from monitor.config.tracked import GROUP_KEY, Group, Project, Tracked
from monitor.errors import ConfigError

__all__ = [
    "GROUP_KEY",
    "Group",
    "Project",
    "Tracked",
    "load_repos",
    "parse_repos",
    "read_repos_text",
]

_TOP_KEYS = ("groups", "projects")
_GROUP_KEYS = ("title",)


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
        checker = ProjectChecker(self.text, self.path, groups)
        projects = tuple(checker.project(index, table) for index, table in enumerate(raw_projects))
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
