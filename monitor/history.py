"""Daily series from star history: the arithmetic of a backfill, with no I/O.

A platform's history arrives as per-day counts (stars given that day and still present; releases
published that day). A series is the running total at the end of each day of the platform's
calendar, so it is rebuilt here from the counts alone: the store keeps the history and the
rebuilt points, :mod:`monitor.commands.backfill` moves them between the two. Kept apart so the
rules (where a day ends across DST changes, which days a series covers, how a re-read tells what
changed) are pure functions, tested with properties as well as examples.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

__all__ = [
    "EVERY",
    "count_by_day",
    "daily_series",
    "day_end",
    "first_day",
    "first_star_day",
    "gone_stars",
    "last_page_newest_first",
    "newest_first",
]


#: A bound before every star: pages covering every star later than it hold the whole list.
EVERY = datetime.min.replace(tzinfo=UTC)


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
        if start is None or day >= start:
            points.append((day_end(day, zone), total))
        day += timedelta(days=1)
    return points


@lru_cache(maxsize=1 << 16)
def day_end(day: date, zone: ZoneInfo) -> datetime:
    """The instant *day* of *zone* ends (the next midnight there), in UTC.

    Cached: every rebuild of every series asks for the same days again, and working a day's end
    out through the zone's rules costs more than all the rest of :func:`daily_series`.
    """
    return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)


def first_day(points: list[tuple[datetime, int]], zone: ZoneInfo) -> date | None:
    """The day of *zone* a :func:`daily_series` starts on (its first point ends that day)."""
    return (points[0][0].astimezone(zone).date() - timedelta(days=1)) if points else None


def first_star_day(days: Mapping[date, int]) -> date | None:
    """The first day with a star still present: where a star series starts (never earlier)."""
    return min((day for day, count in days.items() if count > 0), default=None)


def newest_first(times: Sequence[datetime]) -> bool | None:
    """A list's order read from its items' times: newest first, oldest first, or ``None`` when
    the items cannot tell (fewer than two distinct times). Stars are listed by ``star_at``."""
    for earlier, later in pairwise(times):
        if earlier != later:
            return later < earlier
    return None


def last_page_newest_first(
    times: Collection[datetime], stored: Collection[datetime],
) -> bool | None:
    """A list's order told from its last page when that page's own times cannot (one star, or
    one instant): the last page holds the list's oldest stars if it is newest first, its newest
    if oldest first, so its stars are compared with the stored ones. Mostly newer stored stars
    than not say newest first; mostly older, oldest first; ``None`` when they cannot tell."""
    if not times:
        return None
    newer = sum(1 for at in stored if at > max(times))
    older = sum(1 for at in stored if at < min(times))
    return None if newer == older else newer > older


def gone_stars(
    stored: Mapping[int, datetime],
    seen: Collection[int],
    after: datetime | None,
    before: datetime | None,
) -> set[int]:
    """The stored stars a re-read shows withdrawn.

    *seen* are the stargazer ids on the pages read. Pages read contiguously from the list's
    newest end cover every star later than *after* (the oldest time on them); pages read from
    its oldest end every star earlier than *before* (the newest time on them). A stored star in
    a covered span and not seen is gone; ``None`` covers nothing. A star at exactly a bound may
    lie on the next page, so it stays until that page is read. Once the pages read hold the
    whole list, pass :data:`EVERY` as *after*.
    """
    return {
        uid for uid, at in stored.items()
        if uid not in seen
        and ((after is not None and at > after) or (before is not None and at < before))
    }
