"""A report's boundary values: stored points judged against the period's tolerances (no I/O).

The value at a boundary is the last observation at or before it. How old that observation may
be decides what the report says:

* older than :data:`STALE_AFTER` (per kind of period): kept, but flagged stale;
* older than the period's own length (:func:`missing_after`), or absent: missing (``None``),
  never 0 — a repo not seen for a month says nothing about this week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from monitor.reports.model import Change, Period

if TYPE_CHECKING:
    from monitor.store.series import Point

__all__ = [
    "HISTORY_TOLERANCE",
    "NO_VALUE",
    "STALE_AFTER",
    "Judge",
    "Value",
    "change",
    "missing_after",
]

#: A boundary value from an observation older than this is flagged stale.
STALE_AFTER: dict[str, timedelta] = {"week": timedelta(days=2), "month": timedelta(days=7)}

#: The weekly points of the charts: a value more than a week old stands for no instant.
HISTORY_TOLERANCE = timedelta(days=7)


def missing_after(period: Period) -> timedelta:
    """An observation older than the period's own length says nothing about its boundary."""
    return period.end - period.start


@dataclass(frozen=True, slots=True)
class Value:
    """One boundary value as the report uses it (``value`` None: missing)."""

    value: int | None
    stale: bool
    at: datetime | None


NO_VALUE = Value(None, False, None)


class Judge:
    """Turns stored points into boundary values under the period's tolerances."""

    def __init__(self, stale_after: timedelta, missing_after: timedelta) -> None:
        self.stale_after = stale_after
        self.missing_after = missing_after

    @classmethod
    def of(cls, period: Period) -> Judge:
        """The tolerances of *period*'s kind and length."""
        return cls(STALE_AFTER[period.kind], missing_after(period))

    def value(self, point: Point | None, boundary: datetime) -> Value:
        """*point* (the last observation at or before *boundary*) as the value there.

        Too old to stand for the boundary, it is missing but remembered as stale, with its
        time: the report can say "last seen then" instead of showing nothing at all.
        """
        if point is None:
            return NO_VALUE
        age = boundary - point.observed_at
        if age > self.missing_after:
            return Value(None, True, point.observed_at)
        return Value(point.value, age > self.stale_after, point.observed_at)


def change(start: Value, end: Value) -> Change:
    """The change between two judged boundary values."""
    return Change(start.value, end.value, start.stale, end.stale, start.at, end.at)
