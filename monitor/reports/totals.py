"""Sums and shares of stars: projects, platform splits, groups, the total (no I/O).

* A sum over parts that lack a value at one boundary covers only the parts that have both
  values and is marked ``partial``, so its delta never compares different sets of repos; a side
  no part has stays missing (``None``), never 0.
* A group's share is its stars over the stars of all tracked projects at the same boundary,
  both sums taken over the projects that have a value there.
* The weekly series (charts) add the values present at each instant; an instant where no part
  has a value has no point.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from monitor.config.repos import Tracked
from monitor.reports.model import Change, GroupTotal, SeriesPoint

__all__ = [
    "group_totals",
    "oldest",
    "series_total",
    "share",
    "share_history",
    "sum_changes",
]


def oldest(times: Iterable[datetime | None]) -> datetime | None:
    """The oldest of the known *times*: when a sum's least fresh part was observed."""
    present = [t for t in times if t is not None]
    return min(present) if present else None


def sum_changes(parts: Sequence[Change]) -> Change:
    """The sum of *parts* (see the module docstring for parts without a value)."""
    if not parts:
        return Change(None, None)
    both = [c for c in parts if c.start is not None and c.end is not None]
    partial = any(c.partial for c in parts)
    if both:
        chosen_start = chosen_end = both
        partial = partial or len(both) < len(parts)
        start: int | None = sum(c.start for c in both if c.start is not None)
        end: int | None = sum(c.end for c in both if c.end is not None)
    else:
        # No part has both values: a side is summed only if every part has it.
        chosen_start = chosen_end = list(parts)
        start = None
        end = None
        if all(c.start is not None for c in parts):
            start = sum(c.start for c in parts if c.start is not None)
        if all(c.end is not None for c in parts):
            end = sum(c.end for c in parts if c.end is not None)
        partial = partial or (
            len(parts) > 1 and (start is None or end is None)
            and any(c.start is not None or c.end is not None for c in parts)
        )
    return Change(
        start,
        end,
        start_stale=start is not None and any(c.start_stale for c in chosen_start),
        end_stale=end is not None and any(c.end_stale for c in chosen_end),
        start_at=oldest(c.start_at for c in chosen_start) if start is not None else None,
        end_at=oldest(c.end_at for c in chosen_end) if end is not None else None,
        partial=partial,
    )


def share(part: Sequence[int | None], whole: Sequence[int | None]) -> float | None:
    """The values present in *part* over those present in *whole* (0..1 when part ⊆ whole).

    ``None`` when no part has a value or the whole is not positive: no share is not 0 %.
    """
    numerator = sum(v for v in part if v is not None)
    denominator = sum(v for v in whole if v is not None)
    if denominator <= 0 or all(v is None for v in part):
        return None
    return numerator / denominator


def series_total(
    instants: Sequence[datetime], parts: Sequence[Mapping[datetime, int]]
) -> dict[datetime, int]:
    """At each instant, the sum of the *parts* that have a value there (none: no point)."""
    totals: dict[datetime, int] = {}
    for at in instants:
        present = [p[at] for p in parts if at in p]
        if present:
            totals[at] = sum(present)
    return totals


def share_history(
    instants: Sequence[datetime],
    members: Sequence[Mapping[datetime, int]],
    everyone: Sequence[Mapping[datetime, int]],
) -> tuple[SeriesPoint, ...]:
    """The members' per-mille share of everyone's series at each instant where both exist."""
    points = []
    for at in instants:
        part = [s[at] for s in members if at in s]
        whole = sum(s[at] for s in everyone if at in s)
        if part and whole > 0:
            points.append(SeriesPoint(at.date(), round(1000 * sum(part) / whole)))
    return tuple(points)


def group_totals(
    tracked: Tracked,
    stars: Mapping[str, Change],
    series: Mapping[str, Mapping[datetime, int]],
    instants: Sequence[datetime],
) -> tuple[GroupTotal, ...]:
    """Each group's stars, and its share of all tracked stars (each project counted once).

    *stars* and *series* hold every tracked project's stars, by project name.
    """
    groups: list[GroupTotal] = []
    for key, group in tracked.groups.items():
        members = [p.name for p in tracked.projects if key in p.groups]
        groups.append(
            GroupTotal(
                key=key,
                title=group.title,
                stars=sum_changes([stars[name] for name in members]),
                share_start=share([stars[n].start for n in members],
                                  [c.start for c in stars.values()]),
                share_end=share([stars[n].end for n in members],
                                [c.end for c in stars.values()]),
                share_history=share_history(
                    instants, [series[n] for n in members], list(series.values())
                ),
                projects=len(members),
            )
        )
    return tuple(groups)
