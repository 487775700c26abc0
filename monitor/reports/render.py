"""A :class:`~monitor.reports.model.Report` as HTML and Markdown; the reports index and Atom feed.

Everything an API gave us (names, release titles, failure messages) is untrusted text:

- HTML and the feed are autoescaped by Jinja2; nothing from a report is ever marked safe, except
  the charts, which matplotlib wrote from numbers and escaped labels.
- Markdown escapes every ``{{ }}`` output by default (``finalize``): backslash before the
  characters that make links, emphasis, code, HTML or table cells, newlines folded to spaces.
- A URL becomes a link only when it is ``http(s)`` on a platform's host (github.com, gitee.com
  and any configured Enterprise host; :func:`~monitor.reports.links.safe_url`); anything else
  is shown as text, if at all.

The templates are the package's (``monitor.templates``); a file of the same name in the home's
``templates/`` folder, when given, is used instead (see :func:`_environment`).

The output depends on the report and the templates alone (no clock, no random ids), so
rendering a period twice gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)
from markupsafe import Markup

from monitor.metrics import METRIC_TITLES, METRICS
from monitor.reports.links import DEFAULT_LINK_HOSTS, safe_url
from monitor.reports.model import Change, Period, Report
from monitor.reports.period import FOLDERS, report_path
from monitor.reports.ranks import rank_move
from monitor.reports.tops import ProjectView, cap_per_group, project_view

if TYPE_CHECKING:
    from monitor.reports.charts import Charts

__all__ = [
    "IndexEntry",
    "period_title",
    "render_feed",
    "render_html",
    "render_index",
    "render_markdown",
]

_PLATFORM_TITLES = {"github": "GitHub", "gitee": "Gitee"}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!#@])")
_DASH = "\u2013"  # en dash, for ranges of days
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_WHITESPACE = re.compile(r"\s+")
_MD_NO_DATA = "\u2014"  # an em dash, explained in the Notes
_MD_STALE = "\\*"  # an escaped asterisk after a stale value, explained in the Notes
_MD_PARTIAL = "\u2020"  # a dagger after a sum that leaves out parts without data


@dataclass(frozen=True)
class IndexEntry:
    """One report found on disk: its period and the formats written for it."""

    period: Period
    formats: tuple[str, ...]  # of "html", "md", "json", in that order

    @property
    def title(self) -> str:
        kind = "Weekly" if self.period.kind == "week" else "Monthly"
        return f"{kind} report: {period_title(self.period)}"

    def href(self, fmt: str) -> str:
        """Relative to ``storage/reports/``, where index.html and feed.xml live."""
        return report_path(Path(), self.period, fmt).as_posix()


class MarkdownText(str):
    """Markdown we wrote ourselves (links, emphasis): passed through the escaping unchanged."""

    __slots__ = ()


def md_escape(value: object) -> str:
    """Untrusted text as one Markdown table-cell-safe line that renders literally."""
    if isinstance(value, MarkdownText):
        return str(value)
    text = _WHITESPACE.sub(" ", str(value))
    return _MD_SPECIAL.sub(r"\\\1", text)


def period_title(period: Period) -> str:
    """``Week 47, 2026 (16-22 Nov 2026)`` or ``November 2026``: what a reader calls it."""
    first, last = period.first_day, period.last_day
    if period.kind == "month":
        return f"{_MONTHS[first.month - 1]} {first.year}"
    iso = first.isocalendar()
    return f"Week {iso.week}, {iso.year} ({_span(first, last)})"


def _span(first: date, last: date) -> str:
    if first.year != last.year:
        return f"{_day(first)} {first.year} {_DASH} {_day(last)} {last.year}"
    if first.month != last.month:
        return f"{_day(first)} {_DASH} {_day(last)} {last.year}"
    return f"{first.day}{_DASH}{_day(last)} {last.year}"


def _day(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1][:3]}"


# -- formatting (shared by HTML and Markdown) ------------------------------------------------


def _num(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _signed(value: int | None) -> str:
    if value is None:
        return ""
    return f"+{value:,}" if value > 0 else f"\u2212{-value:,}" if value < 0 else "0"


def _pct(value: float | None, *, signed: bool = True) -> str:
    if value is None:
        return ""
    text = f"{abs(value) * 100:.1f}\u202f%"
    if not signed:
        return text
    return ("+" if value > 0 else "\u2212" if value < 0 else "") + text


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(moment: datetime | date) -> str:
    return moment.strftime("%Y-%m-%d")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _platform(name: str) -> str:
    return _PLATFORM_TITLES.get(name, name)


def _stale(change: Change) -> bool:
    return change.start_stale or change.end_stale


def _duration(span: timedelta) -> str:
    """``2 days``, ``36 hours``: the report's tolerances as a reader says them."""
    hours = int(span.total_seconds() // 3600)
    if hours % 24 == 0:
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"


def _changes(report: Report) -> Iterator[Change]:
    """Every Change the report shows."""
    for project in report.projects:
        yield project.stars
        yield from project.split.values()
        for repo in project.repos:
            yield from repo.metrics.values()
    for group in report.groups:
        yield group.stars
    if report.total_stars is not None:
        yield report.total_stars


def _flags(report: Report) -> dict[str, bool]:
    """Which footnotes the report needs: missing values, stale values, partial sums."""
    changes = list(_changes(report))
    return {
        "has_missing": any(c.start is None or c.end is None for c in changes),
        "has_stale": any(_stale(c) for c in changes),
        "has_partial": any(c.partial for c in changes),
    }


# -- environments --------------------------------------------------------------------------

_ENVIRONMENTS: dict[str, Environment] = {}


def _environment(kind: str, templates: Path | None = None) -> Environment:
    """"html" (autoescaped: .html, .xml) or "md" (every output Markdown-escaped).

    With *templates* (the home's ``templates/`` folder) present, a file there wins over the
    shipped template of the same name, partials and macros included; the environment is then
    made afresh for each render, so an edited or added file counts from the next report on.
    Without it, the shipped templates' environment is made once.
    """
    if templates is not None and templates.is_dir():
        loader = ChoiceLoader([FileSystemLoader(templates), _shipped()])
        return _make_environment(kind, loader)
    if kind not in _ENVIRONMENTS:
        _ENVIRONMENTS[kind] = _make_environment(kind, _shipped())
    return _ENVIRONMENTS[kind]


@cache
def _shipped() -> PackageLoader:
    """The templates shipped in the package (``templates/`` of a checkout)."""
    return PackageLoader("monitor.templates", ".")


def _make_environment(kind: str, loader: BaseLoader) -> Environment:
    options: dict[str, Any] = {}
    if kind == "md":
        options["autoescape"] = False
        options["finalize"] = md_escape
    else:
        options["autoescape"] = select_autoescape(["html", "xml"], default=True)
    env = Environment(
        loader=loader,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        **options,
    )
    env.filters.update(
        num=_num, signed=_signed, pct=_pct, iso=_iso, date=_date, when=_when,
        duration=_duration, platform=_platform, stale=_stale, period_title=period_title,
    )
    env.globals.update(rank_move=rank_move, metrics=METRICS, metric_titles=METRIC_TITLES)
    if kind == "md":
        # A macro's output was escaped as it was written: ``{{ macro()|written }}`` keeps it so.
        env.filters["written"] = MarkdownText
    return env


def _scale(report: Report) -> dict[str, Any]:
    """What the tables show of each project (:mod:`.tops`): a large project by its top repos,
    a project's newest releases and failing repos up to ``report.top_repos`` each, and how
    many more; shared by HTML and Markdown, so the two cannot disagree."""
    top = report.top_repos
    views: dict[str, ProjectView] = {
        p.name: project_view(p, report.period, top) for p in report.projects
    }
    releases = sorted(
        ((project, release) for project in report.projects for release in project.releases),
        key=lambda pair: (-pair[1].published_at.timestamp(), pair[0].name, pair[1].repo,
                          pair[1].tag),
    )
    shown_releases, releases_more = cap_per_group(releases, lambda pair: pair[0].name, top)
    issues, issues_more = cap_per_group(report.issues, lambda issue: issue.project, top)
    return {
        "views": views,
        "any_large": any(v.large for v in views.values()),
        # The ranking gets a column of repo counts once a project is an ecosystem.
        "show_counts": any(v.large or v.joined.total or v.left.total for v in views.values()),
        "releases": shown_releases,
        "releases_more": releases_more,
        "issues": issues,
        "issues_more": issues_more,
    }


def _context(report: Report, hosts: Iterable[str]) -> dict[str, Any]:
    allowed = frozenset(h.lower() for h in hosts)
    stale_after = _duration(report.stale_after)

    def flag_titles(stale: bool, partial: bool) -> str:
        reasons = [f"observed more than {stale_after} before the boundary"] if stale else []
        if partial:
            reasons.append("a sum leaving out parts without data")
        return "; ".join(reasons)

    return {
        "report": report,
        "title": IndexEntry(report.period, ()).title,
        "period_span": _span(report.period.first_day, report.period.last_day),
        "previous_span": _span(report.previous.first_day, report.previous.last_day),
        **_scale(report),
        **_flags(report),
        "stale_after": stale_after,
        "flag_titles": flag_titles,
        "missing_after": _duration(report.missing_after),
        "link": lambda url: safe_url(url, allowed),
    }


def render_html(report: Report, *, link_hosts: Iterable[str] = DEFAULT_LINK_HOSTS,
                charts: Charts | None = None, templates: Path | None = None) -> str:
    """The self-contained HTML report: inline CSS and SVG, no script, nothing loaded.

    *templates*: a folder whose files override the shipped templates of the same name.
    """
    if charts is None:  # matplotlib loads only when a chart is drawn, not at every command's start
        from monitor.reports.charts import render_charts

        charts = render_charts(report)
    svg = charts
    context = _context(report, link_hosts)
    # The SVG is matplotlib's serialisation of numbers and XML-escaped labels: the only markup
    # that enters the page unescaped.
    context["charts"] = {name: Markup(text) for name, text in svg.items()}
    return _environment("html", templates).get_template("report.html").render(context)


def render_markdown(report: Report, *, link_hosts: Iterable[str] = DEFAULT_LINK_HOSTS,
                    templates: Path | None = None) -> str:
    """The same content as GitHub-flavoured Markdown tables (no charts, no raw HTML)."""
    context = _context(report, link_hosts)
    allowed = frozenset(h.lower() for h in link_hosts)

    def md_link(text: object, url: str | None) -> MarkdownText:
        target = safe_url(url, allowed)
        label = md_escape(text)
        return MarkdownText(f"[{label}](<{target}>)" if target else label)

    def cell_value(change: Change, side: str) -> MarkdownText:
        number = change.start if side == "start" else change.end
        stale = change.start_stale if side == "start" else change.end_stale
        if number is None:
            return MarkdownText(_MD_NO_DATA)
        marks = (_MD_STALE if stale else "") + (_MD_PARTIAL if change.partial else "")
        return MarkdownText(_num(number) + marks)

    def cell_delta(change: Change) -> MarkdownText:
        if change.delta is None:
            return MarkdownText(_MD_NO_DATA)
        marks = (_MD_STALE if _stale(change) else "") + (_MD_PARTIAL if change.partial else "")
        return MarkdownText(_signed(change.delta) + marks)

    def cell_relative(change: Change) -> MarkdownText:
        return MarkdownText(_MD_NO_DATA if change.relative is None else _pct(change.relative))

    def cell_share(value: float | None) -> MarkdownText:
        return MarkdownText(_MD_NO_DATA if value is None else _pct(value, signed=False))

    def cell_metric(change: Change | None) -> MarkdownText:
        if change is None or change.end is None:
            return MarkdownText(_MD_NO_DATA)
        return MarkdownText(f"{cell_value(change, 'end')} ({cell_delta(change)})")

    context.update(
        md_link=md_link, cell_value=cell_value, cell_delta=cell_delta,
        cell_relative=cell_relative, cell_share=cell_share, cell_metric=cell_metric,
        stale_mark=MarkdownText("1,234" + _MD_STALE),
        partial_mark=MarkdownText("1,234" + _MD_PARTIAL),
    )
    return _environment("md", templates).get_template("report.md").render(context)


def render_index(entries: Sequence[IndexEntry], *, templates: Path | None = None) -> str:
    """index.html: every report on disk, newest first, weekly and monthly apart."""
    ordered = sorted(entries, key=lambda e: (e.period.start, e.period.key), reverse=True)
    sections = [
        ("Weekly reports", [e for e in ordered if e.period.kind == "week"]),
        ("Monthly reports", [e for e in ordered if e.period.kind == "month"]),
    ]
    return _environment("html", templates).get_template("index.html").render(
        title="aoss-monitor reports", sections=sections,
    )


def render_feed(entries: Sequence[IndexEntry], *, templates: Path | None = None) -> str:
    """feed.xml (Atom): one entry per report, dated by the end of its period (no wall clock)."""
    ordered = sorted(entries, key=lambda e: (e.period.end, e.period.kind, e.period.key),
                     reverse=True)
    updated = max((e.period.end for e in ordered), default=_EPOCH)
    return _environment("html", templates).get_template("feed.xml").render(
        entries=ordered, updated=updated, folders=FOLDERS,
    )
