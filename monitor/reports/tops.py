"""What a report shows of a long list: its first few, and how many more (pure, no I/O).

A project may hold hundreds of repos; its HTML and Markdown tables show a few and say how many
more there are, while the JSON report keeps every one. The rules:

* :func:`top_n`: the *n* items with the largest value, largest first, equal values in the order
  of a tie key (a repo's id), never of the input; an item without a value (missing, which is
  never 0) is never shown but counts in the total.
* :func:`first` and :func:`cap_per_group`: the first *n* items of a list in its own order (per
  group: a project's releases, its failing repos).
* In every :class:`Top`, the items shown plus :attr:`Top.more` make the total.

A project is *large* when it has more repos than a table shows (:func:`project_view`): it is
shown by its top repos by stars and by growth instead of by every repo.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from monitor.reports.model import Period, ProjectReport, RepoReport
from monitor.reports.ranks import growth

__all__ = [
    "ProjectView",
    "Top",
    "cap_per_group",
    "created_in",
    "first",
    "project_view",
    "repo_order",
    "top_by_growth",
    "top_by_stars",
    "top_n",
]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Top(Generic[T]):
    """The items shown of a longer list of *total* items."""

    items: tuple[T, ...]
    total: int

    @property
    def more(self) -> int:
        """How many of the list are not shown."""
        return self.total - len(self.items)


def top_n(
    items: Sequence[T],
    value: Callable[[T], int | None],
    n: int,
    tie: Callable[[T], tuple[str, ...]],
) -> Top[T]:
    """The *n* items of largest *value*, largest first, equal values by *tie* (ascending)."""
    valued = [(v, item) for item in items if (v := value(item)) is not None]
    valued.sort(key=lambda pair: (-pair[0], tie(pair[1])))
    return Top(tuple(item for _, item in valued[:n]), len(items))


def first(items: Sequence[T], n: int) -> Top[T]:
    """The first *n* of *items*, in their order."""
    return Top(tuple(items[:n]), len(items))


def cap_per_group(
    items: Iterable[T], group: Callable[[T], K], n: int
) -> tuple[tuple[T, ...], tuple[tuple[K, int], ...]]:
    """*items* in their order, at most *n* of each group; and, per group that had more (in the
    order groups first appear), how many were left out."""
    kept: list[T] = []
    seen: dict[K, int] = {}
    for item in items:
        key = group(item)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= n:
            kept.append(item)
    return tuple(kept), tuple((key, count - n) for key, count in seen.items() if count > n)


# -- repos -------------------------------------------------------------------------------------


def repo_order(repo: RepoReport) -> tuple[str, str]:
    """Ties between repos go by their id, case-insensitively first."""
    return (repo.repo.casefold(), repo.repo)


def top_by_stars(repos: Sequence[RepoReport], n: int) -> Top[RepoReport]:
    """The repos with the most stars at the period's end."""
    return top_n(repos, lambda r: r.metrics["stars"].end, n, repo_order)


def top_by_growth(repos: Sequence[RepoReport], n: int) -> Top[RepoReport]:
    """The repos that gained the most stars in the period (a stale value ranks no growth)."""
    return top_n(repos, lambda r: growth(r.metrics["stars"]), n, repo_order)


def created_in(repos: Sequence[RepoReport], period: Period, n: int) -> Top[RepoReport]:
    """The repos the platform says were created in *period*, newest first."""
    created = [r for r in repos
               if r.created_at is not None and period.start <= r.created_at < period.end]
    created.sort(key=repo_order)
    created.sort(key=lambda r: r.created_at or period.start, reverse=True)
    return first(created, n)


@dataclass(frozen=True)
class ProjectView:
    """What the HTML and Markdown reports show of one project."""

    large: bool  # more repos than a table shows: its top repos instead of every repo
    stars: Top[RepoReport]  # by stars at the end
    growth: Top[RepoReport]  # by stars gained
    created: Top[RepoReport]  # created in the period, newest first
    joined: Top[str]  # repo ids that joined the project in the period
    left: Top[str]  # ... and that left it

    @property
    def count(self) -> int:
        """The repos the project has now."""
        return self.stars.total

    @property
    def change(self) -> int:
        """Repos joined less repos left in the period."""
        return self.joined.total - self.left.total


def project_view(project: ProjectReport, period: Period, n: int) -> ProjectView:
    """*project* as the tables show it: at most *n* repos per table."""
    return ProjectView(
        large=len(project.repos) > n,
        stars=top_by_stars(project.repos, n),
        growth=top_by_growth(project.repos, n),
        created=created_in(project.repos, period, n),
        joined=first(project.joined, n),
        left=first(project.left, n),
    )
