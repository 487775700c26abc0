"""Ranks of projects and their moves since the previous period (pure arithmetic, no I/O).

* Competition ranking (1, 2, 2, 4), largest first: tied projects share a rank and the next
  rank skips as many places as were tied, so a rank always says "this many projects are ahead,
  plus one".
* A project without the value is unranked (``None``): a missing value is never taken as 0.
* Growth is ranked by the star delta, unless a boundary value is stale: an old value could make
  a project look faster or slower than it is, so it is unranked instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from monitor.reports.model import Change

__all__ = ["Ranks", "competition_ranks", "growth", "rank_move", "ranking_key", "ranks_of"]


def competition_ranks(values: Mapping[str, int | None]) -> dict[str, int | None]:
    """Competition ranking, largest first; ``None`` values are unranked."""
    ordered = sorted((v for v in values.values() if v is not None), reverse=True)
    first: dict[int, int] = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {name: None if v is None else first[v] for name, v in values.items()}


def growth(change: Change) -> int | None:
    """The star delta that growth is ranked by; ``None`` when missing or stale."""
    if change.start_stale or change.end_stale:
        return None
    return change.delta


@dataclass(frozen=True, slots=True)
class Ranks:
    """A project's ranks in the period and in the previous one (``None``: unranked)."""

    stars: int | None
    growth: int | None
    stars_previous: int | None
    growth_previous: int | None


def ranks_of(stars: Mapping[str, Change], stars_before: Mapping[str, Change]) -> dict[str, Ranks]:
    """Every project's ranks, from its stars in the period and in the previous period (the
    same projects in both).

    A project's stars "before" end at the period's start, so their ``end`` is what the previous
    period ranked by stars, and their delta what it ranked by growth.
    """
    by_stars = competition_ranks({name: c.end for name, c in stars.items()})
    by_growth = competition_ranks({name: growth(c) for name, c in stars.items()})
    by_stars_before = competition_ranks({name: c.end for name, c in stars_before.items()})
    by_growth_before = competition_ranks({name: growth(c) for name, c in stars_before.items()})
    return {
        name: Ranks(by_stars[name], by_growth[name], by_stars_before[name],
                    by_growth_before[name])
        for name in stars
    }


def ranking_key(rank: int | None, name: str) -> tuple[bool, int, str, str]:
    """The report's order: by rank, unranked last, ties by name (case-insensitive first)."""
    return (rank is None, rank or 0, name.casefold(), name)


def rank_move(now: int | None, before: int | None) -> str:
    """▲2 (moved up two places), ▼1, = (unchanged), new (no rank before); "" when unranked."""
    if now is None:
        return ""
    if before is None:
        return "new"
    if now < before:
        return f"\u25b2{before - now}"
    if now > before:
        return f"\u25bc{now - before}"
    return "="
