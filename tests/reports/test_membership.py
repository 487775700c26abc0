"""A project's repos in a report (monitor/reports/membership.py): today's membership, and the
repos that joined or left in the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from monitor.config.repos import Project, Tracked
from monitor.ids import RepoId
from monitor.reports.membership import (
    Member,
    configured_members,
    membership_in,
    stored_members,
)
from tests.reports.sample import week

PERIOD = week("2026-W47")
A, B, C, D = (RepoId.parse(f"github:o/{name}") for name in "abcd")
DAY = timedelta(days=1)


def test_today_source_is_every_configured_repo_with_no_dates() -> None:
    tracked = Tracked({}, (Project("P", (), (A, B)), Project("Q", (), (C,))))
    members = configured_members(tracked)
    assert members == {"P": (Member(A), Member(B)), "Q": (Member(C),)}
    view = membership_in(members["P"], PERIOD)
    assert (view.repos, view.joined, view.left) == ((A, B), (), ())


@dataclass(frozen=True)
class _Stay:
    repo: RepoId
    joined_at: datetime
    left_at: datetime | None = None


def test_stored_stays_put_the_named_repos_first_under_their_configured_ids() -> None:
    """The first repo is the project's home (its stars alone when mirrors are not added)."""
    home, mirror = RepoId.parse("github:O/Home"), RepoId.parse("gitee:o/home")
    tracked = Tracked({}, (Project("P", (), (home, mirror)), Project("Fresh", (), (C,))))
    t = PERIOD.start
    stays = {"P": [_Stay(A, t), _Stay(RepoId.parse("gitee:o/home"), t),
                   _Stay(RepoId.parse("github:o/home"), t, t + DAY)]}
    assert stored_members(stays, tracked) == {
        "P": (Member(home, t, t + DAY), Member(mirror, t), Member(A, t)),
        "Fresh": (Member(C),),  # nothing stored yet: as configured
    }


def test_a_repo_that_joined_in_the_period_is_counted_and_named() -> None:
    view = membership_in([Member(A), Member(B, joined_at=PERIOD.start + DAY)], PERIOD)
    assert view.repos == (A, B) and view.joined == (B,) and view.left == ()


def test_a_repo_that_left_is_named_but_not_read() -> None:
    view = membership_in([Member(A), Member(B, left_at=PERIOD.end - DAY)], PERIOD)
    assert view.repos == (A,) and view.left == (B,)


def test_moves_outside_the_period_are_not_named() -> None:
    members = [Member(A, joined_at=PERIOD.start - DAY), Member(B, left_at=PERIOD.end),
               Member(C, joined_at=PERIOD.end)]
    view = membership_in(members, PERIOD)
    assert view.repos == (A, C) and view.joined == () and view.left == ()


def test_a_repo_back_before_the_period_ended_has_not_left() -> None:
    members = [Member(A, left_at=PERIOD.start + DAY), Member(A, joined_at=PERIOD.start + 2 * DAY)]
    view = membership_in(members, PERIOD)
    assert view.repos == (A,) and view.joined == (A,) and view.left == ()


def test_repos_are_compared_ignoring_case() -> None:
    upper = RepoId.parse("github:O/A")
    view = membership_in([Member(A), Member(upper)], PERIOD)
    assert view.repos == (A,)


offsets = st.none() | st.integers(-10, 20).map(lambda d: PERIOD.start + timedelta(days=d))
rows = st.lists(st.builds(Member, st.sampled_from([A, B, C, D]), offsets, offsets), max_size=12)


@given(rows)
def test_membership_properties(members: list[Member]) -> None:
    view = membership_in(members, PERIOD)
    current = {m.repo for m in members if m.left_at is None}
    assert set(view.repos) == current and len(view.repos) == len(current)
    assert not set(view.left) & set(view.repos)
    for repo in view.joined:
        assert any(m.repo == repo and m.joined_at is not None
                   and PERIOD.start <= m.joined_at < PERIOD.end for m in members)
    for repo in view.left:
        assert any(m.repo == repo and m.left_at is not None
                   and PERIOD.start <= m.left_at < PERIOD.end for m in members)
