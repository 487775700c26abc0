"""Standard crontab → an APScheduler 3 trigger: the one reading of a cron expression.

The SPEC's cron is standard five-field crontab, which APScheduler 3 reads differently in two
places that :meth:`CronTrigger.from_crontab` keeps for backward compatibility:

- **Day-of-week numbers.** Crontab counts ``0`` (and ``7``) as Sunday and ``1`` as Monday;
  APScheduler 3 counts ``0`` as Monday and refuses ``7``, so ``0 8 * * 1`` would fire on
  Tuesday. Its weekday *names* mean what they say, so the day-of-week field is read here (numbers
  ``0``-``7``, names ``sun``…``sat`` in any case, ``*``, ranges, lists, steps counted from
  Sunday) and handed over as a list of names.
- **Day of month with day of week.** When both fields are restricted (neither starts with ``*``)
  crontab fires on a day matching *either* (``0 8 13 * fri``: the 13th and every Friday);
  APScheduler ANDs its fields. Such an expression becomes an ``OrTrigger`` of two cron triggers,
  one per day field, exactly as Vixie cron and cronie do. A field starting with ``*`` (``*/2``
  too) keeps the AND, again as crontab does.

- **Daylight saving.** When clocks go back, APScheduler fires a 02:30 job at both 02:30s, and its
  jitter, added to the wall time, moves a fire in the repeated hour an hour back. Crontab runs a
  fixed-time job (neither minute nor hour starts with ``*``) once, at the first pass, and a
  wildcard job by the clock it reads; :class:`_Crontab` does the same and adds jitter in real
  seconds. In the hour that clocks skip, a job runs once, an hour later by the clock (APScheduler
  and crontab agree there), so a report fires once per period either way.

The minute, hour, day-of-month and month fields mean the same in both and are left to
APScheduler, which also checks them. Settings validate a schedule with :func:`cron_trigger` and
the daemon fires by it, so what is accepted and what fires cannot disagree.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

__all__ = ["cron_trigger"]

#: Crontab's weekday names in crontab's numbering: 0 = Sunday … 6 = Saturday (7 is Sunday too).
_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_SUNDAY_AGAIN = 7
#: One item of a comma list: ``*`` or ``A`` or ``A-B``, optionally ``/STEP``.
_ITEM = re.compile(r"^(?:(?P<star>\*)|(?P<first>[a-z0-9]+)(?:-(?P<last>[a-z0-9]+))?)"
                   r"(?:/(?P<step>\d+))?$")


class _Crontab(CronTrigger):  # type: ignore[misc]  # APScheduler 3 ships no type hints
    """APScheduler's ``CronTrigger`` with crontab's rule for the hour that happens twice."""

    __slots__ = ()

    def _apply_jitter(self, next_fire_time: Any, jitter: Any, now: Any) -> Any:
        return next_fire_time  # added once, in real seconds, by get_next_fire_time

    def _second_pass(self, fire: datetime) -> bool:
        """Whether *fire* is the repeated wall time of a fixed-time job, already fired once."""
        fixed = all(not str(field).startswith("*") for field in self.fields
                    if field.name in ("minute", "hour"))
        return fixed and fire.fold == 1 and fire.replace(fold=0).utcoffset() != fire.utcoffset()

    def get_next_fire_time(self, previous_fire_time: datetime | None,
                           now: datetime) -> datetime | None:
        fire: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        while fire is not None and self._second_pass(fire):
            fire = super().get_next_fire_time(fire, fire)
        if fire is None or not self.jitter:
            return fire
        spread = timedelta(seconds=random.uniform(0, self.jitter))
        return (fire.astimezone(UTC) + spread).astimezone(self.timezone)


def _weekday(text: str) -> int:
    """``0``-``7`` or ``sun``…``sat`` → 0-7, keeping 7 so that ``5-7`` is a range."""
    if text in _NAMES:
        return _NAMES.index(text)
    if text.isdigit() and int(text) <= _SUNDAY_AGAIN:
        return int(text)
    raise ValueError(f"day of week {text!r} is not 0-7 or sun-sat")


def _weekdays(field: str) -> list[int]:
    """The days (0 = Sunday … 6 = Saturday) a crontab day-of-week field names, in order.

    ``*`` spans 0-7 and ``A/STEP`` spans A-7, as in crontab, so ``*/2`` is Sunday, Tuesday,
    Thursday and Saturday, and ``1/2`` is Monday, Wednesday, Friday and Sunday.
    """
    days: set[int] = set()
    for item in field.lower().split(","):
        match = _ITEM.match(item)
        if match is None:
            raise ValueError(f"day of week {item!r}: expected *, a day, a range A-B, "
                             "a list A,B or a step */N or A-B/N")
        if match["star"]:
            first, last = 0, _SUNDAY_AGAIN
        else:
            first = _weekday(match["first"])
            default_last = _SUNDAY_AGAIN if match["step"] else first
            last = _weekday(match["last"]) if match["last"] else default_last
        step = int(match["step"] or 1)
        if step == 0:
            raise ValueError(f"day of week {item!r}: a step must be at least 1")
        if first > last:
            raise ValueError(f"day of week {item!r}: a range must not run backwards "
                             "(write it as a list, e.g. fri-sat,sun)")
        days.update(day % 7 for day in range(first, last + 1, step))
    return sorted(days)


def cron_trigger(spec: str, timezone: str = "UTC", *, jitter: float | None = None) -> Any:
    """The APScheduler 3 trigger firing as standard crontab reads *spec*, in *timezone*.

    A ``CronTrigger`` (an ``OrTrigger`` of two when both day fields are restricted); a bad
    expression raises ``ValueError`` saying which field is wrong.
    """
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    for label, name, value in (("minute", "minute", minute), ("hour", "hour", hour),
                               ("day of month", "day", day), ("month", "month", month)):
        try:
            CronTrigger(**{name: value}, timezone=UTC)  # APScheduler's message names no field
        except ValueError as exc:
            raise ValueError(f"{label} {value!r}: {exc}") from None
    names = ",".join(_NAMES[number] for number in _weekdays(weekday))
    zone = ZoneInfo(timezone)

    def cron(day_of_month: str, day_of_week: str, spread: float | None) -> Any:
        return _Crontab(minute=minute, hour=hour, day=day_of_month, month=month,
                        day_of_week=day_of_week, timezone=zone, jitter=spread)

    if day.startswith("*") or weekday.startswith("*"):
        return cron(day, "*" if weekday == "*" else names, jitter)
    # The jitter stays on each half, which adds it in real seconds (OrTrigger adds wall time).
    return OrTrigger([cron(day, "*", jitter), cron("*", names, jitter)])
