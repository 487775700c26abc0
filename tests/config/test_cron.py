"""cron_trigger: standard crontab read into an APScheduler 3 trigger (SPEC, monitor.toml)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given
from hypothesis import strategies as st

from monitor.config.cron import cron_trigger

NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
SUNDAY_1_NOVEMBER = datetime(2026, 11, 1, tzinfo=UTC)


def weekdays_fired(spec: str) -> set[int]:
    """Crontab weekday numbers (0 = Sunday) of the fires in two weeks from a Sunday."""
    trigger = cron_trigger(spec)
    found: set[int] = set()
    now = SUNDAY_1_NOVEMBER
    while (fire := trigger.get_next_fire_time(None, now)) < SUNDAY_1_NOVEMBER + timedelta(14):
        found.add(fire.isoweekday() % 7)
        now = fire + timedelta(seconds=1)
    return found


@given(st.lists(st.tuples(st.integers(0, 7), st.booleans()), min_size=1, max_size=8))
def test_a_list_of_weekdays_fires_on_exactly_those_days(days: list[tuple[int, bool]]) -> None:
    items = [NAMES[day % 7].upper() if named else str(day) for day, named in days]
    assert weekdays_fired("0 8 * * " + ",".join(items)) == {day % 7 for day, _ in days}


@given(st.integers(0, 7), st.integers(0, 7), st.integers(1, 8))
def test_a_range_with_a_step_fires_as_crontab_counts(first: int, last: int, step: int) -> None:
    if first > last:
        first, last = last, first
    expected = {day % 7 for day in range(first, last + 1, step)}
    assert weekdays_fired(f"0 8 * * {first}-{last}/{step}") == expected


def test_both_day_fields_restricted_is_either_day() -> None:
    assert isinstance(cron_trigger("0 8 13 * fri"), OrTrigger)
    assert isinstance(cron_trigger("0 8 */2 * fri"), CronTrigger)  # a star keeps both
    assert isinstance(cron_trigger("0 8 13 * *"), CronTrigger)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("0 8 * *", "expected 5 fields"),
        ("0 8 * * 8", "day of week '8' is not 0-7 or sun-sat"),
        ("0 8 * * fri-mon", "must not run backwards"),
        ("0 8 * * */0", "a step must be at least 1"),
        ("0 8 * * 1-", "day of week '1-': expected"),
        ("0 25 * * 1", "hour '25': .*maximum value"),
        ("0 8 1 13 *", "month '13'"),
    ],
)
def test_bad_expressions_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cron_trigger(spec)
