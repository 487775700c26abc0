"""Report periods: ISO weeks and calendar months, their UTC boundaries, keys and file paths.

A report covers a *complete* period. ``--end DATE`` names the last day a report may cover: the
report is for the latest period whose last day is on or before DATE (so DATE = a Sunday gives
that ISO week, DATE = a Wednesday the week before; DATE = 30 November gives November, 29
November gives October). Without ``--end`` DATE is yesterday (UTC), which makes the default the
last complete period. A period that has not ended yet is refused rather than reported half-way.

Boundaries are instants at 00:00Z: ``start`` is the first day's midnight (inclusive), ``end`` the
midnight after the last day (exclusive). A boundary value is the last observation at or before
that instant, so one period's end value is the next period's start value.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal

from monitor.errors import InputError
from monitor.reports.model import Period

__all__ = [
    "FOLDERS",
    "KINDS",
    "PeriodKind",
    "default_end",
    "following",
    "history_instants",
    "month",
    "parse_date",
    "parse_key",
    "period_ending",
    "previous",
    "report_path",
    "resolve_period",
    "week",
]

PeriodKind = Literal["week", "month"]

KINDS: tuple[PeriodKind, ...] = ("week", "month")

#: Sub-folder of ``storage/reports/`` per kind (SPEC "Reports").
FOLDERS: dict[str, str] = {"week": "weekly", "month": "monthly"}

_WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})$")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def week(year: int, number: int) -> Period:
    """ISO week *number* of ISO year *year* (Monday to Sunday)."""
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise InputError(f"there is no ISO week {year}-W{number:02d}") from None
    return Period("week", f"{year}-W{number:02d}", _midnight(monday),
                  _midnight(monday + timedelta(days=7)))


def month(year: int, number: int) -> Period:
    """Calendar month *number* of *year*."""
    if not 1 <= number <= 12 or not 1 <= year <= 9998:
        raise InputError(f"there is no month {year:04d}-{number:02d}")
    first = date(year, number, 1)
    after = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return Period("month", f"{year:04d}-{number:02d}", _midnight(first), _midnight(after))


def _containing(kind: PeriodKind, day: date) -> Period:
    if kind == "week":
        iso = day.isocalendar()
        return week(iso.year, iso.week)
    return month(day.year, day.month)


def period_ending(kind: PeriodKind, day: date) -> Period:
    """The latest *kind* period whose last day is on or before *day*."""
    current = _containing(kind, day)
    return current if current.last_day == day else previous(current)


def previous(period: Period) -> Period:
    """The period just before *period*, of the same kind."""
    return _containing(period.kind, period.first_day - timedelta(days=1))


def following(period: Period) -> Period:
    """The period just after *period*, of the same kind."""
    return _containing(period.kind, period.end.date())


def parse_key(key: str) -> Period:
    """``2026-W47`` or ``2026-11`` (a report's file name) back to its period."""
    if match := _WEEK_KEY.match(key):
        return week(int(match[1]), int(match[2]))
    if match := _MONTH_KEY.match(key):
        return month(int(match[1]), int(match[2]))
    raise InputError(f"bad period {key!r}: expected YYYY-Www (ISO week) or YYYY-MM (month)")


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` as given to ``--end``; anything else is an InputError."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"bad date {text!r}: expected YYYY-MM-DD") from None


def default_end(now: datetime) -> date:
    """Yesterday in UTC as of *now*: the default ``--end``, so the last complete period is the
    default."""
    return now.astimezone(UTC).date() - timedelta(days=1)


def _kind(kind: str) -> PeriodKind:
    if kind == "week":
        return "week"
    if kind == "month":
        return "month"
    raise InputError(f"bad period {kind!r}: expected week or month")


def resolve_period(kind: str, end: date | str | None, now: datetime) -> Period:
    """What ``report --period KIND --end DATE`` covers as of *now* (see the module docstring).

    Raises :class:`InputError` for a bad kind or date, and for a period that is not over yet at
    *now*.
    """
    wanted = _kind(kind)
    day = parse_date(end) if isinstance(end, str) else end
    if day is None:
        day = default_end(now)
    period = period_ending(wanted, day)
    if period.end > now:
        raise InputError(
            f"the {period.kind} {period.key} ends at {period.end:%Y-%m-%d %H:%MZ} and is not "
            "complete yet; pass an earlier --end"
        )
    return period


def history_instants(period: Period, weeks: int = 52) -> tuple[datetime, ...]:
    """Weekly instants for a chart of the last *weeks* weeks: ``period.end`` and every 7 days
    before it, oldest first (``weeks + 1`` instants, spanning a year for the default)."""
    return tuple(period.end - timedelta(days=7 * n) for n in range(weeks, -1, -1))


def report_path(root: Path, period: Period, extension: str) -> Path:
    """``root/weekly/2026-W47.html`` or ``root/monthly/2026-11.json``."""
    return root / FOLDERS[period.kind] / f"{period.key}.{extension.lstrip('.')}"
