"""Report periods: which period --end selects, boundaries, keys, paths."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from monitor.errors import InputError
from monitor.reports.period import (
    default_end,
    following,
    history_instants,
    month,
    parse_date,
    parse_key,
    period_ending,
    previous,
    report_path,
    resolve_period,
    week,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_iso_week_boundaries_are_monday_midnights_utc() -> None:
    period = week(2026, 47)
    assert period.kind == "week" and period.key == "2026-W47"
    assert period.start == utc(2026, 11, 16) and period.end == utc(2026, 11, 23)
    assert period.first_day == date(2026, 11, 16) and period.last_day == date(2026, 11, 22)


def test_iso_week_53_and_year_boundaries() -> None:
    assert week(2026, 53).key == "2026-W53"  # 2026 has 53 ISO weeks
    assert week(2026, 53).last_day == date(2027, 1, 3)
    assert previous(week(2027, 1)).key == "2026-W53"
    assert period_ending("week", date(2025, 12, 28)).key == "2025-W52"
    assert period_ending("week", date(2026, 1, 4)).key == "2026-W01"  # its Monday is in 2025
    assert week(2026, 1).start == utc(2025, 12, 29)
    with pytest.raises(InputError):
        week(2025, 53)


def test_month_boundaries() -> None:
    assert month(2024, 2).end == utc(2024, 3, 1) and month(2024, 2).last_day == date(2024, 2, 29)
    assert month(2025, 12).end == utc(2026, 1, 1)
    assert previous(month(2026, 1)).key == "2025-12"
    assert following(month(2025, 12)).key == "2026-01"
    assert following(week(2026, 53)).key == "2027-W01"


@pytest.mark.parametrize(
    ("kind", "day", "key"),
    [
        ("week", date(2026, 11, 22), "2026-W47"),  # a Sunday: that week
        ("week", date(2026, 11, 23), "2026-W47"),  # a Monday: the week before
        ("week", date(2026, 11, 25), "2026-W47"),
        ("month", date(2026, 11, 30), "2026-11"),  # the last day: that month
        ("month", date(2026, 11, 29), "2026-10"),  # otherwise the month before
        ("month", date(2026, 3, 1), "2026-02"),
    ],
)
def test_end_date_picks_the_latest_period_ending_on_or_before_it(
    kind: str, day: date, key: str
) -> None:
    assert period_ending(kind, day).key == key  # type: ignore[arg-type]


def test_default_is_the_last_complete_period() -> None:
    now = utc(2026, 11, 25, 8)  # a Wednesday
    assert default_end(now) == date(2026, 11, 24)
    assert resolve_period("week", None, now).key == "2026-W47"
    assert resolve_period("month", None, now).key == "2026-10"
    # Monday 08:00: last week has just ended.
    assert resolve_period("week", None, utc(2026, 11, 23, 8)).key == "2026-W47"
    # The 1st of a month: the month before.
    assert resolve_period("month", None, utc(2026, 12, 1, 0, 5)).key == "2026-11"


def test_a_period_not_over_yet_is_refused() -> None:
    now = utc(2026, 11, 25, 8)
    with pytest.raises(InputError, match="not complete yet"):
        resolve_period("week", "2026-11-29", now)
    with pytest.raises(InputError, match="not complete yet"):
        resolve_period("month", date(2026, 11, 30), now)
    assert resolve_period("week", "2026-11-22", now).key == "2026-W47"


def test_bad_input_is_an_input_error() -> None:
    with pytest.raises(InputError, match="expected YYYY-MM-DD"):
        parse_date("22/11/2026")
    with pytest.raises(InputError, match="week or month"):
        resolve_period("year", None, utc(2026, 11, 25))
    with pytest.raises(InputError):
        parse_key("2026-13")
    with pytest.raises(InputError):
        parse_key("2026/W3")


def test_keys_round_trip() -> None:
    for period in (week(2026, 1), week(2020, 53), month(2026, 11)):
        assert parse_key(period.key) == period


def test_history_instants_are_weekly_back_from_the_end() -> None:
    instants = history_instants(month(2026, 11))
    assert len(instants) == 53
    assert instants[-1] == utc(2026, 12, 1)
    assert instants[0] == utc(2025, 12, 2)
    assert all(b - a == instants[1] - instants[0] for a, b in pairwise(instants))


def test_report_paths() -> None:
    root = Path("storage/reports")
    assert report_path(root, week(2026, 7), "html") == root / "weekly" / "2026-W07.html"
    assert report_path(root, month(2026, 11), "md") == root / "monthly" / "2026-11.md"
