"""Backfill progress as arithmetic (monitor/progress.py): where the tracked repos' first backfill
stands, the requests it still needs, and an honest time left at the current budget."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from monitor.progress import (
    RepoHistory,
    history_pages,
    per_run,
    progress,
    requests_left,
    time_left,
)

NOW = datetime(2026, 11, 26, tzinfo=UTC)
DAY = timedelta(days=1)


def github(**known: object) -> RepoHistory:
    return replace(RepoHistory("github"), **known)  # type: ignore[arg-type]


def gitee(**known: object) -> RepoHistory:
    return replace(RepoHistory("gitee"), **known)  # type: ignore[arg-type]


# -- one repo -------------------------------------------------------------------------------------


def test_a_gitee_history_is_its_stars_over_a_hundred_a_page() -> None:
    assert history_pages(gitee(stars=250), NOW) == 3
    assert history_pages(gitee(stars=0), NOW) == 1


def test_a_github_history_is_its_weeks_since_creation_over_thirty_a_page() -> None:
    assert history_pages(github(created_at=NOW - 10 * DAY), NOW) == 1
    assert history_pages(github(created_at=NOW - 7 * 61 * DAY), NOW) == 3  # 62 weeks


def test_the_page_count_the_platform_told_wins_over_the_estimate() -> None:
    assert history_pages(gitee(stars=250, pages=7), NOW) == 7


def test_a_history_nothing_is_known_of_is_unknown() -> None:
    assert history_pages(gitee(), NOW) is None
    assert history_pages(github(stars=5000), NOW) is None  # GitHub's pages are weeks
    assert requests_left(github(), NOW) is None


def test_a_repo_not_started_needs_every_page_and_its_releases() -> None:
    assert requests_left(gitee(stars=250, releases=150), NOW) == 3 + 2
    assert requests_left(gitee(stars=250), NOW) == 3 + 1  # an empty release list is a page


def test_a_repo_in_progress_needs_the_pages_after_those_read() -> None:
    halfway = gitee(started=True, next_page=5, pages=10, stars=999, releases_read=True)
    assert requests_left(halfway, NOW) == 6


def test_a_repo_past_its_estimate_still_needs_a_page() -> None:
    """The platform has not said the last page was read: one more at least."""
    assert requests_left(gitee(started=True, next_page=9, stars=250, releases_read=True),
                         NOW) == 1


def test_complete_and_refused_repos_need_nothing() -> None:
    assert requests_left(gitee(started=True, complete=True), NOW) == 0
    assert requests_left(github(started=True, refused=True), NOW) == 0


# -- the budget -----------------------------------------------------------------------------------


def test_a_run_spends_the_budget_share_or_the_fixed_maximum() -> None:
    assert per_run(5000, 0.5, 1000) == 2500
    assert per_run(60, 0.5, 1000) == 30
    assert per_run(None, 0.5, 1000) == 1000  # Gitee tells no budget


def test_time_left_is_whole_runs_of_the_slowest_platform() -> None:
    left = {"github": 5001, "gitee": 900}
    assert time_left(left, {"github": 2500, "gitee": 1000}, DAY) == 3 * DAY


def test_time_left_is_unknown_without_its_inputs() -> None:
    assert time_left({"github": None}, {"github": 2500}, DAY) is None
    assert time_left({"github": 10}, {}, DAY) is None
    assert time_left({"github": 10}, {"github": 0}, DAY) is None
    assert time_left({"github": 10}, {"github": 30}, None) is None


def test_nothing_left_is_done_now_whatever_is_unknown() -> None:
    assert time_left({"github": 0, "gitee": 0}, {}, None) == timedelta(0)
    assert time_left({}, {}, None) == timedelta(0)


def test_progress_counts_each_stage_and_sums_each_platform() -> None:
    repos = [
        gitee(started=True, complete=True),
        gitee(started=True, next_page=2, pages=4, releases_read=True),  # 3 left
        gitee(stars=120),  # 2 pages + releases
        github(created_at=NOW - 400 * DAY),  # 58 weeks: 2 pages + releases
        github(started=True, refused=True),
    ]
    found = progress(repos, NOW, {"github": 30, "gitee": 1000}, DAY, {"github": 50})
    assert (found.complete, found.in_progress, found.not_started, found.refused) == (1, 1, 2, 1)
    assert found.requests == {"gitee": 6, "github": 4}  # GitHub: + one star-count batch
    assert found.requests_left == 10
    assert found.time_left == DAY
    assert not found.done


def test_progress_is_unknown_when_one_repo_is() -> None:
    found = progress([gitee(stars=10), gitee()], NOW, {"gitee": 1000}, DAY)
    assert found.requests == {"gitee": None}
    assert found.requests_left is None and found.time_left is None


def test_progress_of_nothing_tracked_is_done() -> None:
    found = progress([], NOW, {}, None)
    assert found.done and found.requests_left == 0 and found.time_left == timedelta(0)


# -- properties -----------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10**7)
allowances = st.integers(min_value=1, max_value=10**5)
intervals = st.integers(min_value=1, max_value=10**6).map(lambda s: timedelta(seconds=s))


@given(counts, counts, allowances, intervals)
def test_more_requests_left_never_take_less_time(
    a: int, b: int, allowed: int, every: timedelta,
) -> None:
    fewer, more = sorted((a, b))
    shorter = time_left({"github": fewer}, {"github": allowed}, every)
    longer = time_left({"github": more}, {"github": allowed}, every)
    assert shorter is not None and longer is not None
    assert shorter <= longer


@given(counts, allowances, allowances, intervals)
def test_a_larger_budget_never_takes_more_time(
    left: int, a: int, b: int, every: timedelta,
) -> None:
    small, large = sorted((a, b))
    slow = time_left({"gitee": left}, {"gitee": small}, every)
    fast = time_left({"gitee": left}, {"gitee": large}, every)
    assert slow is not None and fast is not None
    assert fast <= slow


@given(counts, allowances, intervals)
def test_time_left_is_zero_exactly_when_nothing_is_left(
    left: int, allowed: int, every: timedelta,
) -> None:
    found = time_left({"github": left}, {"github": allowed}, every)
    assert (found == timedelta(0)) == (left == 0)


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_more_stars_never_need_fewer_gitee_requests(a: int, b: int) -> None:
    few, many = sorted((a, b))
    less, more = requests_left(gitee(stars=few), NOW), requests_left(gitee(stars=many), NOW)
    assert less is not None and more is not None and less <= more


@given(st.integers(min_value=1, max_value=500), st.integers(min_value=1, max_value=500),
       st.integers(min_value=1, max_value=500))
def test_reading_a_page_never_adds_requests(pages: int, a: int, b: int) -> None:
    early, late = sorted((a, b))
    state = gitee(started=True, pages=pages, releases_read=True)
    before = requests_left(replace(state, next_page=early), NOW)
    after = requests_left(replace(state, next_page=late), NOW)
    assert before is not None and after is not None and after <= before


def test_an_owner_not_listed_yet_makes_its_platforms_requests_unknown() -> None:
    found = progress([gitee(stars=10), github(created_at=NOW)], NOW,
                     {"github": 30, "gitee": 1000}, DAY, unlisted=["github"])
    assert found.requests == {"gitee": 2, "github": None}
    assert found.owners_not_listed == 1 and found.time_left is None and not found.done
    assert progress([], NOW, {}, DAY, unlisted=["gitee"]).done is False
