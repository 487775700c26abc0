"""The canonical metric names (SPEC "Metrics"): the same in storage, export and reports.

Kept apart from both the store and the platforms so that neither depends on the other.
"""

from __future__ import annotations

__all__ = ["METRICS", "METRIC_TITLES"]

#: In the order reports and exports list them.
METRICS: tuple[str, ...] = (
    "stars",
    "forks",
    "watchers",
    "open_issues",
    "open_prs",
    "contributors",
    "releases",
)

#: What each metric counts, as a reader of a report would ask.
METRIC_TITLES: dict[str, str] = {
    "stars": "Stars",
    "forks": "Forks",
    "watchers": "Watchers (people watching, not stars)",
    "open_issues": "Open issues (pull requests excluded)",
    "open_prs": "Open pull requests",
    "contributors": "Contributors (anonymous included on GitHub)",
    "releases": "Published releases (drafts excluded)",
}
