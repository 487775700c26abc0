"""The daemon's schedule decisions with a fixed clock: triggers, catch-up after downtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config.settings import Schedule
from monitor.daemon.triggers import (
    catch_up,
    jitter_for,
    last_due,
    make_trigger,
    missing_report,
    overdue,
)

# Friday 27 November 2026, 04:40 UTC.
NOW = datetime(2026, 11, 27, 4, 40, tzinfo=UTC)
SCHEDULE = Schedule(collect="6h", backfill="1d", weekly_report="0 8 * * mon",
                    monthly_report="0 8 1 * *", timezone="UTC")


def test_triggers_and_bounded_jitter() -> None:
    interval = make_trigger("30s", "UTC")
    assert isinstance(interval, IntervalTrigger)
    assert interval.interval == timedelta(seconds=30)
    cron = make_trigger("0 8 * * mon", "Asia/Shanghai")
    assert isinstance(cron, CronTrigger)
    fire = cron.get_next_fire_time(None, NOW)
    assert fire.tzinfo is not None
    # Monday 30 November, 08:00 in Shanghai (00:00 UTC), plus at most the jitter.
    base = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    assert base <= fire <= base + timedelta(seconds=jitter_for("0 8 * * mon"))
    assert jitter_for("2s") <= 0.2
    assert jitter_for("30s") <= 3
    assert jitter_for("6h") <= 30
    for _ in range(50):
        slot = interval.get_next_fire_time(NOW, NOW)
        assert NOW + timedelta(seconds=30) <= slot <= NOW + timedelta(seconds=33)


def test_last_due_of_a_cron() -> None:
    assert last_due("0 8 * * mon", "UTC", NOW) == datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert last_due("0 8 1 * *", "UTC", NOW) == datetime(2026, 11, 1, 8, tzinfo=UTC)
    assert last_due("*/5 * * * *", "UTC", NOW) == datetime(2026, 11, 27, 4, 40, tzinfo=UTC)
    assert last_due("0 8 * * mon", "Asia/Shanghai", NOW) == datetime(2026, 11, 23, 0, tzinfo=UTC)
    assert last_due("6h", "UTC", NOW) is None


@pytest.mark.parametrize(
    ("spec", "last_run", "expected"),
    [
        ("6h", None, True),  # never ran
        ("6h", NOW - timedelta(hours=2), False),
        ("6h", NOW - timedelta(hours=6), True),
        ("6h", NOW - timedelta(days=9), True),  # down for days: one run, not 36
        ("0 8 * * mon", NOW - timedelta(days=1), False),  # ran after Monday 08:00
        ("0 8 * * mon", datetime(2026, 11, 16, 8, tzinfo=UTC), True),  # missed the 23rd
    ],
)
def test_overdue(spec: str, last_run: datetime | None, expected: bool) -> None:
    assert overdue(spec, "UTC", last_run, NOW) is expected


def test_catch_up_runs_each_missed_job_once() -> None:
    last: dict[str, datetime | None] = {
        "collect": NOW - timedelta(days=3), "backfill": NOW - timedelta(hours=1)}
    assert catch_up(SCHEDULE, last, NOW) == ["collect"]
    assert catch_up(SCHEDULE, {}, NOW) == ["collect", "backfill"]
    recent: dict[str, datetime | None] = {
        "collect": NOW - timedelta(minutes=5), "backfill": NOW - timedelta(hours=1)}
    assert catch_up(SCHEDULE, recent, NOW) == []


def _write(reports: Path, folder: str, key: str) -> None:
    (reports / folder).mkdir(parents=True, exist_ok=True)
    (reports / folder / f"{key}.html").write_text("<html></html>")


def test_missing_reports_after_downtime(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    data_since = datetime(2026, 1, 1, tzinfo=UTC)
    # The Monday 23 November run covers ISO week 47 (16-22 Nov); November's run covers October.
    week = missing_report("week", SCHEDULE, "weekly_report", reports, data_since, NOW)
    month = missing_report("month", SCHEDULE, "monthly_report", reports, data_since, NOW)
    assert week is not None and week.key == "2026-W47"
    assert month is not None and month.key == "2026-10"

    _write(reports, "weekly", "2026-W47")
    _write(reports, "monthly", "2026-10")
    assert missing_report("week", SCHEDULE, "weekly_report", reports, data_since, NOW) is None
    assert missing_report("month", SCHEDULE, "monthly_report", reports, data_since, NOW) is None

    # Monday 30 November 07:00: week 48 is over but its run (08:00) has not come yet.
    monday = datetime(2026, 11, 30, 7, tzinfo=UTC)
    assert missing_report("week", SCHEDULE, "weekly_report", reports, data_since, monday) is None
    later = monday + timedelta(hours=2)
    found = missing_report("week", SCHEDULE, "weekly_report", reports, data_since, later)
    assert found is not None and found.key == "2026-W48"


def test_no_report_for_periods_before_any_data(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    assert missing_report("week", SCHEDULE, "weekly_report", reports, None, NOW) is None
    fresh = datetime(2026, 11, 26, tzinfo=UTC)  # first data after week 47 ended
    assert missing_report("week", SCHEDULE, "weekly_report", reports, fresh, NOW) is None
    assert missing_report("month", SCHEDULE, "monthly_report", reports, fresh, NOW) is None
    during = datetime(2026, 11, 20, tzinfo=UTC)  # data within week 47
    found = missing_report("week", SCHEDULE, "weekly_report", reports, during, NOW)
    assert found is not None and found.key == "2026-W47"


def test_interval_report_schedule_uses_now(tmp_path: Path) -> None:
    schedule = Schedule(weekly_report="1d")
    found = missing_report("week", schedule, "weekly_report", tmp_path, datetime(2026, 1, 1,
                           tzinfo=UTC), NOW)
    assert found is not None and found.key == "2026-W47"


@pytest.mark.parametrize(
    ("spec", "timezone"),
    [
        ("0 8 * * 1", "UTC"),  # a numeric weekday: read exactly as the daemon's trigger reads it
        ("0 8 13 * fri", "UTC"),  # day of month and weekday together
        ("0 2-3 * * *", "Europe/Berlin"),  # 02:00 does not exist on 29 March 2026
        ("*/7 * * * *", "Asia/Shanghai"),
    ],
)
def test_last_due_is_the_latest_fire_of_the_daemons_trigger(spec: str, timezone: str) -> None:
    now = datetime(2026, 3, 29, 9, 1, tzinfo=UTC)
    due = last_due(spec, timezone, now)
    assert due is not None and due <= now
    due = due.astimezone(UTC)  # step in real seconds, not wall-clock ones
    trigger = make_trigger(spec, timezone, jitter=False)
    fire = trigger.get_next_fire_time(None, due - timedelta(seconds=1))
    assert fire.astimezone(UTC) == due  # a wall time in a DST gap never equals another zone's
    assert trigger.get_next_fire_time(None, due + timedelta(seconds=1)) > now


def test_last_due_is_none_without_a_fire_within_a_year() -> None:
    assert last_due("0 0 29 2 *", "UTC", NOW) is None  # the last 29 February was in 2024
    assert last_due("0 0 30 2 *", "UTC", NOW) is None  # never


def test_last_due_of_a_cron_firing_every_minute_of_a_past_month() -> None:
    now = datetime(2026, 2, 15, tzinfo=UTC)
    assert last_due("* * * 1 *", "UTC", now) == datetime(2026, 1, 31, 23, 59, tzinfo=UTC)
