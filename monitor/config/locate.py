"""Find the line a TOML key or value stands on, so errors read like a compiler's.

tomllib and tomlkit parse values but forget where they were; users need ``file:line``. The
files we read are small and hand-written, so a scan over table headers is exact enough:
a key is looked up inside the span of its table (the n-th one, for arrays of tables).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import ConfigError

__all__ = [
    "Span",
    "code_part",
    "line_of_item",
    "line_of_key",
    "line_of_value",
    "spans",
    "toml_syntax_error",
]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_AT_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)$")
_AT_END = re.compile(r"\s*\(at end of document\)$")


@dataclass(frozen=True)
class Span:
    """Lines ``start``..``end`` (1-based, inclusive) of one table; ``start`` is its header."""

    header: str  # "" for the top level
    is_array: bool
    start: int
    end: int


def spans(text: str) -> list[Span]:
    lines = text.splitlines()
    found: list[Span] = []
    header, is_array, start = "", False, 1
    for number, line in enumerate(lines, start=1):
        match = _HEADER.match(line)
        if match:
            found.append(Span(header, is_array, start, number - 1))
            header = re.sub(r"\s*\.\s*", ".", match[2]).replace('"', "")
            is_array, start = match[1] == "[[", number
    found.append(Span(header, is_array, start, max(len(lines), start)))
    return found


def _span(text: str, section: str, index: int = 0) -> Span | None:
    matching = [s for s in spans(text) if s.header == section]
    return matching[index] if index < len(matching) else None


def line_of_key(text: str, key: str, section: str = "", index: int = 0) -> int | None:
    """The line of ``key = …`` in the *index*-th table named *section*, else its header."""
    span = _span(text, section, index)
    if span is None:
        # A top-level table written as a header, e.g. an unknown ``[foo]``.
        span = _span(text, f"{section}.{key}" if section else key)
        return span.start if span else None
    lines = text.splitlines()
    pattern = re.compile(rf'^\s*(?:{re.escape(key)}|"{re.escape(key)}")\s*=')
    for number in range(span.start, span.end + 1):
        if number - 1 < len(lines) and pattern.match(lines[number - 1]):
            return number
    if not section:
        nested = _span(text, key) or _first_span_under(text, key)
        if nested is not None:
            return nested.start
    return span.start if section else None


def _first_span_under(text: str, prefix: str) -> Span | None:
    """The first ``[prefix.sub]`` table: ``prefix`` itself may never have a header."""
    return next((s for s in spans(text) if s.header.startswith(prefix + ".")), None)


def code_part(line: str) -> str:
    """*line* without its trailing ``# comment`` (a ``#`` inside a string is kept)."""
    quote = ""
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:index]
        index += 1
    return line


def line_of_item(
    text: str, literal: str, section: str, index: int = 0, key: str = "", occurrence: int = 0
) -> int | None:
    """The line of the *occurrence*-th quoted *literal* in the *index*-th *section* table.

    With *key*, the search starts at ``key = …`` so a project called "us" does not hide the
    group "us"; comments are skipped so a commented-out entry is never blamed. Falls back to the
    key's line (or the table's header) when the literal is written with escapes.
    """
    span = _span(text, section, index)
    if span is None:
        return None
    start = (line_of_key(text, key, section, index) or span.start) if key else span.start
    lines = text.splitlines()
    quoted = (f'"{literal}"', f"'{literal}'")
    seen = 0
    for number in range(start, min(span.end, len(lines)) + 1):
        code = code_part(lines[number - 1])
        seen += sum(code.count(q) for q in quoted)
        if seen > occurrence:
            return number
    return start


def line_of_value(text: str, literal: str, section: str, index: int = 0) -> int | None:
    """The first line in the *index*-th *section* table holding the quoted string *literal*."""
    span = _span(text, section, index)
    if span is None:
        return None
    lines = text.splitlines()
    for quoted in (f'"{literal}"', f"'{literal}'"):
        for number in range(span.start, span.end + 1):
            if number - 1 < len(lines) and quoted in lines[number - 1]:
                return number
    return span.start


def toml_syntax_error(path: Path, exc: tomllib.TOMLDecodeError) -> ConfigError:
    """tomllib says ``… (at line 3, column 5)``; we say ``path:3: …``."""
    message = str(exc)
    match = _AT_LINE.search(message)
    if match:
        return ConfigError(f"TOML syntax error: {message[: match.start()]}", path, int(match[1]))
    if _AT_END.search(message):
        end = len(path.read_text(encoding="utf-8").splitlines()) if path.is_file() else None
        return ConfigError(f"TOML syntax error: {_AT_END.sub('', message)}", path, end)
    return ConfigError(f"TOML syntax error: {message}", path)
