"""Cron schedules read as standard crontab (SPEC, ``config/monitor.toml``), fired over months.

Day of week ``0`` and ``7`` are Sunday and ``1`` is Monday; a report job fires once per period
at the configured local time across both daylight-saving changes. Each test walks the daemon's
own trigger (:func:`make_trigger`) with a fixed clock, never the wall clock.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.config.settings import Schedule
from monitor.daemon.triggers import last_due, make_trigger, missed_reports, overdue

# Friday 27 November 2026, 04:40 UTC.
NOW = datetime(2026, 11, 27, 4, 40, tzinfo=UTC)
MONDAY, SUNDAY = 0, 6  # date.weekday()


def fires(spec: str, timezone: str, start: datetime, end: datetime) -> list[datetime]:
    """Every fire of the daemon's trigger for *spec* from *start* up to *end*, in *timezone*."""
    trigger = make_trigger(spec, timezone, jitter=False)
    found: list[datetime] = []
    previous = None
    now = start
    while (fire := trigger.get_next_fire_time(previous, now)) is not None and fire < end:
        found.append(fire.astimezone(ZoneInfo(timezone)))
        previous = now = fire
    return found


def next_fire(spec: str, timezone: str = "UTC", now: datetime = NOW) -> datetime:
    fire: datetime = make_trigger(spec, timezone, jitter=False).get_next_fire_time(None, now)
    return fire.astimezone(ZoneInfo(timezone))


def test_numeric_one_is_monday_at_the_local_time() -> None:
    fire = next_fire("0 8 * * 1", "Europe/Berlin")
    assert fire.weekday() == MONDAY
    assert (fire.date(), fire.hour, fire.minute) == (date(2026, 11, 30), 8, 0)


@pytest.mark.parametrize("weekday", ["0", "7", "sun", "SUN"])
def test_zero_seven_and_sun_are_sunday(weekday: str) -> None:
    fire = next_fire(f"0 8 * * {weekday}")
    assert fire == datetime(2026, 11, 29, 8, tzinfo=ZoneInfo("UTC"))


def test_weekday_names_and_numbers_agree() -> None:
    names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    for number, name in enumerate(names):
        assert next_fire(f"0 8 * * {number}") == next_fire(f"0 8 * * {name}")
        assert next_fire(f"0 8 * * {number}").isoweekday() % 7 == number


@pytest.mark.parametrize(
    ("weekdays", "expected"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("1-5", {0, 1, 2, 3, 4}),
        ("0,6", {SUNDAY, 5}),
        ("sat,sun", {SUNDAY, 5}),
        ("5-7", {4, 5, SUNDAY}),  # 7 closes a range as Sunday
        ("*/2", {SUNDAY, 1, 3, 5}),  # every other day counted from Sunday: sun, tue, thu, sat
        ("1-5/2", {0, 2, 4}),  # mon, wed, fri
        ("*", {0, 1, 2, 3, 4, 5, 6}),
    ],
)
def test_weekday_ranges_lists_and_steps(weekdays: str, expected: set[int]) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    days = {fire.weekday() for fire in fires(f"0 8 * * {weekdays}", "UTC", start,
                                                start + timedelta(days=14))}
    assert days == expected


def test_day_of_month_or_day_of_week_as_in_crontab() -> None:
    # Standard cron: both restricted means either matches (the 13th, and every Friday).
    start = datetime(2026, 11, 1, tzinfo=UTC)
    days = [fire.date() for fire in fires("0 8 13 * fri", "UTC", start, datetime(2026, 12, 1,
                                                                                   tzinfo=UTC))]
    assert days == [date(2026, 11, 6), date(2026, 11, 13), date(2026, 11, 20), date(2026, 11, 27)]
    days = [fire.date() for fire in fires("0 8 1 * 1", "UTC", start, datetime(2026, 12, 1,
                                                                                tzinfo=UTC))]
    assert days == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16),
                    date(2026, 11, 23), date(2026, 11, 30)]
    # A field starting with a star keeps both restrictions (1, 11, 21 that are Wednesdays).
    days = [fire.date() for fire in fires("0 8 */10 * wed", "UTC", start,
                                          datetime(2026, 12, 1, tzinfo=UTC))]
    assert days == [date(2026, 11, 11)]


@pytest.mark.parametrize("timezone", ["Europe/Berlin", "America/Los_Angeles"])
def test_weekly_report_once_per_iso_week_at_local_time_across_dst(timezone: str) -> None:
    # 2020-2021: both DST changes twice, 29 February 2020 and ISO week 2020-W53.
    zone = ZoneInfo(timezone)
    found = fires("0 8 * * 1", timezone, datetime(2019, 12, 30, tzinfo=zone),
                  datetime(2022, 1, 3, tzinfo=zone))
    assert all((fire.weekday(), fire.hour, fire.minute) == (MONDAY, 8, 0) for fire in found)
    weeks = Counter(fire.isocalendar()[:2] for fire in found)
    assert set(weeks.values()) == {1}
    expected = [(2020, number) for number in range(1, 54)] + [(2021, n) for n in range(1, 53)]
    assert sorted(weeks) == expected
    offsets = {fire.utcoffset() for fire in found}
    assert len(offsets) == 2  # summer and winter time both crossed


@pytest.mark.parametrize("timezone", ["Europe/Berlin", "America/Los_Angeles"])
def test_monthly_report_once_per_month_at_local_time_across_dst(timezone: str) -> None:
    zone = ZoneInfo(timezone)
    found = fires("0 8 1 * *", timezone, datetime(2020, 1, 1, tzinfo=zone),
                  datetime(2022, 1, 1, tzinfo=zone))
    assert [(fire.year, fire.month) for fire in found] == [
        (year, month) for year in (2020, 2021) for month in range(1, 13)
    ]
    assert all((fire.day, fire.hour, fire.minute) == (1, 8, 0) for fire in found)


def test_last_due_reads_numeric_weekdays_as_crontab() -> None:
    assert last_due("0 8 * * 1", "UTC", NOW) == datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert last_due("0 8 * * 7", "UTC", NOW) == datetime(2026, 11, 22, 8, tzinfo=UTC)
    assert last_due("0 8 * * 0", "UTC", NOW) == datetime(2026, 11, 22, 8, tzinfo=UTC)


def test_a_cron_collect_missed_on_sunday_is_overdue() -> None:
    saturday = datetime(2026, 11, 21, 23, tzinfo=UTC)
    assert overdue("0 3 * * 7", "UTC", saturday, NOW)
    assert not overdue("0 3 * * 7", "UTC", datetime(2026, 11, 22, 4, tzinfo=UTC), NOW)


def _write(reports: Path, key: str) -> None:
    (reports / "weekly").mkdir(parents=True, exist_ok=True)
    (reports / "weekly" / f"{key}.html").write_text("<html></html>")


def test_catch_up_after_weeks_down_renders_each_missed_week_once(tmp_path: Path) -> None:
    # Down from Tuesday 3 November (W45) to Monday 30 November 2026, 08:30 in Berlin: the
    # Monday runs for W45, W46, W47 and W48 all fell while it was down.
    schedule = Schedule(weekly_report="0 8 * * 1", timezone="Europe/Berlin")
    reports = tmp_path / "reports"
    _write(reports, "2026-W44")
    data_since = datetime(2026, 1, 1, tzinfo=UTC)
    down_since = datetime(2026, 11, 3, 12, tzinfo=UTC)
    now = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    missed = missed_reports("week", schedule, "weekly_report", reports, data_since, now,
                            down_since)
    assert [p.key for p in missed] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    for period in missed:
        _write(reports, period.key)
    for later in (now, now + timedelta(days=3), now + timedelta(days=6, hours=23)):
        assert missed_reports("week", schedule, "weekly_report", reports, data_since,
                              later, down_since) == []


def test_a_report_whose_run_came_before_the_daemon_went_down_is_not_missed(
    tmp_path: Path,
) -> None:
    # W44's run was Monday 2 November 08:00 Berlin; the daemon was alive until the 3rd, and
    # chose not to keep W44's files (deleted by hand): catch-up does not bring it back.
    schedule = Schedule(weekly_report="0 8 * * 1", timezone="Europe/Berlin")
    down_since = datetime(2026, 11, 3, 12, tzinfo=UTC)
    now = datetime(2026, 11, 10, 9, tzinfo=UTC)
    missed = missed_reports("week", schedule, "weekly_report", tmp_path, datetime(2026, 1, 1,
                            tzinfo=UTC), now, down_since)
    assert [p.key for p in missed] == ["2026-W45"]


def test_a_first_start_renders_only_the_latest_missing_period(tmp_path: Path) -> None:
    schedule = Schedule(weekly_report="0 8 * * 1", timezone="Europe/Berlin")
    now = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    missed = missed_reports("week", schedule, "weekly_report", tmp_path,
                            datetime(2020, 1, 1, tzinfo=UTC), now, None)
    assert [p.key for p in missed] == ["2026-W48"]


def test_a_run_just_after_the_period_end_counts_when_down_before_it(tmp_path: Path) -> None:
    # Down on Sunday 8 November 23:00 Berlin, before W45's Monday 08:00 run: W45 was missed.
    schedule = Schedule(weekly_report="0 8 * * 1", timezone="Europe/Berlin")
    down_since = datetime(2026, 11, 8, 22, tzinfo=UTC)
    now = datetime(2026, 11, 12, tzinfo=UTC)
    missed = missed_reports("week", schedule, "weekly_report", tmp_path,
                            datetime(2026, 1, 1, tzinfo=UTC), now, down_since)
    assert [p.key for p in missed] == ["2026-W45"]


def test_a_fixed_time_in_the_repeated_hour_fires_once() -> None:
    # 25 October 2020, Berlin: 02:00-03:00 happens twice; crontab runs a fixed-time job once.
    zone = ZoneInfo("Europe/Berlin")
    found = fires("30 2 * * sun", "Europe/Berlin", datetime(2020, 10, 18, tzinfo=zone),
                  datetime(2020, 11, 1, tzinfo=zone))
    assert [(fire.date(), fire.hour, fire.minute) for fire in found] == [
        (date(2020, 10, 18), 2, 30), (date(2020, 10, 25), 2, 30)]
    daily = fires("30 2 * * *", "Europe/Berlin", datetime(2020, 10, 24, tzinfo=zone),
                  datetime(2020, 10, 27, tzinfo=zone))
    assert [fire.day for fire in daily] == [24, 25, 26]


def test_a_wildcard_hour_keeps_firing_through_the_repeated_hour() -> None:
    # "every 30 minutes" runs by the clock it reads, so 02:00 and 02:30 come twice (UTC 00-02).
    zone = ZoneInfo("Europe/Berlin")
    found = fires("*/30 * * * *", "Europe/Berlin", datetime(2020, 10, 25, 2, tzinfo=zone),
                  datetime(2020, 10, 25, 3, tzinfo=zone))
    assert [fire.astimezone(UTC).strftime("%H:%M") for fire in found] == [
        "00:00", "00:30", "01:00", "01:30"]


def test_a_weekly_report_in_the_repeated_hour_fires_once_per_iso_week() -> None:
    zone = ZoneInfo("Europe/Berlin")
    found = fires("30 2 * * 0", "Europe/Berlin", datetime(2019, 12, 30, tzinfo=zone),
                  datetime(2022, 1, 3, tzinfo=zone))
    assert set(Counter(fire.isocalendar()[:2] for fire in found).values()) == {1}
    assert len(found) == 53 + 52


def test_jitter_never_moves_a_fire_before_its_time() -> None:
    # Jitter is added in real seconds: a fire in the repeated hour must not jump back an hour.
    trigger = make_trigger("*/30 * * * *", "Europe/Berlin")
    second_pass = datetime(2020, 10, 25, 1, 15, tzinfo=UTC)  # 02:15 CET, the second 02:15
    for _ in range(20):
        fire = trigger.get_next_fire_time(None, second_pass)
        assert datetime(2020, 10, 25, 1, 30, tzinfo=UTC) <= fire
        assert fire <= datetime(2020, 10, 25, 1, 30, 10, tzinfo=UTC)


def test_jitter_of_either_day_field_stays_within_bounds() -> None:
    trigger = make_trigger("0 8 13 * fri", "UTC")
    for _ in range(20):
        fire = trigger.get_next_fire_time(None, NOW)
        base = datetime(2026, 11, 27, 8, tzinfo=UTC)  # Friday 27th
        assert base <= fire <= base + timedelta(seconds=10)
