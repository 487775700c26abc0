"""Ranks and their moves (monitor/reports/ranks.py): pure arithmetic, examples and properties."""

from __future__ import annotations

from random import Random

from hypothesis import given
from hypothesis import strategies as st

from monitor.reports.model import Change
from monitor.reports.ranks import (
    competition_ranks,
    growth,
    rank_move,
    ranking_key,
    ranks_of,
)

names = st.text(min_size=1, max_size=8)
values = st.dictionaries(names, st.none() | st.integers(-1_000, 1_000), max_size=12)
ranks = st.integers(1, 500)


# -- competition ranking -----------------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    assert competition_ranks({"a": 5, "b": 9, "c": 5, "d": 1}) == {"a": 2, "b": 1, "c": 2, "d": 4}


def test_a_missing_value_is_unranked_not_last() -> None:
    assert competition_ranks({"a": None, "b": 0}) == {"a": None, "b": 1}


@given(values)
def test_a_rank_is_one_plus_the_number_of_larger_values(
    given_values: dict[str, int | None],
) -> None:
    got = competition_ranks(given_values)
    assert got.keys() == given_values.keys()
    present = [v for v in given_values.values() if v is not None]
    for name, value in given_values.items():
        if value is None:
            assert got[name] is None
        else:
            assert got[name] == 1 + sum(1 for other in present if other > value)


@given(st.lists(st.integers(-1_000, 1_000), unique=True, max_size=20))
def test_distinct_values_rank_as_a_permutation(distinct: list[int]) -> None:
    got = competition_ranks({str(i): v for i, v in enumerate(distinct)})
    assert sorted(r for r in got.values() if r is not None) == list(range(1, len(distinct) + 1))


@given(values)
def test_larger_values_rank_higher_and_ties_rank_equal(given_values: dict[str, int | None]) -> None:
    got = competition_ranks(given_values)
    ranked = [(v, got[n]) for n, v in given_values.items() if v is not None]
    for value, rank in ranked:
        for other, other_rank in ranked:
            assert rank is not None and other_rank is not None
            if value > other:
                assert rank < other_rank
            elif value == other:
                assert rank == other_rank


@given(values, st.randoms(use_true_random=False))
def test_ranks_do_not_depend_on_the_order_given(
    given_values: dict[str, int | None], random: Random
) -> None:
    items = list(given_values.items())
    random.shuffle(items)
    assert competition_ranks(dict(items)) == competition_ranks(given_values)


# -- growth and the ranks of projects ------------------------------------------------------------


def test_growth_is_the_delta_unless_a_value_is_stale() -> None:
    assert growth(Change(10, 15)) == 5
    assert growth(Change(10, 15, end_stale=True)) is None
    assert growth(Change(10, 15, start_stale=True)) is None
    assert growth(Change(None, 15)) is None


def test_ranks_of_projects_now_and_in_the_previous_period() -> None:
    stars = {"a": Change(100, 130), "b": Change(200, 210), "c": Change(50, 90, end_stale=True)}
    before = {"a": Change(90, 100), "b": Change(150, 200), "c": Change(None, 50)}
    got = ranks_of(stars, before)
    assert (got["a"].stars, got["a"].growth) == (2, 1)
    assert (got["b"].stars, got["b"].growth) == (1, 2)
    assert (got["c"].stars, got["c"].growth) == (3, None)  # a stale growth is unranked
    assert (got["a"].stars_previous, got["a"].growth_previous) == (2, 2)
    assert (got["b"].stars_previous, got["b"].growth_previous) == (1, 1)
    assert (got["c"].stars_previous, got["c"].growth_previous) == (3, None)


def test_the_order_is_by_rank_then_name_unranked_last() -> None:
    projects = [(None, "a"), (2, "b"), (1, "Zed"), (1, "alpha"), (2, "B")]
    ordered = sorted(projects, key=lambda p: ranking_key(*p))
    assert ordered == [(1, "alpha"), (1, "Zed"), (2, "B"), (2, "b"), (None, "a")]


# -- moves -------------------------------------------------------------------------------------


def test_moves_without_a_rank() -> None:
    assert rank_move(None, 3) == ""
    assert rank_move(None, None) == ""
    assert rank_move(4, None) == "new"


@given(ranks, ranks)
def test_a_move_says_the_direction_and_the_places(now: int, before: int) -> None:
    move = rank_move(now, before)
    if now < before:
        assert move == f"\u25b2{before - now}"
    elif now > before:
        assert move == f"\u25bc{now - before}"
    else:
        assert move == "="
