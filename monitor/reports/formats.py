"""The formats a report is written in, and the ``--format`` list that names them.

Kept apart from :mod:`monitor.reports.files` (which renders, and so imports Jinja2 and the
store) so that the command line can describe its options without loading either.
"""

from __future__ import annotations

from monitor.errors import InputError

__all__ = ["FORMATS", "parse_formats"]

#: The formats a report is written in, in the order they are written and listed.
FORMATS: tuple[str, ...] = ("html", "md", "json")


def parse_formats(text: str) -> tuple[str, ...]:
    """``"html,md"`` → ``("html", "md")`` in canonical order; unknown names are an InputError."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = sorted(set(names) - set(FORMATS))
    if unknown or not names:
        shown = ", ".join(unknown) if unknown else repr(text)
        raise InputError(f"bad --format {shown}: expected a comma list of {', '.join(FORMATS)}")
    return tuple(fmt for fmt in FORMATS if fmt in names)
