"""Edits of ``config/repos.toml`` made as lines, where tomlkit would move comments.

tomlkit files the comments written above a table under the table before it, so whole project
tables (a header, its keys and the comment lines directly above it), new ``[groups.KEY]``
tables and keys a project lacks are added and removed here, on the text, in the file's own
newline style. Each edit takes the text and gives the new text, so a list of them applies in
order, each finding its lines in the text as the one before left it.
"""

from __future__ import annotations

from collections.abc import Callable

import tomlkit

from monitor.config.locate import Span, line_of_key, spans

__all__ = ["Edit", "append_block", "apply", "block", "insert_groups", "insert_key", "remove_block"]

Edit = Callable[[str], str]


def apply(text: str, edits: list[Edit]) -> str:
    """*text* after each of *edits* in turn."""
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


def block(text: str, lines: list[str]) -> str:
    """*lines* as one piece of text in *text*'s newline style."""
    nl = _newline(text)
    return "".join(line.rstrip("\n").rstrip("\r") + nl for line in lines)


#: Where a key a project lacks is written: before the first of the keys after it, if any.
_KEY_ORDER = ("groups", "orgs", "repos")


def insert_key(text: str, index: int, key: str, values: list[str]) -> str:
    """Write ``key = [values]`` in the *index*-th project, above the key it comes before (see
    _KEY_ORDER), else below the project's last key."""
    lines = _lines(text)
    span = _project_spans(text)[index]
    later = _KEY_ORDER[_KEY_ORDER.index(key) + 1 :]
    found = [_own_key_line(text, index, span, k) for k in later]
    at = min((line for line in found if line is not None), default=None)
    position = at - 1 if at is not None else _content_end(lines, span)
    lines.insert(position, block(text, [f"{key} = {tomlkit.item(values).as_string()}"]))
    return "".join(lines)


def _own_key_line(text: str, index: int, span: Span, key: str) -> int | None:
    """The line of *key* in the project, or None (line_of_key falls back to the header)."""
    line = line_of_key(text, key, "projects", index)
    return line if line is not None and line != span.start else None


def insert_groups(text: str, keys: list[str]) -> str:
    """New ``[groups.KEY]`` tables go after the last group, else before the first project."""
    tables = [
        block(text, [f"[groups.{key}]", f"title = {tomlkit.string(key).as_string()}"])
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
    return append_block(text, nl.join(tables))


def append_block(text: str, chunk: str) -> str:
    """Add *chunk* (already in the file's newline style) at the end, after one blank line."""
    nl = _newline(text)
    if text and not text.endswith("\n"):
        text += nl
    if text.strip() and not text.endswith(nl + nl):
        text += nl
    return text + chunk


def _attached_start(lines: list[str], header: int) -> int:
    """The first of the comment lines written directly above the table at line *header*."""
    start = header
    while start > 1 and lines[start - 2].strip().startswith("#"):
        start -= 1
    return start


def remove_block(text: str, index: int) -> str:
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
