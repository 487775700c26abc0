"""Daily series from history pages: the arithmetic of a backfill, with no I/O.

A platform's history arrives as pages of per-day counts (stars given that day and still present;
releases published that day). A series is the running total at the end of each day of the
platform's calendar, so it is rebuilt here from the counts alone: the store keeps the pages and
the rebuilt points, :mod:`monitor.commands.backfill` moves them between the two. Kept apart so
the rules (how pages merge, where a day ends across DST changes, which days a series covers) are
pure functions, tested with properties as well as examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["count_by_day", "daily_series", "first_day", "merge_pages"]


def merge_pages(
    pages: Iterable[tuple[int, Mapping[date, int]]], whole_days: bool,
) -> dict[date, int]:
    """One count per day from stored pages (given oldest fetch first).

    Whole-day pages (GitHub weeks) may overlap after the week boundary moved between two
    reads: the later read of a day wins. Star-list pages (Gitee) split a day between pages:
    the counts add up.
    """
    merged: dict[date, int] = {}
    for _, days in pages:
        for day, count in days.items():
            merged[day] = count if whole_days else merged.get(day, 0) + count
    return merged


def count_by_day(moments: Iterable[datetime | None], zone: ZoneInfo) -> dict[date, int]:
    """How many of *moments* fall on each day of *zone* (unknown moments are not counted)."""
    days: dict[date, int] = {}
    for moment in moments:
        if moment is not None:
            day = moment.astimezone(zone).date()
            days[day] = days.get(day, 0) + 1
    return days


def daily_series(
    days: Mapping[date, int], zone: ZoneInfo, now: datetime, start: date | None = None,
) -> list[tuple[datetime, int]]:
    """The count at the end of each day of *zone*, from *start* to the last complete day.

    ``observed_at`` is the instant the day ends (the next midnight in *zone*, in UTC), and the
    value counts everything given before it, so the series ends at today's count less what was
    given today.
    """
    if not days:
        return []
    first = min(days) if start is None else min(start, min(days))
    last = now.astimezone(zone).date() - timedelta(days=1)
    total = 0
    points: list[tuple[datetime, int]] = []
    day = first
    while day <= last:
        total += days.get(day, 0)
        end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
        if start is None or day >= start:
            points.append((end, total))
        day += timedelta(days=1)
    return points


def first_day(points: list[tuple[datetime, int]], zone: ZoneInfo) -> date | None:
    """The day of *zone* a :func:`daily_series` starts on (its first point ends that day)."""
    return (points[0][0].astimezone(zone).date() - timedelta(days=1)) if points else None
