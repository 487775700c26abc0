"""Report periods, property-based: weeks and months tile the calendar with no gap or overlap,
``previous`` and ``following`` invert each other, and keys parse back (ISO week 53 included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from monitor.reports.model import Period
from monitor.reports.period import (
    KINDS,
    PeriodKind,
    following,
    parse_key,
    period_ending,
    previous,
    week,
)

#: 1990-2100 holds twenty-odd ISO years with a week 53 (1992, 1998, 2004, 2009, 2015, 2020 ...).
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
kinds = st.sampled_from(KINDS)
instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31, 23, 59, 59, 999999),
    timezones=st.just(UTC),
)
years = st.integers(min_value=1990, max_value=2100)
# A day in a week 53 (2020-W53: Monday 28 December 2020 to Sunday 3 January 2021).
WEEK_53_DAY = date(2020, 12, 31)


@st.composite
def periods(draw: st.DrawFn) -> Period:
    """Any week or month: the one after the latest period over by a random day."""
    return following(period_ending(draw(kinds), draw(days)))


def _around(period: Period, steps: int = 2) -> list[Period]:
    """*period* and *steps* periods either side of it, in order."""
    before, after = [period], [period]
    for _ in range(steps):
        before.insert(0, previous(before[0]))
        after.append(following(after[-1]))
    return before[:-1] + after


def _contains(period: Period, at: datetime) -> bool:
    return period.start <= at < period.end


@given(periods())
@example(week(2020, 53))
@example(week(2015, 53))
def test_following_undoes_previous(period: Period) -> None:
    assert following(previous(period)) == period


@given(periods())
@example(week(2020, 53))
@example(week(2020, 52))
def test_previous_undoes_following(period: Period) -> None:
    assert previous(following(period)) == period


@given(periods())
@example(week(2020, 53))
def test_consecutive_periods_meet_with_no_gap_or_overlap(period: Period) -> None:
    assert following(period).start == period.end
    assert previous(period).end == period.start
    assert following(period).kind == previous(period).kind == period.kind


@given(periods())
@example(week(2020, 53))
def test_periods_start_and_end_at_utc_midnight(period: Period) -> None:
    for boundary in (period.start, period.end):
        assert boundary.tzinfo is UTC and boundary.timetz() == time(0, tzinfo=UTC)


@given(periods())
@example(week(2020, 53))
def test_a_week_is_seven_days_from_monday_and_a_month_its_calendar_month(period: Period) -> None:
    if period.kind == "week":
        assert period.end - period.start == timedelta(days=7)
        assert period.first_day.isoweekday() == 1
    else:
        assert period.first_day.day == 1
        assert period.first_day.month == period.last_day.month
        assert (period.last_day + timedelta(days=1)).day == 1


@given(periods())
@example(week(2020, 53))
def test_the_key_parses_back_to_the_period(period: Period) -> None:
    assert parse_key(period.key) == period


@given(kinds, instants)
@example("week", datetime.combine(WEEK_53_DAY, time(12), UTC))
@example("week", datetime(2021, 1, 4, tzinfo=UTC))
@example("month", datetime(2024, 3, 1, tzinfo=UTC))
def test_every_instant_lies_in_exactly_one_period(kind: PeriodKind, at: datetime) -> None:
    nearby = _around(period_ending(kind, at.date()))
    assert sum(_contains(p, at) for p in nearby) == 1


@given(kinds, days)
@example("week", WEEK_53_DAY)
@example("week", date(2021, 1, 3))
def test_period_ending_is_the_latest_period_over_by_that_day(kind: PeriodKind, day: date) -> None:
    period = period_ending(kind, day)
    assert period.last_day <= day < following(period).last_day


@given(kinds, days)
@example("week", WEEK_53_DAY)
def test_every_day_lies_in_exactly_one_period(kind: PeriodKind, day: date) -> None:
    nearby = _around(period_ending(kind, day))
    assert sum(p.first_day <= day <= p.last_day for p in nearby) == 1


@given(years)
@example(2020)
@example(2015)
def test_iso_years_have_52_or_53_weeks_and_run_into_the_next(year: int) -> None:
    last = 53 if date(year, 12, 28).isocalendar().week == 53 else 52
    assert following(week(year, last)) == week(year + 1, 1)
    assert previous(week(year + 1, 1)) == week(year, last)
    if last == 53:
        assert following(week(year, 52)) == week(year, 53)
