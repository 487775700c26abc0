"""Report files under ``storage/reports/``: each format of a report, the index and the feed.

Every file appears complete or not at all (a temporary file in the same folder, flushed to disk,
then renamed over the old one), so a reader — a browser, a feed reader, the daemon's next run —
never sees half a report. Nothing written depends on the wall clock: rendering the same period
again gives the same bytes, index and feed included (the feed is dated by the periods' ends).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from monitor.atomic import write_atomic
from monitor.config.repos import Tracked
from monitor.config.settings import Settings
from monitor.errors import MonitorError
from monitor.reports.formats import FORMATS, parse_formats
from monitor.reports.jsonout import render as render_json
from monitor.reports.links import DEFAULT_LINK_HOSTS
from monitor.reports.model import Period, Report
from monitor.reports.period import FOLDERS, parse_key, report_path
from monitor.reports.render import (
    IndexEntry,
    render_feed,
    render_html,
    render_index,
    render_markdown,
)
from monitor.store.db import Database

__all__ = [
    "FORMATS",
    "find_reports",
    "link_hosts",
    "parse_formats",
    "render_all",
    "templates_dir",
    "write_index",
    "write_report",
]

# Two reports rendered at once (the daemon's weekly and monthly jobs) must not race on the
# index: each rebuild reads the folder, so they take turns.
_LOCK = threading.Lock()


def render_all(
    report: Report,
    reports_dir: Path,
    formats: Iterable[str] = FORMATS,
    *,
    link_hosts: Iterable[str] = DEFAULT_LINK_HOSTS,
    templates: Path | None = None,
) -> list[Path]:
    """Write *report* in each of *formats*, then rebuild index.html and feed.xml.

    *templates*: a folder whose files override the shipped templates of the same name (the
    home's, :func:`templates_dir`). Returns every path written, in order: the report's files,
    then the index and the feed.
    """
    wanted = [fmt for fmt in FORMATS if fmt in set(formats)]
    hosts = frozenset(link_hosts)
    written: list[Path] = []
    with _LOCK:
        for fmt in wanted:
            written.append(write_atomic(report_path(reports_dir, report.period, fmt),
                                        _render(report, fmt, hosts, templates)))
        written.extend(_write_index(reports_dir, templates))
    return written


def write_report(
    settings: Settings,
    database: Database,
    tracked: Tracked,
    period: Period,
    formats: Iterable[str] = FORMATS,
) -> list[Path]:
    """Build the report of *period* from the store and write it under the home's reports folder.

    What ``aoss-monitor report`` and the daemon's report jobs do; raises
    :class:`~monitor.errors.NoData` when the store has nothing for the period.
    """
    from monitor.reports.data import load_report

    report = load_report(database, tracked, period, web=settings.web_bases,
                         top_repos=settings.report_top_repos)
    return render_all(report, settings.reports_dir, formats, link_hosts=link_hosts(settings),
                      templates=templates_dir(settings))


def link_hosts(settings: Settings) -> frozenset[str]:
    """The web hosts a report may link to: the platforms', plus a GitHub Enterprise host."""
    hosts = {urlsplit(base).hostname for base in settings.web_bases.values()}
    return DEFAULT_LINK_HOSTS | {host.lower() for host in hosts if host}


def templates_dir(settings: Settings) -> Path:
    """``<home>/templates/``: a template there replaces the shipped one of the same name."""
    return settings.home / "templates"


def write_index(reports_dir: Path, *, templates: Path | None = None) -> list[Path]:
    """Rebuild index.html and feed.xml from the reports on disk; returns both paths."""
    with _LOCK:
        return _write_index(reports_dir, templates)


def find_reports(reports_dir: Path) -> list[IndexEntry]:
    """Every report under *reports_dir* (files named like a period), newest first."""
    found: dict[tuple[str, str], set[str]] = {}
    for kind, folder in FOLDERS.items():
        directory = reports_dir / folder
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            stem, dot, fmt = path.name.partition(".")
            if not dot or fmt not in FORMATS or not path.is_file():
                continue  # temporary files (".name.tmp") and strangers are not reports
            found.setdefault((kind, stem), set()).add(fmt)
    entries = []
    for (kind, key), fmts in found.items():
        try:
            period = parse_key(key)
        except MonitorError:
            continue
        if period.kind != kind or period.key != key:
            continue  # "weekly/2026-11.html": not a name this program writes
        entries.append(IndexEntry(period, tuple(fmt for fmt in FORMATS if fmt in fmts)))
    entries.sort(key=lambda e: (e.period.start, e.period.kind), reverse=True)
    return entries


def _write_index(reports_dir: Path, templates: Path | None) -> list[Path]:
    entries = find_reports(reports_dir)
    return [
        write_atomic(reports_dir / "index.html", render_index(entries, templates=templates)),
        write_atomic(reports_dir / "feed.xml", render_feed(entries, templates=templates)),
    ]


def _render(report: Report, fmt: str, hosts: frozenset[str], templates: Path | None) -> str:
    if fmt == "html":
        return render_html(report, link_hosts=hosts, templates=templates)
    if fmt == "md":
        return render_markdown(report, link_hosts=hosts, templates=templates)
    return render_json(report)


