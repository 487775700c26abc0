"""The report's charts, as SVG text ready to inline into the HTML report.

Made with matplotlib's object API (:class:`matplotlib.figure.Figure`, never ``pyplot``), so no
global figure state is shared between threads. The output is deterministic — the same report gives
the same bytes — because the SVG id salt is fixed, the date and creator metadata are dropped and
text is kept as ``<text>`` (no glyph paths keyed by font files). Every id is prefixed with the
chart's name so that several charts can live in one HTML document.

Light and dark: the background is transparent and every neutral ink (text, axes, grid) is written
as ``currentColor``, so the chart takes the page's text colour; the series colours are mid-tones
readable on both a white and a near-black page.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from monitor.reports.model import Report

__all__ = ["PALETTE", "Charts", "group_shares_svg", "growth_svg", "render_charts", "stars_svg"]

#: Series colours (Tailwind 500 tones): readable on white and on a near-black background.
PALETTE: tuple[str, ...] = (
    "#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6",
    "#ec4899", "#14b8a6", "#84cc16", "#f97316", "#64748b",
)
#: How many projects the stars chart draws (the largest at the period's end); more is unreadable.
MAX_LINES = 10
#: How many projects the growth chart lists.
MAX_BARS = 15

# A colour no chart uses on purpose: written where the page's text colour belongs, then replaced.
_INK = "#010203"
_INK_RE = re.compile(re.escape(_INK), re.IGNORECASE)
_RC: dict[Any, Any] = {
    "date.converter": "concise",
    "date.interval_multiples": True,
    "svg.hashsalt": "aoss-monitor",
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "font.family": "sans-serif",
    "font.size": 9.0,
    "text.color": _INK,
    "axes.labelcolor": _INK,
    "axes.edgecolor": _INK,
    "xtick.color": _INK,
    "ytick.color": _INK,
    "grid.color": _INK,
    "grid.alpha": 0.15,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "path.simplify": True,
}
# rc_context changes process-wide parameters for the duration of one savefig: serialise it.
_LOCK = threading.Lock()
_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*|<!--.*?-->\s*", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_SIZE = re.compile(r'(<svg\b[^>]*?)\s+width="[^"]*"\s+height="[^"]*"')
_ID_REF = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


class Charts(dict[str, str]):
    """Chart name → SVG text; a chart without data to draw is absent."""


def render_charts(report: Report) -> Charts:
    """Every chart the report has data for."""
    charts = Charts()
    for name, make in (("stars", stars_svg), ("growth", growth_svg), ("shares", group_shares_svg)):
        svg = make(report)
        if svg is not None:
            charts[name] = svg
    return charts


def _styled(build: Callable[[Report], Figure | None]) -> Callable[[Report], str | None]:
    """Run *build* under the chart style (rc parameters are read as artists are made)."""

    def render(report: Report) -> str | None:
        buffer = io.StringIO()
        # rc_context swaps process-wide parameters while one chart is made: one at a time.
        with _LOCK, matplotlib.rc_context(_RC), warnings.catch_warnings():
            # Text stays text (svg.fonttype none) and the browser draws it with its own fonts,
            # so glyphs matplotlib's font lacks (CJK names) only make its layout estimate rougher.
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
            figure = build(report)
            if figure is None:
                return None
            figure.savefig(buffer, format="svg", metadata={"Date": None}, transparent=True)
        return _clean(buffer.getvalue(), build.__name__.removesuffix("_chart"))

    render.__name__ = build.__name__
    render.__doc__ = build.__doc__
    return render


def stars_chart(report: Report) -> Figure | None:
    """Stars over the last 12 months, one line per project, the report's period shaded."""
    projects = [p for p in report.projects if len(p.stars_history) >= 2]
    projects.sort(key=lambda p: (-(p.stars_history[-1].value), p.name))
    projects = projects[:MAX_LINES]
    if not projects:
        return None
    figure = _figure(height=3.6)
    axes = figure.add_subplot()
    low, high = None, 0
    for index, project in enumerate(projects):
        days = _days(point.day for point in project.stars_history)
        values = [point.value for point in project.stars_history]
        axes.plot(days, values, color=PALETTE[index % len(PALETTE)], linewidth=1.6,
                  label=_label(project.name))
        positive = [v for v in values if v > 0]
        if positive:
            low = min(positive) if low is None else min(low, *positive)
        high = max(high, *values)
    if low is not None and high / low > 50:
        axes.set_yscale("log")
    _shade_period(axes, report)
    axes.yaxis.set_major_formatter(FuncFormatter(_compact))
    axes.grid(True, axis="y")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, handlelength=1.2)
    return figure


def growth_chart(report: Report) -> Figure | None:
    """Stars gained (or lost) in the period, one horizontal bar per project."""
    rows = [(p.name, p.stars.delta) for p in report.projects if p.stars.delta is not None]
    rows = [(name, delta) for name, delta in rows if delta is not None]
    if not rows:
        return None
    rows.sort(key=lambda row: (-row[1], row[0]))
    rows = rows[:MAX_BARS]
    figure = _figure(height=0.8 + 0.28 * len(rows))
    axes = figure.add_subplot()
    positions = list(range(len(rows)))[::-1]  # the largest on top
    deltas = [delta for _, delta in rows]
    colors = [PALETTE[2] if delta >= 0 else PALETTE[3] for delta in deltas]
    bars = axes.barh(positions, deltas, color=colors, height=0.65)
    axes.set_yticks(positions, [_label(name) for name, _ in rows])
    axes.bar_label(bars, labels=[_signed(delta) for delta in deltas], padding=3, fontsize=8)
    axes.axvline(0, color=_INK, linewidth=0.8)
    axes.xaxis.set_major_formatter(FuncFormatter(_compact))
    axes.spines["left"].set_visible(False)
    axes.tick_params(axis="y", length=0)
    axes.grid(True, axis="x")
    axes.margins(x=0.15)
    return figure


def shares_chart(report: Report) -> Figure | None:
    """Each group's share of all tracked stars over the last 12 months (lines, per cent)."""
    groups = [g for g in report.groups if len(g.share_history) >= 2]
    if not groups:
        return None
    figure = _figure(height=3.0)
    axes = figure.add_subplot()
    for index, group in enumerate(groups):
        days = _days(point.day for point in group.share_history)
        shares = [point.value / 10 for point in group.share_history]  # per mille → per cent
        axes.plot(days, shares, color=PALETTE[index % len(PALETTE)], linewidth=1.8,
                  label=_label(group.title or group.key))
    _shade_period(axes, report)
    axes.set_ylim(0, 100)
    axes.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    axes.grid(True, axis="y")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, handlelength=1.2)
    return figure


stars_svg = _styled(stars_chart)
growth_svg = _styled(growth_chart)
group_shares_svg = _styled(shares_chart)


def _figure(*, height: float) -> Figure:
    figure = Figure(figsize=(8.0, height), layout="constrained")
    figure.patch.set_alpha(0.0)
    return figure


def _shade_period(axes: Axes, report: Report) -> None:
    axes.axvspan(report.period.start, report.period.end,  # type: ignore[arg-type]
                 color=PALETTE[1], alpha=0.22, linewidth=0, zorder=0)
    axes.patch.set_alpha(0.0)


def _days(days: Iterable[date]) -> np.ndarray[Any, np.dtype[np.datetime64]]:
    return np.array(list(days), dtype="datetime64[D]")


def _label(text: str) -> str:
    """Text matplotlib shows literally: no mathtext, and not hidden as ``_nolegend_``."""
    text = text.replace("$", r"\$")
    return "\u200b" + text if text.startswith("_") else text


def _compact(value: float, _position: object = None) -> str:
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    if magnitude >= 1_000:
        return f"{value / 1_000:.3g}k"
    return f"{value:.0f}"


def _signed(value: int) -> str:
    return f"+{value:,}" if value > 0 else f"\u2212{-value:,}" if value < 0 else "0"


def _clean(svg: str, name: str) -> str:
    svg = _PROLOG.sub("", svg)
    svg = _METADATA.sub("", svg)
    svg = _SIZE.sub(r"\1", svg, count=1)  # the viewBox stays: the page sizes the chart
    svg = _INK_RE.sub("currentColor", svg)
    svg = _ID_REF.sub(lambda m: f"{m[1]}{name}-{m[2]}", svg)
    return svg.strip() + "\n"
