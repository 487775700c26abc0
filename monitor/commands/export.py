"""``export``: the stored series in the SPEC's long format, CSV or JSON, streamed.

Streaming matters: five years of daily observations of a thousand repos is millions of rows,
so rows go from the database cursor to the output without being collected in memory. Writing
to a file goes through a temporary file renamed into place, so a reader never sees half.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from monitor.atomic import atomic_file
from monitor.errors import InputError
from monitor.ids import RepoId
from monitor.instants import iso_z
from monitor.metrics import METRICS

if TYPE_CHECKING:  # the store loads when an export runs, not when the CLI starts
    from monitor.store.db import Database
    from monitor.store.export import ExportRow

__all__ = ["FORMATS", "export", "parse_bound", "write_output"]

FORMATS = ("csv", "json")
_COLUMNS = ("repo", "metric", "observed_at", "value", "source")


def parse_bound(text: str, *, end: bool) -> datetime:
    """A date or an ISO 8601 instant. A bare *end* date includes that whole (UTC) day."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + timedelta(days=1) if end else start
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"bad date {text!r}: expected YYYY-MM-DD or an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC) + (timedelta(microseconds=1) if end else timedelta())


def _check(database: Database, repos: Sequence[str], metrics: Sequence[str]) -> list[str]:
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise InputError(f"unknown metric {unknown[0]!r} (known: {', '.join(METRICS)})")
    keys = [str(RepoId.parse(text, allow_url=True)).lower() for text in repos]
    if not keys:
        return keys
    from monitor.store.export import unknown_repos

    with database.session() as session:
        missing = unknown_repos(session, keys)
    if missing:
        raise InputError(f"no stored data for {missing[0]} (see `aoss-monitor repos`)")
    return keys


def export(
    database: Database,
    out: TextIO,
    *,
    fmt: str = "csv",
    repos: Sequence[str] = (),
    metrics: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """Write the selected observations to *out*; returns how many rows were written."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if since is not None and until is not None and since >= until:
        raise InputError("--since must be before --until")
    from monitor.store.export import export_rows

    keys = _check(database, repos, metrics)
    with database.session() as session:
        rows = export_rows(session, keys or None, list(metrics) or None, since, until)
        return _write_csv(out, rows) if fmt == "csv" else _write_json(out, rows)


def _write_csv(out: TextIO, rows: Iterator[ExportRow]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow((row.repo, row.metric, iso_z(row.observed_at), row.value, row.source))
        count += 1
    return count


def _write_json(out: TextIO, rows: Iterator[ExportRow]) -> int:
    """A JSON array written one object per line, so memory stays flat however long it is."""
    count = 0
    out.write("[")
    for row in rows:
        item = dict(zip(_COLUMNS, (row.repo, row.metric, iso_z(row.observed_at), row.value,
                                   row.source), strict=True))
        out.write(("\n" if count == 0 else ",\n") + json.dumps(item))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


@contextmanager
def write_output(path: Path) -> Iterator[TextIO]:
    """A text file that appears at *path* complete, or not at all."""
    with atomic_file(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        try:
            yield text
            text.flush()
        finally:
            text.detach()  # the binary handle is atomic_file's to close and rename
