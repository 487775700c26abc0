"""The notable sentences (monitor/reports/notable.py): examples and a milestone property."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from monitor.reports.model import Change, ProjectReport, ReleaseItem, RepoIssue
from monitor.reports.notable import MILESTONES, milestone_crossed, notable

AT = datetime(2025, 3, 5, tzinfo=UTC)


def _project(name: str, change: Change, **ranks: int | None) -> ProjectReport:
    return ProjectReport(
        name=name, groups=(), repos=(), stars=change, split={},
        rank_stars=ranks.get("stars"), rank_growth=ranks.get("growth"),
        rank_stars_previous=ranks.get("stars_previous"), rank_growth_previous=None,
        releases=(), stars_history=(),
    )


def _release(tag: str) -> ReleaseItem:
    return ReleaseItem("github:o/n", tag, None, AT, False, None)


def test_the_sentences_in_order() -> None:
    fast = replace(_project("Fast", Change(900, 1_200), stars=1, growth=1, stars_previous=2),
                   releases=(_release("v2"), _release("v1")))
    slow = _project("Slow", Change(2_000, 2_010), stars=2, growth=2, stars_previous=1)
    issue = RepoIssue("github:o/n", "not_found", "HTTP 404", AT)
    assert notable([fast, slow], [issue]) == (
        "Fast gained the most stars: +300 (+33.3%).",
        "Fast passed 1,000 stars.",
        "Fast moved up to #1 by stars (from #2).",
        "Fast released v2 and 1 more.",
        "1 repo failed its last collection (see the issues).",
    )


def test_no_growth_sentence_without_a_gain_and_plural_failures() -> None:
    flat = _project("Flat", Change(10, 10), stars=1, growth=1)
    issues = [RepoIssue(f"github:o/{n}", "blocked", "HTTP 451", AT) for n in "ab"]
    assert notable([flat], issues) == ("2 repos failed their last collection (see the issues).",)


def test_a_move_up_outside_the_top_ten_is_not_told() -> None:
    far = _project("Far", Change(1, 2), stars=11, stars_previous=20)
    assert notable([far], []) == ()


def test_milestones() -> None:
    assert milestone_crossed(999, 1_000) == 1_000  # reaching it counts
    assert milestone_crossed(1_000, 1_500) is None  # already there
    assert milestone_crossed(4_000, 60_000) == 50_000  # the largest one passed
    assert milestone_crossed(None, 60_000) is None


@given(st.none() | st.integers(0, 2_000_000), st.none() | st.integers(0, 2_000_000))
def test_a_milestone_crossed_is_the_largest_in_the_range(
    start: int | None, end: int | None
) -> None:
    got = milestone_crossed(start, end)
    if start is None or end is None:
        assert got is None
        return
    in_range = [m for m in MILESTONES if start < m <= end]
    assert got == (max(in_range) if in_range else None)
