"""Schedules as triggers, and the daemon's catch-up decisions after downtime.

Every function here is pure given ``now``, so the decisions are tested with a fixed clock:

- :func:`make_trigger`: ``30s/15m/6h/1d`` → an ``IntervalTrigger``; a 5-field cron → read as
  standard crontab by :func:`monitor.config.cron.cron_trigger` (``0`` and ``7`` are Sunday; never
  APScheduler 3's ``from_crontab``, which counts ``0`` as Monday); both in the configured time
  zone, with a bounded jitter.
- :func:`last_due`: a cron's latest fire at or before ``now``, asked of that same trigger, so
  what the daemon fires and what catch-up thinks it should have fired cannot disagree.
- :func:`overdue`: a job missed while the daemon was down runs once on start (not once per
  missed slot): when its last run started before the trigger's last due time.
- :func:`missed_reports`: the report periods whose runs fell while the daemon was down, each
  rendered once on start if its files are missing and the store held data by its end.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.interval import IntervalTrigger

from monitor.config.cron import cron_trigger
from monitor.config.settings import Schedule, parse_duration
from monitor.reports.model import Period
from monitor.reports.period import FOLDERS, PeriodKind, default_end, period_ending, previous

__all__ = [
    "REPORT_KINDS",
    "catch_up",
    "interval_of",
    "jitter_for",
    "last_due",
    "make_trigger",
    "missed_reports",
    "missing_report",
    "overdue",
    "report_exists",
]

REPORT_KINDS: dict[str, PeriodKind] = {"weekly_report": "week", "monthly_report": "month"}

_HORIZON = timedelta(days=367)  # how far back a cron's last fire is looked for


def interval_of(spec: str) -> int | None:
    """Seconds of an interval schedule; None for a cron expression."""
    try:
        return parse_duration(spec)
    except ValueError:
        return None


def jitter_for(spec: str) -> float:
    """A tenth of an interval, at most 30 s (2s → 0.2 s, 6h → 30 s); cron jobs: up to 10 s."""
    seconds = interval_of(spec)
    if seconds is None:
        return 10.0
    return min(seconds / 10, 30.0)


def make_trigger(spec: str, timezone: str, *, jitter: bool = True) -> Any:
    """The APScheduler 3 trigger of a ``[schedule]`` value, in *timezone*."""
    zone = ZoneInfo(timezone)
    spread = jitter_for(spec) if jitter else None
    seconds = interval_of(spec)
    if seconds is not None:
        return IntervalTrigger(seconds=seconds, timezone=zone, jitter=spread)
    return cron_trigger(spec, timezone, jitter=spread)


def last_due(spec: str, timezone: str, now: datetime) -> datetime | None:
    """The latest instant at or before *now* at which a cron schedule fired; None for an
    interval (whose slots depend on when the daemon started) or when none is within a year.

    APScheduler 3 triggers only look forward, so the answer is found with the very trigger the
    daemon fires by (:func:`make_trigger`), never a second reading of the cron text: "the next
    fire at or after *t* is still by *now*" holds for every *t* up to the start of the last
    fire and for none after, so bisecting over the seconds of the past year finds it exactly.
    """
    if interval_of(spec) is not None:
        return None
    trigger = make_trigger(spec, timezone, jitter=False)
    earliest = now.astimezone(UTC) - _HORIZON  # whole seconds of real time, not wall time

    def next_fire(second: int) -> datetime | None:
        start = earliest + timedelta(seconds=second)
        fire: datetime | None = trigger.get_next_fire_time(None, start)
        return fire

    def after_now(second: int) -> bool:
        fire = next_fire(second)
        return fire is None or fire > now

    if after_now(0):
        return None  # no fire within the horizon (or ever: "0 0 30 2 *"), one probe only
    seconds = range(int(_HORIZON.total_seconds()) + 1)
    return next_fire(bisect_left(seconds, True, key=after_now) - 1)


def overdue(spec: str, timezone: str, last_run: datetime | None, now: datetime) -> bool:
    """Whether a job should run now, on start: it never ran, or it missed its last slot.

    An interval job is overdue when its last run started at least one interval ago; a cron job
    when its last run started before the latest time the cron fired. Either way it runs once.
    """
    if last_run is None:
        return True
    seconds = interval_of(spec)
    if seconds is not None:
        return now - last_run >= timedelta(seconds=seconds)
    due = last_due(spec, timezone, now)
    return due is not None and last_run < due


def report_exists(reports_dir: Path, period: Period) -> bool:
    """Whether any format of *period*'s report is on disk."""
    folder = reports_dir / FOLDERS[period.kind]
    return folder.is_dir() and any(
        path.is_file() for path in folder.glob(f"{period.key}.*")
        if path.suffix.lstrip(".") in {"html", "md", "json"}
    )


#: At most this many missed periods of one kind are rendered on start (a year of weeks).
MAX_CATCH_UP = 53


def missing_report(
    kind: PeriodKind,
    schedule: Schedule,
    job: str,
    reports_dir: Path,
    first_data: datetime | None,
    now: datetime,
) -> Period | None:
    """The newest period whose report is missing (see :func:`missed_reports`), or None."""
    missed = missed_reports(kind, schedule, job, reports_dir, first_data, now)
    return missed[-1] if missed else None


def missed_reports(
    kind: PeriodKind,
    schedule: Schedule,
    job: str,
    reports_dir: Path,
    first_data: datetime | None,
    now: datetime,
    down_since: datetime | None = None,
) -> list[Period]:
    """The periods whose reports the daemon missed while it was down, oldest first.

    The newest is the last complete period as of the report job's latest due time (for an
    interval schedule: as of *now*). Older ones count when their own report run fell after
    *down_since* (the daemon's last sign of life before this start), so a daemon down for a
    month renders each of the month's weeks once; with no such instant only the newest counts.
    A period is left out when its report exists or the store held no data by its end (a fresh
    install does not render empty history); at most :data:`MAX_CATCH_UP` periods.
    """
    spec = getattr(schedule, job)
    due = last_due(spec, schedule.timezone, now) if interval_of(spec) is None else now
    if due is None:
        return []
    missed: list[Period] = []
    period = period_ending(kind, default_end(due))
    for _ in range(MAX_CATCH_UP):
        if first_data is None or first_data >= period.end:
            break
        if not report_exists(reports_dir, period):
            missed.append(period)
        period = previous(period)
        if down_since is None or _run_for(spec, schedule.timezone, period) <= down_since:
            break
    return missed[::-1]


def _run_for(spec: str, timezone: str, period: Period) -> datetime:
    """When the report job renders *period*: its first fire after the period ends."""
    if interval_of(spec) is not None:
        return period.end
    fire = make_trigger(spec, timezone, jitter=False).get_next_fire_time(None, period.end)
    return period.end if fire is None else fire.astimezone(UTC)


def catch_up(
    schedule: Schedule,
    last_runs: dict[str, datetime | None],
    now: datetime,
) -> list[str]:
    """The non-report jobs (collect, backfill) to run once on start."""
    return [
        job for job in ("collect", "backfill")
        if overdue(getattr(schedule, job), schedule.timezone, last_runs.get(job), now)
    ]
