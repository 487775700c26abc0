"""What a report shows of a large project (monitor/reports/tops.py): examples and properties."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from monitor.metrics import METRICS
from monitor.reports.model import Change, RepoReport
from monitor.reports.tops import (
    Top,
    cap_per_group,
    created_in,
    first,
    project_view,
    repo_order,
    top_by_growth,
    top_by_stars,
    top_n,
)
from tests.reports.sample import ecosystem_project, week

PERIOD = week("2026-W47")

ids = st.text(alphabet="abAB", min_size=1, max_size=3)
scores = st.none() | st.integers(-5, 5)  # small: many ties
scored = st.lists(st.tuples(ids, scores), max_size=30)
sizes = st.integers(0, 12)


def _repo(ident: str, stars: Change, created_days: int | None = None) -> RepoReport:
    metrics = {metric: Change(1, 1) for metric in METRICS}
    metrics["stars"] = stars
    created = None if created_days is None else PERIOD.start + timedelta(days=created_days)
    return RepoReport(repo=f"github:o/{ident}", current_name=f"github:o/{ident}",
                      platform="github", url=f"https://github.com/o/{ident}", metrics=metrics,
                      created_at=created)


def _value(item: tuple[str, int | None]) -> int | None:
    return item[1]


def _tie(item: tuple[str, int | None]) -> tuple[str, str]:
    return (item[0].casefold(), item[0])


# -- top_n -------------------------------------------------------------------------------------


def test_top_n_takes_the_largest_first_and_counts_the_rest() -> None:
    got = top_n([("a", 1), ("b", 5), ("c", 3), ("d", None)], _value, 2, _tie)
    assert got == Top((("b", 5), ("c", 3)), 4)
    assert got.more == 2


def test_top_n_breaks_ties_by_the_tie_key_not_by_input_order() -> None:
    items = [("b", 7), ("B", 7), ("a", 7)]
    assert top_n(items, _value, 3, _tie).items == (("a", 7), ("B", 7), ("b", 7))
    assert top_n(list(reversed(items)), _value, 3, _tie) == top_n(items, _value, 3, _tie)


def test_a_missing_value_is_never_in_the_top_but_is_counted() -> None:
    got = top_n([("a", None), ("b", 0)], _value, 5, _tie)
    assert got.items == (("b", 0),) and got.total == 2 and got.more == 1


@given(scored, sizes)
def test_top_n_is_sorted_largest_first_with_ties_by_id(
    items: list[tuple[str, int | None]], n: int
) -> None:
    got = top_n(items, _value, n, _tie).items
    keys = [(-(v or 0), _tie((i, v))) for i, v in got]
    assert keys == sorted(keys)


@given(scored, sizes)
def test_shown_plus_more_is_the_total(items: list[tuple[str, int | None]], n: int) -> None:
    got = top_n(items, _value, n, _tie)
    assert len(got.items) + got.more == got.total == len(items)
    assert len(got.items) == min(n, sum(1 for _, v in items if v is not None))


@given(scored, sizes)
def test_nothing_left_out_beats_anything_shown(
    items: list[tuple[str, int | None]], n: int
) -> None:
    got = top_n(items, _value, n, _tie)
    shown = list(got.items)
    rest = list(items)
    for item in shown:
        rest.remove(item)
    for left in rest:
        if left[1] is None:
            continue
        for item in shown:
            assert (-(item[1] or 0), _tie(item)) <= (-left[1], _tie(left))


@given(scored, sizes)
def test_top_n_does_not_depend_on_input_order(
    items: list[tuple[str, int | None]], n: int
) -> None:
    assert top_n(items, _value, n, _tie) == top_n(sorted(items, key=repr), _value, n, _tie)


# -- first and cap_per_group ---------------------------------------------------------------


@given(st.lists(st.integers(), max_size=20), sizes)
def test_first_keeps_order_and_counts_the_rest(items: list[int], n: int) -> None:
    got = first(items, n)
    assert list(got.items) == items[:n]
    assert len(got.items) + got.more == len(items)


def test_cap_per_group_keeps_order_and_says_how_many_more() -> None:
    items = ["a1", "b1", "a2", "a3", "b2", "c1", "a4"]
    kept, more = cap_per_group(items, lambda s: s[0], 2)
    assert kept == ("a1", "b1", "a2", "b2", "c1")
    assert more == (("a", 2),)


@given(st.lists(st.tuples(st.sampled_from("xyz"), st.integers()), max_size=30), sizes)
def test_cap_per_group_properties(items: list[tuple[str, int]], n: int) -> None:
    kept, more = cap_per_group(items, lambda item: item[0], n)
    # A subsequence of the input, at most n per group ...
    position = iter(items)
    assert all(any(k == i for i in position) for k in kept)
    for group in "xyz":
        assert sum(1 for k in kept if k[0] == group) <= n
    # ... and shown + more = total, group by group.
    for group, count in more:
        assert count > 0
        assert sum(1 for k in kept if k[0] == group) + count == sum(
            1 for i in items if i[0] == group)
    assert len(kept) + sum(count for _, count in more) == len(items)


# -- repos -----------------------------------------------------------------------------------


def test_top_by_stars_ranks_by_the_end_value() -> None:
    repos = [_repo("x", Change(5, 50)), _repo("y", Change(100, 90)), _repo("z", Change(None, None))]
    got = top_by_stars(repos, 10)
    assert [r.repo for r in got.items] == ["github:o/y", "github:o/x"]
    assert got.more == 1


def test_top_by_growth_ranks_by_the_delta_and_leaves_out_stale_values() -> None:
    repos = [_repo("x", Change(5, 50)), _repo("y", Change(100, 90)),
             _repo("s", Change(0, 1_000, end_stale=True))]
    assert [r.repo for r in top_by_growth(repos, 10).items] == ["github:o/x", "github:o/y"]


def test_repo_ties_go_by_repo_id() -> None:
    repos = [_repo("b", Change(1, 9)), _repo("A", Change(1, 9)), _repo("a", Change(1, 9))]
    assert [r.repo for r in top_by_stars(repos, 3).items] == [
        "github:o/A", "github:o/a", "github:o/b"]
    assert sorted(repos, key=repo_order) == list(top_by_stars(repos, 3).items)


def test_created_in_the_period_newest_first_capped() -> None:
    repos = [_repo("old", Change(1, 2), created_days=-1), _repo("new", Change(1, 2), 6),
             _repo("mid", Change(1, 2), 2), _repo("next", Change(1, 2), 7),
             _repo("unknown", Change(1, 2))]
    got = created_in(repos, PERIOD, 1)
    assert [r.repo for r in got.items] == ["github:o/new"]
    assert got.total == 2 and got.more == 1


def test_project_view_of_a_large_project() -> None:
    project = ecosystem_project("Big", 25, PERIOD, joined=3, left=1, created=2)
    view = project_view(project, PERIOD, 10)
    assert view.large and view.count == 25
    assert len(view.stars.items) == 10 and view.stars.more == 15
    assert len(view.growth.items) == 10
    assert view.created.total == 2
    assert (view.joined.total, view.left.total) == (3, 1)
    assert view.change == 2


def test_project_view_of_a_small_project_is_not_large() -> None:
    project = ecosystem_project("Small", 10, PERIOD)
    view = project_view(project, PERIOD, 10)
    assert not view.large and view.count == 10
    assert view.created.total == 0 and view.change == 0
