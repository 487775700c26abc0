"""Sums, shares and weekly series (monitor/reports/totals.py): examples and properties."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.config.repos import Group, Project, Tracked
from monitor.ids import RepoId
from monitor.reports.model import Change
from monitor.reports.totals import (
    group_totals,
    oldest,
    series_total,
    share,
    share_history,
    sum_changes,
)

T0 = datetime(2025, 3, 1, tzinfo=UTC)
stars = st.integers(0, 10**7)
maybe_stars = st.none() | stars
moments = st.none() | st.integers(0, 100).map(lambda h: T0 + timedelta(hours=h))


@st.composite
def changes(draw: st.DrawFn) -> Change:
    start, end = draw(maybe_stars), draw(maybe_stars)
    return Change(
        start,
        end,
        start_stale=start is not None and draw(st.booleans()),
        end_stale=end is not None and draw(st.booleans()),
        start_at=None if start is None else draw(moments),
        end_at=None if end is None else draw(moments),
    )


parts_of = st.lists(changes(), max_size=6)


# -- sums ------------------------------------------------------------------------------------


def test_an_empty_sum_is_missing() -> None:
    assert sum_changes([]) == Change(None, None)


def test_parts_without_both_values_are_left_out_and_the_sum_is_partial() -> None:
    total = sum_changes([Change(10, 15), Change(None, 7), Change(100, 110)])
    assert (total.start, total.end, total.delta, total.partial) == (110, 125, 15, True)


def test_a_side_no_part_has_stays_missing() -> None:
    total = sum_changes([Change(None, 7), Change(None, 3)])
    assert (total.start, total.end, total.partial) == (None, 10, True)
    assert sum_changes([Change(None, 7)]) == Change(None, 7)  # one part: as it is
    assert sum_changes([Change(None, 7), Change(5, None)]) == Change(None, None, partial=True)


def test_a_sum_is_as_old_and_as_stale_as_its_oldest_part() -> None:
    total = sum_changes([
        Change(1, 2, end_stale=True, start_at=T0, end_at=T0 + timedelta(days=2)),
        Change(3, 4, start_at=T0 + timedelta(hours=1), end_at=T0 + timedelta(days=1)),
    ])
    assert (total.start_stale, total.end_stale) == (False, True)
    assert (total.start_at, total.end_at) == (T0, T0 + timedelta(days=1))


@given(st.lists(st.tuples(stars, stars), max_size=8))
def test_parts_with_both_values_add_up_exactly(pairs: list[tuple[int, int]]) -> None:
    total = sum_changes([Change(s, e) for s, e in pairs])
    if pairs:
        assert (total.start, total.end) == (sum(s for s, _ in pairs), sum(e for _, e in pairs))
        assert not total.partial


@given(parts_of)
def test_missing_values_never_become_zero(parts: list[Change]) -> None:
    total = sum_changes(parts)
    if all(c.start is None for c in parts):
        assert total.start is None
    if all(c.end is None for c in parts):
        assert total.end is None


@given(parts_of)
def test_a_delta_compares_the_same_parts(parts: list[Change]) -> None:
    total = sum_changes(parts)
    both = [c for c in parts if c.start is not None and c.end is not None]
    if both:
        assert total.delta == sum(c.delta or 0 for c in both)
        assert total.partial == (len(both) < len(parts))
    elif total.start is not None and total.end is not None:
        assert not parts  # only an empty sum could have both sides without a part having both


@given(parts_of)
def test_a_sum_is_stale_only_if_a_part_is(parts: list[Change]) -> None:
    total = sum_changes(parts)
    assert not total.start_stale or any(c.start_stale for c in parts)
    assert not total.end_stale or any(c.end_stale for c in parts)
    assert not total.start_stale or total.start is not None


def test_oldest_ignores_unknown_times() -> None:
    assert oldest([None, T0 + timedelta(days=1), T0]) == T0
    assert oldest([None]) is None


# -- shares ----------------------------------------------------------------------------------


def test_a_share_without_any_value_is_missing_not_zero() -> None:
    assert share([None, None], [10, 20]) is None
    assert share([5], [None, 0]) is None  # nothing to divide by
    assert share([0], [10]) == 0.0


def test_a_share_counts_only_the_values_present() -> None:
    assert share([10, None], [10, None, 30]) == pytest.approx(0.25)


@given(st.lists(st.tuples(st.integers(1, 10**7), st.integers(0, 3)), min_size=1, max_size=10))
def test_shares_of_groups_that_split_the_projects_sum_to_one(
    projects: list[tuple[int, int]],
) -> None:
    """Every project in exactly one group, every value present: the groups' shares sum to 1."""
    everyone = [value for value, _ in projects]
    groups = {g for _, g in projects}
    total = 0.0
    for group in groups:
        got = share([v for v, g in projects if g == group], everyone)
        assert got is not None and 0 <= got <= 1
        total += got
    assert math.isclose(total, 1.0)


@given(st.lists(st.integers(1, 10**7), min_size=1, max_size=8), st.data())
def test_group_totals_shares_sum_to_one_when_all_values_are_present(
    values: list[int], data: st.DataObject
) -> None:
    keys = ("a", "b", "c")
    member_of = [data.draw(st.sampled_from(keys)) for _ in values]
    tracked = Tracked(
        groups={k: Group(k, k.upper()) for k in keys},
        projects=tuple(
            Project(f"p{i}", (member_of[i],), (RepoId.parse(f"github:o/p{i}"),))
            for i in range(len(values))
        ),
    )
    stars_of = {f"p{i}": Change(v, v + i) for i, v in enumerate(values)}
    at = [T0]
    series = {f"p{i}": {T0: v} for i, v in enumerate(values)}
    groups = group_totals(tracked, stars_of, series, at)
    present = [g for g in groups if g.projects]
    assert [g.key for g in groups] == list(keys)
    assert math.isclose(sum(g.share_start or 0 for g in present), 1.0)
    assert math.isclose(sum(g.share_end or 0 for g in present), 1.0)
    assert all(g.share_start is None and g.share_end is None for g in groups if not g.projects)
    assert sum(g.share_history[0].value for g in present) == pytest.approx(1000, abs=len(keys))


# -- weekly series ---------------------------------------------------------------------------

instants = [T0 + timedelta(days=7 * n) for n in range(4)]
series_of = st.dictionaries(st.sampled_from(instants), stars, max_size=4)


@given(st.lists(series_of, max_size=5))
def test_a_series_total_adds_the_parts_present_and_skips_empty_instants(
    parts: list[dict[datetime, int]],
) -> None:
    total = series_total(instants, parts)
    for at in instants:
        present = [p[at] for p in parts if at in p]
        if present:
            assert total[at] == sum(present)
        else:
            assert at not in total  # no point, not a 0


@given(st.lists(series_of, min_size=1, max_size=5), st.data())
def test_a_share_history_is_per_mille_of_everyone(
    everyone: list[dict[datetime, int]], data: st.DataObject
) -> None:
    members = data.draw(st.lists(st.sampled_from(everyone), unique_by=id, max_size=len(everyone)))
    points = share_history(instants, members, everyone)
    assert all(0 <= p.value <= 1000 for p in points)
    days = [p.day for p in points]
    assert days == sorted(days)
