"""Boundary values and their tolerances (monitor/reports/values.py): examples and properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from monitor.reports.period import month, week
from monitor.reports.values import NO_VALUE, STALE_AFTER, Judge, Value, change, missing_after
from monitor.store.series import Point

BOUNDARY = datetime(2025, 3, 10, tzinfo=UTC)
WEEK = Judge(timedelta(days=2), timedelta(days=7))


def test_tolerances_follow_the_kind_and_length_of_the_period() -> None:
    assert missing_after(week(2025, 10)) == timedelta(days=7)
    assert missing_after(month(2025, 2)) == timedelta(days=28)
    judge = Judge.of(month(2025, 3))
    assert (judge.stale_after, judge.missing_after) == (STALE_AFTER["month"], timedelta(days=31))


def test_no_observation_is_missing_and_not_stale() -> None:
    assert WEEK.value(None, BOUNDARY) == NO_VALUE == Value(None, False, None)


def test_an_observation_too_old_is_missing_but_remembered() -> None:
    seen = BOUNDARY - timedelta(days=8)
    assert WEEK.value(Point(seen, 42, "collected"), BOUNDARY) == Value(None, True, seen)


@given(st.integers(0, 40 * 24 * 60), st.integers(0, 10**7))
def test_a_value_is_kept_within_the_tolerance_and_never_zeroed(minutes: int, stars: int) -> None:
    seen = BOUNDARY - timedelta(minutes=minutes)
    got = WEEK.value(Point(seen, stars, "collected"), BOUNDARY)
    age = BOUNDARY - seen
    assert got.at == seen
    if age > WEEK.missing_after:
        assert got.value is None and got.stale
    else:
        assert got.value == stars
        assert got.stale == (age > WEEK.stale_after)


def test_a_change_carries_both_judged_values() -> None:
    start = Value(10, True, BOUNDARY - timedelta(days=10))
    end = Value(None, False, None)
    got = change(start, end)
    assert (got.start, got.end, got.start_stale, got.end_stale) == (10, None, True, False)
    assert (got.start_at, got.end_at, got.delta) == (start.at, None, None)
