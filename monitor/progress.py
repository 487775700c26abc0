"""Backfill at scale, as arithmetic: how far the first backfill of the tracked repos has got, the
requests it still needs, and the time they take at the current budget.

Pure: the store's facts come in (:class:`RepoHistory`, one per tracked repo, read by
:mod:`monitor.store.progress`), numbers go out; ``status`` shows them.

How the requests left are estimated, per repo, from what the store knows (never a request):

* Complete or refused: none (keeping a complete history current is a page a run, not counted).
* Its star history in pages: the page count the platform told (``backfill_state.pages``), else
  an estimate from the repo itself: GitHub serves 30 weeks a page from the repo's creation
  (``repo.created_at``), Gitee 100 stargazers a page (the newest collected star count in
  ``latest_value``). The pages already read (``next_page - 1``) are taken off; at least one is
  left until the platform says the last one was read.
* Its releases once, 100 a page (the collected release count), unless already read.
* On GitHub, its share of the star-count check that ends a first backfill (one query per
  ``count_batch`` repos; without a token, one request each).

A repo nothing is known of (never collected: no creation time, no star count) makes the total
unknown rather than a guess. The time left: each platform's requests divided by what one backfill
run may spend there (``backfill.budget_share`` of its budget limit as last seen, or
``backfill.max_requests`` where the platform tells none), rounded up to whole runs, one run per
``schedule.backfill``; the platforms run side by side, so the slowest decides. It counts the
scheduled runs only: a repo never backfilled also starts after each collection, so the first
pages may come sooner, while a budget the collection has spent leaves a run less.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

__all__ = [
    "GITEE_STARS_PER_PAGE",
    "GITHUB_WEEKS_PER_PAGE",
    "RELEASES_PER_PAGE",
    "BackfillProgress",
    "RepoHistory",
    "history_pages",
    "per_run",
    "progress",
    "requests_left",
    "time_left",
]

#: Weeks a GitHub star-history page holds (``/stargazers/history``).
GITHUB_WEEKS_PER_PAGE = 30
#: Stargazers a Gitee page holds.
GITEE_STARS_PER_PAGE = 100
#: Releases a page of either platform's release list holds.
RELEASES_PER_PAGE = 100

Stage = Literal["complete", "in_progress", "not_started", "refused"]


@dataclass(frozen=True)
class RepoHistory:
    """What the store knows of one tracked repo's first backfill."""

    platform: str
    started: bool = False  # a stars backfill_state row exists
    complete: bool = False
    refused: bool = False
    next_page: int = 1
    pages: int | None = None  # the page count the platform last told
    stars: int | None = None  # the newest collected star count
    created_at: datetime | None = None
    releases: int | None = None  # the newest collected release count
    releases_read: bool = False  # every release was read once

    @property
    def stage(self) -> Stage:
        if self.refused:
            return "refused"
        if self.complete:
            return "complete"
        return "in_progress" if self.started else "not_started"


def history_pages(repo: RepoHistory, now: datetime) -> int | None:
    """How many pages *repo*'s whole star history holds: as the platform told, else estimated
    from its age (GitHub) or its stars (Gitee); ``None`` when the store knows neither."""
    if repo.pages is not None:
        return max(repo.pages, 1)
    if repo.platform == "github" and repo.created_at is not None:
        weeks = max((now - repo.created_at).days, 0) // 7 + 1
        return math.ceil(weeks / GITHUB_WEEKS_PER_PAGE)
    if repo.platform == "gitee" and repo.stars is not None:
        return max(math.ceil(repo.stars / GITEE_STARS_PER_PAGE), 1)
    return None


def requests_left(repo: RepoHistory, now: datetime) -> int | None:
    """The history and release pages *repo*'s first backfill still reads (see the module; the
    star-count check is counted per batch by :func:`progress`); ``None``: unknown."""
    if repo.stage in ("complete", "refused"):
        return 0
    pages = history_pages(repo, now)
    if pages is None:
        return None
    star_pages = max(pages - (max(repo.next_page, 1) - 1), 1)
    releases = 0 if repo.releases_read else max(
        math.ceil((repo.releases or 0) / RELEASES_PER_PAGE), 1)
    return star_pages + releases


def per_run(limit: int | None, share: float, max_requests: int) -> int:
    """Requests one backfill run may spend on a platform: *share* of its budget *limit*, or
    *max_requests* where the platform tells no budget (as :mod:`monitor.commands.backfill`)."""
    return math.floor(limit * share) if limit is not None else max_requests


def time_left(
    left: Mapping[str, int | None], allowed: Mapping[str, int], every: timedelta | None,
) -> timedelta | None:
    """How long *left* requests per platform take at *allowed* requests a run, a run *every*
    so often; zero when nothing is left, ``None`` when unknown (a platform's requests or its
    allowance unknown, no interval, an allowance of nothing)."""
    runs = 0
    for platform, requests in left.items():
        if requests == 0:
            continue
        budget = allowed.get(platform, 0)
        if requests is None or budget <= 0 or every is None:
            return None
        runs = max(runs, math.ceil(requests / budget))
    return every * runs if every is not None else timedelta(0)


@dataclass(frozen=True)
class BackfillProgress:
    """The tracked repos' first backfill: how many are where, what is left, how long it takes."""

    complete: int
    in_progress: int
    not_started: int
    refused: int
    #: Requests left by platform (``None``: unknown), and what a run may spend there.
    requests: Mapping[str, int | None]
    allowed: Mapping[str, int]
    every: timedelta | None  # one scheduled backfill run this often
    time_left: timedelta | None
    owners_not_listed: int = 0  # their repos are unknown, so are the requests on their platform

    @property
    def requests_left(self) -> int | None:
        values = list(self.requests.values())
        return None if None in values else sum(v or 0 for v in values)

    @property
    def done(self) -> bool:
        return self.in_progress == 0 and self.not_started == 0 and self.owners_not_listed == 0

    def as_json(self) -> dict[str, Any]:
        """``status --json``'s ``backfill`` object (its keys are documented in the README)."""
        return {
            "complete": self.complete,
            "in_progress": self.in_progress,
            "not_started": self.not_started,
            "refused": self.refused,
            "owners_not_listed": self.owners_not_listed,
            "requests_left": self.requests_left,
            "time_left_seconds": _seconds(self.time_left),
            "run_every_seconds": _seconds(self.every),
            "platforms": {
                platform: {"requests_left": left, "per_run": self.allowed.get(platform)}
                for platform, left in self.requests.items()
            },
        }


def _seconds(delta: timedelta | None) -> int | None:
    return None if delta is None else round(delta.total_seconds())


def progress(
    repos: Iterable[RepoHistory],
    now: datetime,
    allowed: Mapping[str, int],
    every: timedelta | None,
    count_batch: Mapping[str, int] | None = None,
    unlisted: Sequence[str] = (),
) -> BackfillProgress:
    """Count *repos* by stage and estimate what their first backfill still needs.
    *count_batch*: repos one star-count request answers, by platform (absent or 0: never
    asked, as on Gitee, whose pages tell the count). *unlisted*: the platform of each tracked
    owner not listed yet, whose repos, and so that platform's requests, are unknown."""
    stages = {"complete": 0, "in_progress": 0, "not_started": 0, "refused": 0}
    sums: dict[str, int | None] = {}
    unfinished: dict[str, int] = {}
    for repo in repos:
        stages[repo.stage] += 1
        needed = requests_left(repo, now)
        before = sums.get(repo.platform, 0)
        sums[repo.platform] = None if needed is None or before is None else before + needed
        if repo.stage in ("in_progress", "not_started"):
            unfinished[repo.platform] = unfinished.get(repo.platform, 0) + 1
    sums.update((platform, None) for platform in unlisted)
    left: dict[str, int | None] = {}
    for platform, needed in sorted(sums.items()):
        batch = (count_batch or {}).get(platform, 0)
        checks = math.ceil(unfinished.get(platform, 0) / batch) if batch > 0 else 0
        left[platform] = None if needed is None else needed + checks
    return BackfillProgress(
        complete=stages["complete"], in_progress=stages["in_progress"],
        not_started=stages["not_started"], refused=stages["refused"],
        requests=left, allowed=dict(allowed), every=every,
        time_left=time_left(left, allowed, every), owners_not_listed=len(unlisted),
    )
