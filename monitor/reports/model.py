"""What a report says, as plain data: built by :mod:`.data`, rendered by :mod:`.render`.

Every figure a reader sees is here, computed once, so HTML, Markdown and JSON cannot disagree.
A value that has no observation near a boundary is ``None`` and flagged — never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from monitor.config.settings import DEFAULT_TOP_REPOS

__all__ = [
    "MEMBERSHIP_RULE",
    "Change",
    "GroupTotal",
    "Period",
    "ProjectReport",
    "ReleaseItem",
    "RepoIssue",
    "RepoReport",
    "Report",
    "SeriesPoint",
]

#: Bumped whenever the JSON report changes shape (documented in docs/report-schema.json).
SCHEMA_VERSION = 2

#: How a report reads a project whose repos change (SPEC, "Whole owners"), stated in every report.
MEMBERSHIP_RULE = (
    "A project's history is the history of the repos it has now: today's membership, "
    "applied to every period."
)


@dataclass(frozen=True)
class Period:
    kind: Literal["week", "month"]
    key: str  # "2026-W47" or "2026-11": also the file name
    start: datetime  # aware UTC, inclusive (00:00Z of the first day)
    end: datetime  # aware UTC, exclusive (00:00Z of the day after the last)

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return self.end.date() - timedelta(days=1)


@dataclass(frozen=True)
class Change:
    """One metric over the period: values at the start and end boundaries and the change.

    A boundary value is the last observation at or before the boundary. If that observation is
    older than ``Report.missing_after`` (or there is none) the value is ``None`` — shown as
    missing, never as 0; if it is older than ``Report.stale_after`` the value is kept but
    flagged stale (and so is the delta computed from it).
    """

    start: int | None  # last observation at or before period.start; None: no data near it
    end: int | None  # last observation at or before period.end; None: no data near it
    start_stale: bool = False  # the observation used is older than Report.stale_after
    end_stale: bool = False
    #: When the observation used was made (for a sum: the oldest of its parts); None: no data.
    start_at: datetime | None = None
    end_at: datetime | None = None
    #: A sum (project, platform split, group, total) that leaves out some of its parts because
    #: they have no value at one of the boundaries: it covers only the parts with both values.
    partial: bool = False

    @property
    def delta(self) -> int | None:
        return None if self.start is None or self.end is None else self.end - self.start

    @property
    def relative(self) -> float | None:
        if self.delta is None or not self.start:
            return None
        return self.delta / self.start


@dataclass(frozen=True)
class ReleaseItem:
    repo: str  # "github:Owner/Name" (current name)
    tag: str
    name: str | None  # untrusted: escape on output
    published_at: datetime
    prerelease: bool
    url: str | None  # only http(s) URLs on the platform's host survive to here


@dataclass(frozen=True)
class RepoIssue:
    """A repo whose latest collection failed, with the reason (reports list them)."""

    repo: str  # configured id
    kind: str  # of the latest error: not_found, blocked, deferred, unavailable, ...
    message: str  # untrusted: escape on output
    since: datetime  # the first failure after the last successful collection
    project: str | None = None
    last_collected_at: datetime | None = None  # None: never collected


@dataclass(frozen=True)
class RepoReport:
    repo: str  # configured id, e.g. "gitee:paddlepaddle/Paddle"
    current_name: str  # "platform:Owner/Name" as the platform calls it now
    platform: str
    url: str  # https://github.com/... or https://gitee.com/...
    metrics: dict[str, Change]  # every metric of monitor.metrics.METRICS
    created_at: datetime | None = None  # when the platform says the repo was created


@dataclass(frozen=True)
class SeriesPoint:
    day: date
    value: int


@dataclass(frozen=True)
class ProjectReport:
    name: str
    groups: tuple[str, ...]
    repos: tuple[RepoReport, ...]
    #: Stars of the project: the sum over its repos (mirrors included — see Report.mirrors_added).
    stars: Change
    #: Per platform, for projects on more than one ("github" -> Change of that platform's stars).
    split: dict[str, Change]
    rank_stars: int | None  # 1 = most stars at the end, ties share a rank; None without data
    rank_growth: int | None  # 1 = largest star delta in the period; None: missing or stale
    rank_stars_previous: int | None  # the same ranks in the previous period
    rank_growth_previous: int | None
    releases: tuple[ReleaseItem, ...]  # published in the period, newest first
    #: Last 12 months, one point per week (the value at period.end and every 7 days before),
    #: for charts; a week where no counted repo has a value near the instant has no point.
    stars_history: tuple[SeriesPoint, ...]
    #: Repos (ids) that joined or left the project during the period. ``repos`` are those it
    #: has now, whose history stands for every period (MEMBERSHIP_RULE): one that left is in
    #: no sum and no table, only named here.
    joined: tuple[str, ...] = ()
    left: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupTotal:
    """A group's stars and its share of all tracked stars.

    ``stars`` sums the group's projects (Change.partial as for a project). A project in several
    groups counts fully in each, so group totals may add up to more than the tracked total. The
    share is the group's stars over the stars of *all* tracked projects, each project counted
    once, at the same boundary, both sums taken over the projects that have a value there; so
    the shares of groups that overlap can add up to more than 1.
    """

    key: str
    title: str
    stars: Change  # sum over the group's projects
    share_start: float | None  # share of all tracked stars at the start (0..1)
    share_end: float | None
    share_history: tuple[SeriesPoint, ...] = ()  # per-mille share, weekly, last 12 months
    projects: int = 0  # how many tracked projects the group has


@dataclass(frozen=True)
class Report:
    period: Period
    previous: Period
    generated_from: datetime  # the newest observation the report saw (not the wall clock)
    mirrors_added: bool  # True: a project's stars add all its repos (mirrors included);
    # False: only its first listed repo (its home) counts in totals, ranks and shares
    projects: tuple[ProjectReport, ...]  # in ranking order (rank_stars)
    groups: tuple[GroupTotal, ...]
    issues: tuple[RepoIssue, ...]  # repos failing at their last collection
    notable: tuple[str, ...] = field(default_factory=tuple)  # plain sentences, escaped on output
    schema_version: int = SCHEMA_VERSION
    #: Stars of all tracked projects, each counted once (the denominator of group shares).
    total_stars: Change | None = None
    #: A boundary value from an observation older than this is flagged stale ...
    stale_after: timedelta = timedelta(days=2)
    #: ... and older than this it is missing (None).
    missing_after: timedelta = timedelta(days=7)
    #: How many repos of a project the HTML and Markdown tables show (by stars, by growth);
    #: a project with more shows those and says how many more (the JSON has every repo).
    top_repos: int = DEFAULT_TOP_REPOS
    membership_rule: str = MEMBERSHIP_RULE
