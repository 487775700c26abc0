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
- :func:`missing_report`: the report period the last scheduled report run should have written,
  if its files are missing and the store held data by the end of that period.
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
from monitor.reports.period import FOLDERS, PeriodKind, default_end, period_ending

__all__ = [
    "JOBS",
    "REPORT_KINDS",
    "catch_up",
    "interval_of",
    "jitter_for",
    "last_due",
    "make_trigger",
    "missing_report",
    "overdue",
    "report_exists",
]

#: The daemon's jobs, each named like its ``[schedule]`` key and its ``collection_run.kind``.
JOBS: tuple[str, ...] = ("collect", "backfill", "weekly_report", "monthly_report")
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


def missing_report(
    kind: PeriodKind,
    schedule: Schedule,
    job: str,
    reports_dir: Path,
    first_data: datetime | None,
    now: datetime,
) -> Period | None:
    """The period whose report the daemon missed while it was down, or None.

    That is the last complete period as of the report job's latest due time (for an interval
    schedule: as of *now*); None when its report exists, or when the store held no data by the
    end of that period (nothing to report: a fresh install does not render empty history).
    """
    spec = getattr(schedule, job)
    due = last_due(spec, schedule.timezone, now) if interval_of(spec) is None else now
    if due is None:
        return None
    period = period_ending(kind, default_end(due))
    if first_data is None or first_data >= period.end:
        return None
    if report_exists(reports_dir, period):
        return None
    return period


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
