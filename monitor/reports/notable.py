"""The report's "notable" sentences: what a reader would tell a colleague (no I/O).

In this order: the largest growth, star milestones crossed, moves up into the top ten, releases,
failing repos. The sentences are plain text, escaped on output like every other text.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.reports.model import ProjectReport, RepoIssue

__all__ = ["MILESTONES", "milestone_crossed", "notable"]

#: Star counts whose crossing in a period is worth a sentence.
MILESTONES: tuple[int, ...] = (
    1_000, 5_000, 10_000, 50_000, 100_000, 200_000, 500_000, 1_000_000,
)

#: A move up by stars is told only when it ends in this many first places.
TOP = 10


def _thousands(n: int) -> str:
    return f"{n:,}"


def milestone_crossed(start: int | None, end: int | None) -> int | None:
    """The largest milestone passed going from *start* to *end* (reached counts, left doesn't)."""
    if start is None or end is None:
        return None
    crossed = [m for m in MILESTONES if start < m <= end]
    return crossed[-1] if crossed else None


def notable(projects: Sequence[ProjectReport], issues: Sequence[RepoIssue]) -> tuple[str, ...]:
    """Plain sentences about the period, *projects* in the report's order."""
    return (
        *_largest_growth(projects),
        *_milestones(projects),
        *_moves_up(projects),
        *_releases(projects),
        *_failing(issues),
    )


def _largest_growth(projects: Sequence[ProjectReport]) -> list[str]:
    sentences = []
    for project in projects:
        delta = project.stars.delta or 0
        if project.rank_growth != 1 or delta <= 0:
            continue
        relative = project.stars.relative
        pct = f" ({relative:+.1%})" if relative is not None else ""
        sentences.append(f"{project.name} gained the most stars: +{_thousands(delta)}{pct}.")
    return sentences


def _milestones(projects: Sequence[ProjectReport]) -> list[str]:
    sentences = []
    for project in projects:
        passed = milestone_crossed(project.stars.start, project.stars.end)
        if passed is not None:
            sentences.append(f"{project.name} passed {_thousands(passed)} stars.")
    return sentences


def _moves_up(projects: Sequence[ProjectReport]) -> list[str]:
    sentences = []
    for project in projects:
        now, before = project.rank_stars, project.rank_stars_previous
        if now is not None and before is not None and now < before and now <= TOP:
            sentences.append(f"{project.name} moved up to #{now} by stars (from #{before}).")
    return sentences


def _releases(projects: Sequence[ProjectReport]) -> list[str]:
    sentences = []
    for project in projects:
        if project.releases:
            latest = project.releases[0]  # newest first
            more = len(project.releases) - 1
            tail = f" and {more} more" if more else ""
            sentences.append(f"{project.name} released {latest.tag}{tail}.")
    return sentences


def _failing(issues: Sequence[RepoIssue]) -> list[str]:
    if not issues:
        return []
    count = len(issues)
    return [
        f"{count} repo{'s' if count != 1 else ''} failed {'their' if count != 1 else 'its'}"
        " last collection (see the issues)."
    ]
