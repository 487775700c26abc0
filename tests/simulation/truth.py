"""What the store, the export and the reports must hold, computed from the fakes' truth alone.

Everything here is plain Python over what the simulation did to the fakes (each star's time,
each release's publication, each collection's values), written apart from the product's code so
that the two can disagree: the expected daily series (SPEC "Export format": the count at the end
of each platform day, from the first star's day to the last complete day), the precedence of
collected over backfilled rows, and a report boundary's value.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from tests.fakes import FakeRepo

__all__ = ["Row", "SimRepo", "boundary_value", "daily_truth", "effective", "zone_of"]

ZONES = {"github": ZoneInfo("America/Los_Angeles"), "gitee": ZoneInfo("Asia/Shanghai")}


def zone_of(platform: str) -> ZoneInfo:
    """The calendar a platform's history days are in (SPEC: US Pacific, Asia/Shanghai)."""
    return ZONES[platform]


class Row(NamedTuple):
    """One observation as the SPEC's long format has it (repo by its store id). A tuple: the
    simulation sorts and compares thousands of them a step, which tuples do in C."""

    repo_id: int
    metric: str
    observed_at: datetime
    source: str
    value: int


@dataclass
class SimRepo:
    """One simulated repo: its configured key, its fake, and what was collected of it."""

    key: str
    fake: FakeRepo
    collected: list[tuple[datetime, dict[str, int]]] = field(default_factory=list)
    events: list[tuple[datetime, str]] = field(default_factory=list)  # for failure messages
    _collected_rows: list[Row] = field(default_factory=list)  # rows of ``collected``[:_seen]
    _seen: int = 0

    @property
    def platform(self) -> str:
        return self.key.split(":")[0]

    @property
    def current_name(self) -> str:
        return f"{self.platform}:{self.fake.full_name}"

    def stars(self) -> list[datetime]:
        return sorted(self.fake.star_times or [])

    def releases(self) -> list[datetime]:
        return sorted(r.published_at for r in self.fake.published_releases()
                      if r.published_at is not None)

    def truth(self) -> dict[str, int]:
        """What a collection now must store of the metrics the simulation moves."""
        return {"stars": len(self.fake.star_times or []),
                "releases": len(self.fake.published_releases()),
                "forks": self.fake.forks}

    def expected_backfill(self, now: datetime) -> dict[str, list[tuple[datetime, int]]]:
        """The backfill series a complete backfill at *now* must have stored."""
        zone = zone_of(self.platform)
        stars = self.stars()
        out = {"stars": [], "releases": []}  # type: dict[str, list[tuple[datetime, int]]]
        if stars:
            out["stars"] = daily_truth(stars, zone, stars[0].astimezone(zone).date(), now)
        releases = self.releases()
        if releases:
            out["releases"] = daily_truth(
                releases, zone, self.fake.created_at.astimezone(zone).date(), now)
        return out

    def expected_rows(self, repo_id: int, now: datetime) -> list[Row]:
        """Every row of the simulated metrics the store must hold for this repo at *now*."""
        rows = [Row(repo_id, metric, at, "backfill", value)
                for metric, series in self.expected_backfill(now).items()
                for at, value in series]
        self._collected_rows += [  # only the collections since the last call are new
            Row(repo_id, metric, at, "collected", values[metric])
            for at, values in self.collected[self._seen:] for metric in ("stars", "releases")]
        self._seen = len(self.collected)
        return sorted(rows + self._collected_rows)


def daily_truth(
    moments: Sequence[datetime], zone: ZoneInfo, first: date, now: datetime,
) -> list[tuple[datetime, int]]:
    """How many of the sorted *moments* lie before the end of each day of *zone*, from *first*
    to the last day that is over at *now*; each point at that day's end, in UTC."""
    last = now.astimezone(zone).date() - timedelta(days=1)
    points, day = [], first
    while day <= last:
        end = _day_end(day, zone)
        points.append((end, bisect_left(moments, end)))
        day += timedelta(days=1)
    return points


@cache
def _day_end(day: date, zone: ZoneInfo) -> datetime:
    """The instant *day* of *zone* ends, in UTC (the same few hundred days every step)."""
    return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)


def effective(rows: Iterable[Row]) -> list[Row]:
    """The rows reads show (SPEC): a backfill row at E stands for the platform day ending at E,
    which starts at the previous backfill row (24 hours earlier for the first); a collected row
    of the same repo and metric in that day hides it."""
    by_series: dict[tuple[int, str], list[Row]] = {}
    for row in rows:
        by_series.setdefault((row.repo_id, row.metric), []).append(row)
    shown: list[Row] = []
    for series in by_series.values():
        collected = sorted(r.observed_at for r in series if r.source == "collected")
        start: datetime | None = None
        for row in sorted(series, key=lambda r: r.observed_at):
            if row.source == "collected":
                shown.append(row)
                continue
            begin = start or row.observed_at - timedelta(hours=24)
            i = bisect_left(collected, begin)
            while i < len(collected) and collected[i] <= begin:
                i += 1
            if not (i < len(collected) and collected[i] <= row.observed_at):
                shown.append(row)
            start = row.observed_at
    return sorted(shown)


def boundary_value(shown: Sequence[Row], at: datetime, missing_after: timedelta) -> int | None:
    """A report's value at a boundary: the newest shown row at or before *at* (a collected one
    first where both share the instant), none when older than *missing_after*."""
    best: Row | None = None
    for row in shown:
        if row.observed_at <= at and (
            best is None or (row.observed_at, row.source == "collected")
            > (best.observed_at, best.source == "collected")
        ):
            best = row
    if best is None or at - best.observed_at > missing_after:
        return None
    return best.value
