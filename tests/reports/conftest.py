"""A seeded store for report tests, on SQLite and PostgreSQL (fixture ``seeded``).

The data is small and written by formula, so every golden value can be worked out by hand
(``Seeded.expected`` holds them, derived from the formulas, not from the code under test).

Report period: ISO week 2025-W10, Monday 3 March to Sunday 9 March 2025:
``start`` = 2025-03-03 00:00Z, ``end`` = 2025-03-10 00:00Z; previous week starts 2025-02-24.

Collected observations are daily at 06:00Z, for every metric (other than stars only from
2025-02-01), ``value = base + slope * n`` with
``n`` = days since 2024-01-01. Boundary values therefore come from the previous day's 06:00Z
row: n = 426 at the start, 433 at the end, 419 at the previous start.

========  ===========================  ======  =============================================
project   repo                         groups  notes
========  ===========================  ======  =============================================
Paddle    github:PaddlePaddle/Paddle   china   stars 20000 + 10n; collected only from
                                               2025-01-01, plus a daily 08:00Z backfill star
                                               series worth 1000 more (shadowed wherever a
                                               collected row exists: a wrong pick shows)
Paddle    gitee:paddlepaddle/Paddle    china   stars 1000 + n, +8000 from 2025-03-05 (n 429)
Torch     github:pytorch/pytorch       us      stars 57000 + 100n: crosses 100,000 in W10
Mind      github:mindspore-ai/...      china,  stars 25000 + 20n; last row 2025-03-05 06:00Z:
                                       us      the end value is 4.75 days old (stale)
Newbie    github:new/comer             us      never collected; failing (not_found)
Broken    gitee:broken/repo            china   last row 2025-02-20 (n 416), failing (blocked)
                                               since 2025-02-21: missing at the start and end
========  ===========================  ======  =============================================
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from monitor.config.repos import Group, Project, Tracked
from monitor.ids import RepoId
from monitor.metrics import METRICS
from monitor.reports.model import Period
from monitor.reports.period import week
from monitor.store.db import Database
from monitor.store.series import (
    ObservationIn,
    ReleaseIn,
    record_repo_error,
    start_run,
    sync_projects,
    upsert_releases,
    write_observations,
)

D0 = date(2024, 1, 1)
OTHERS_FROM = date(2025, 2, 1)  # metrics other than stars are stored from this day on
PERIOD: Period = week(2025, 10)
N_START, N_END, N_PREVIOUS = 426, 433, 419

PADDLE_GH = RepoId.parse("github:PaddlePaddle/Paddle")
PADDLE_GE = RepoId.parse("gitee:paddlepaddle/Paddle")
TORCH = RepoId.parse("github:pytorch/pytorch")
MIND = RepoId.parse("github:mindspore-ai/mindspore")
NEWBIE = RepoId.parse("github:new/comer")
BROKEN = RepoId.parse("gitee:broken/repo")

TRACKED = Tracked(
    groups={"china": Group("china", "Chinese AI open source"),
            "us": Group("us", "US AI open source")},
    projects=(
        Project("Paddle", ("china",), (PADDLE_GH, PADDLE_GE)),
        Project("Torch", ("us",), (TORCH,)),
        Project("Mind", ("china", "us"), (MIND,)),
        Project("Newbie", ("us",), (NEWBIE,)),
        Project("Broken", ("china",), (BROKEN,)),
    ),
)

# Per repo: (first day, last day, {metric: (base, slope)}, stars jump (from n, amount)).
_OTHER = {"forks": (500, 2), "watchers": (300, 0), "open_issues": (100, 1),
          "open_prs": (20, 0), "contributors": (50, 0), "releases": (10, 0)}
SERIES: dict[RepoId, dict[str, Any]] = {
    PADDLE_GH: {"first": date(2025, 1, 1), "last": date(2025, 3, 12),
                "stars": (20_000, 10), "backfill_from": D0},
    PADDLE_GE: {"first": D0, "last": date(2025, 3, 12), "stars": (1_000, 1),
                "jump": (429, 8_000)},
    TORCH: {"first": D0, "last": date(2025, 3, 12), "stars": (57_000, 100)},
    MIND: {"first": D0, "last": date(2025, 3, 5), "stars": (25_000, 20)},
    BROKEN: {"first": D0, "last": date(2025, 2, 20), "stars": (4_000, 3)},
}


def n_of(day: date) -> int:
    return (day - D0).days


def value(repo: RepoId, metric: str, n: int) -> int:
    """The collected value of *metric* on day n (the formula the store is seeded with)."""
    spec = SERIES[repo]
    base, slope = spec["stars"] if metric == "stars" else _OTHER[metric]
    jump = spec.get("jump")
    extra = jump[1] if metric == "stars" and jump and n >= jump[0] else 0
    return base + slope * n + extra


def at(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class Seeded:
    database: Database
    tracked: Tracked
    period: Period
    ids: dict[str, int]  # configured key -> repo id
    expected: dict[str, Any] = field(default_factory=dict)


def _expected() -> dict[str, Any]:
    """The golden values, by hand from the formulas above."""

    def both(repo: RepoId, metric: str, n0: int, n1: int) -> tuple[int, int]:
        return value(repo, metric, n0), value(repo, metric, n1)

    repos: dict[str, dict[str, tuple[int | None, int | None]]] = {}
    for repo in (PADDLE_GH, PADDLE_GE, TORCH):
        repos[str(repo)] = {m: both(repo, m, N_START, N_END) for m in METRICS}
    # Mind: the end comes from its last row, 2025-03-05 (n = 429).
    repos[str(MIND)] = {m: (value(MIND, m, N_START), value(MIND, m, 429)) for m in METRICS}
    repos[str(NEWBIE)] = {m: (None, None) for m in METRICS}
    repos[str(BROKEN)] = {m: (None, None) for m in METRICS}
    return {
        "repos": repos,
        # Literal numbers, checked against the formulas in test_data.py.
        "stars": {  # project: (start, end)
            "Paddle": (24_260 + 1_426, 24_330 + 9_433),  # 25,686 -> 33,763
            "Torch": (99_600, 100_300),
            "Mind": (33_520, 33_580),
            "Newbie": (None, None),
            "Broken": (None, None),
        },
        "split": {"Paddle": {"github": (24_260, 24_330), "gitee": (1_426, 9_433)}},
        "rank_stars": {"Torch": 1, "Paddle": 2, "Mind": 3, "Newbie": None, "Broken": None},
        "rank_growth": {"Paddle": 1, "Torch": 2, "Mind": None, "Newbie": None, "Broken": None},
        # Previous week (2025-02-24 -> 2025-03-03).
        "rank_stars_previous": {"Torch": 1, "Mind": 2, "Paddle": 3, "Newbie": None,
                                "Broken": None},
        "rank_growth_previous": {"Torch": 1, "Mind": 2, "Paddle": 3, "Newbie": None,
                                 "Broken": None},
        "order": ["Torch", "Paddle", "Mind", "Broken", "Newbie"],
        "groups": {  # key: (start, end, partial, share_start, share_end)
            "china": (25_686 + 33_520, 33_763 + 33_580, True,
                      (25_686 + 33_520) / (25_686 + 99_600 + 33_520),
                      (33_763 + 33_580) / (33_763 + 100_300 + 33_580)),
            "us": (99_600 + 33_520, 100_300 + 33_580, True,
                   (99_600 + 33_520) / (25_686 + 99_600 + 33_520),
                   (100_300 + 33_580) / (33_763 + 100_300 + 33_580)),
        },
        "total": (25_686 + 99_600 + 33_520, 33_763 + 100_300 + 33_580),
        "releases": {  # project: tags, newest first
            "Paddle": ["v3.0-gitee", "v3.0"],
            "Torch": ["v2.6"],
            "Mind": [],
            "Newbie": [],
            "Broken": [],
        },
        "issues": {  # repo: (kind, since, last collected)
            str(BROKEN): ("blocked", at(date(2025, 2, 21), 6), at(date(2025, 2, 20), 6)),
            str(NEWBIE): ("not_found", at(date(2025, 3, 7), 6), None),
        },
        "stale": {str(MIND): ("end",)},
    }


def seed(database: Database) -> dict[str, int]:
    """Write the table in the module docstring into *database*; returns repo ids by key."""
    with database.session(write=True) as session:
        rows = sync_projects(session, [(p.name, p.repos) for p in TRACKED.projects],
                             at(date(2025, 1, 1)))
        ids = {key: row.id for key, row in rows.items() if row.id is not None}
        observations: list[ObservationIn] = []
        for repo, spec in SERIES.items():
            rid = ids[repo.key]
            day = spec["first"]
            while day <= spec["last"]:
                n = n_of(day)
                for metric in METRICS:
                    if metric != "stars" and day < OTHERS_FROM:
                        continue  # only stars need a year of history (the charts)
                    observations.append(
                        ObservationIn(rid, metric, at(day, 6), value(repo, metric, n))
                    )
                day += timedelta(days=1)
            if "backfill_from" in spec:
                day = spec["backfill_from"]
                while day <= spec["last"]:
                    observations.append(ObservationIn(
                        rid, "stars", at(day, 8), value(repo, "stars", n_of(day)) + 1_000,
                        "backfill",
                    ))
                    day += timedelta(days=1)
        write_observations(session, observations)

        gh, ge, torch = ids[PADDLE_GH.key], ids[PADDLE_GE.key], ids[TORCH.key]
        upsert_releases(session, gh, [
            ReleaseIn("v3.0", "Paddle 3.0", at(date(2025, 3, 5), 12), False,
                      "https://github.com/PaddlePaddle/Paddle/releases/tag/v3.0"),
            ReleaseIn("v2.9", "Paddle 2.9", at(date(2025, 3, 2), 23), False,
                      "https://github.com/PaddlePaddle/Paddle/releases/tag/v2.9"),
            ReleaseIn("nightly", None, None, True, None),
        ])
        upsert_releases(session, ge, [
            ReleaseIn("v3.0-gitee", "<script>alert(1)</script>", at(date(2025, 3, 6), 1),
                      True, "https://gitee.com/paddlepaddle/Paddle/releases/v3.0"),
        ])
        upsert_releases(session, torch, [
            ReleaseIn("v2.6", "PyTorch 2.6", datetime(2025, 3, 9, 23, 59, 59, tzinfo=UTC),
                      False, "javascript:alert(1)"),
            ReleaseIn("v2.7", "PyTorch 2.7", PERIOD.end, False,
                      "https://github.com/pytorch/pytorch/releases/tag/v2.7"),
        ])

        run = start_run(session, "collect", at(date(2025, 2, 21), 6))
        day = date(2025, 2, 21)
        while day <= date(2025, 3, 9):
            record_repo_error(session, run, ids[BROKEN.key], "blocked", "HTTP 451", at(day, 6))
            day += timedelta(days=1)
        for day in (date(2025, 3, 7), date(2025, 3, 8)):
            record_repo_error(session, run, ids[NEWBIE.key], "not_found", "HTTP 404",
                              at(day, 6))
        # Torch failed once, then was collected again: not failing.
        record_repo_error(session, run, torch, "unavailable", "HTTP 502",
                          at(date(2025, 3, 4), 6))
        # Paddle fails after the period: not in this report.
        record_repo_error(session, run, gh, "unavailable", "HTTP 502", at(date(2025, 3, 11), 7))
    return ids


@pytest.fixture
def seeded(database: Database) -> Iterator[Seeded]:
    """(database, tracked, period, ids, expected): the store above, on each backend."""
    ids = seed(database)
    yield Seeded(database, TRACKED, PERIOD, ids, _expected())
