"""Properties of the pure daily series a backfill rebuilds (:mod:`monitor.history`).

The examples in ``test_backfill.py`` check whole backfills against the fakes; these check the
arithmetic alone over many generated histories: the series only falls on a day something was
withdrawn, it has exactly one point per platform day (23 and 25 hour days included), and it
ends at the sum of the counts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor.history import (
    EVERY,
    count_by_day,
    daily_series,
    first_day,
    first_star_day,
    gone_stars,
    last_page_newest_first,
    newest_first,
)

LA, SHANGHAI = ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Shanghai")
#: The platform calendars: GitHub counts Pacific days, Gitee Shanghai days.
ZONES = st.sampled_from([LA, SHANGHAI])
GIVEN = st.integers(0, 500)  # stars given on a day and still present
WITHDRAWN = st.integers(-50, 500)  # a negative count: more withdrawn that day than given
#: Up to ~14 months of history, so most examples cross both of a year's DST changes.
SPAN = 430

quick = settings(database=None, deadline=None)


@st.composite
def histories(
    draw: st.DrawFn, counts: st.SearchStrategy[int] = GIVEN,
) -> tuple[dict[date, int], ZoneInfo, datetime]:
    """(counts per day, the platform's zone, now): days from SPAN days back up to tomorrow."""
    zone = draw(ZONES)
    now = draw(st.datetimes(datetime(2016, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC)))
    today = now.astimezone(zone).date()
    day = st.dates(today - timedelta(days=SPAN), today + timedelta(days=1))
    days = draw(st.dictionaries(day, counts, min_size=1, max_size=40))
    return days, zone, now


def local_day(end: datetime, zone: ZoneInfo) -> date:
    """The platform day a point closes (its instant is the next midnight)."""
    return end.astimezone(zone).date() - timedelta(days=1)


@quick
@given(histories())
def test_without_withdrawals_the_series_never_decreases(
    history: tuple[dict[date, int], ZoneInfo, datetime],
) -> None:
    days, zone, now = history
    values = [value for _, value in daily_series(days, zone, now)]
    assert all(a <= b for a, b in pairwise(values))


@quick
@given(histories(WITHDRAWN))
def test_the_series_falls_only_on_a_day_with_a_withdrawal(
    history: tuple[dict[date, int], ZoneInfo, datetime],
) -> None:
    days, zone, now = history
    points = daily_series(days, zone, now)
    for (_, before), (end, after) in pairwise(points):
        if after < before:
            assert days[local_day(end, zone)] < 0


@quick
@given(histories())
@example(({date(2026, 3, 7): 1, date(2026, 11, 2): 1}, LA,
          datetime(2026, 11, 3, 12, tzinfo=UTC)))  # both 2026 DST changes in Los Angeles
def test_one_point_at_the_end_of_each_platform_day(
    history: tuple[dict[date, int], ZoneInfo, datetime],
) -> None:
    days, zone, now = history
    points = daily_series(days, zone, now)
    yesterday = now.astimezone(zone).date() - timedelta(days=1)
    covered = [local_day(end, zone) for end, _ in points]
    expected = [min(days) + timedelta(days=i) for i in range((yesterday - min(days)).days + 1)]
    assert covered == expected
    for end, _ in points:
        assert end.tzinfo is UTC
        assert end.astimezone(zone).time() == time(0)  # midnight there, 23 or 25 hours apart
    hours = {end.hour for end, _ in points}
    assert hours <= ({7, 8} if zone is LA else {16})


@quick
@given(histories(), st.integers(0, SPAN))
def test_a_start_day_trims_the_points_but_not_the_count(
    history: tuple[dict[date, int], ZoneInfo, datetime], offset: int,
) -> None:
    days, zone, now = history
    start = min(days) + timedelta(days=offset)
    full = daily_series(days, zone, now)
    trimmed = daily_series(days, zone, now, start)
    assert trimmed == [(end, value) for end, value in full if local_day(end, zone) >= start]
    assert first_day(trimmed, zone) == (start if trimmed else None)


@quick
@given(histories())
def test_the_last_value_is_the_sum_of_the_counts_before_today(
    history: tuple[dict[date, int], ZoneInfo, datetime],
) -> None:
    days, zone, now = history
    today = now.astimezone(zone).date()
    points = daily_series(days, zone, now)
    if points:
        assert points[-1][1] == sum(n for day, n in days.items() if day < today)
    else:
        assert min(days) >= today  # nothing complete yet


@quick
@given(st.lists(st.datetimes(datetime(2020, 1, 1), datetime(2021, 1, 1), timezones=st.just(UTC)),
                unique=True, min_size=1, max_size=300),
       st.integers(1, 50), st.booleans(), st.data())
def test_reading_pages_from_either_end_finds_exactly_the_withdrawn_stars(
    times: list[datetime], per_page: int, from_newest: bool, data: st.DataObject,
) -> None:
    """Pages read from one end cover a span; only stored stars in it and not seen are gone."""
    stored = dict(enumerate(sorted(times)))
    withdrawn = data.draw(st.sets(st.sampled_from(sorted(stored))))
    present = [uid for uid in stored if uid not in withdrawn]
    order = present[::-1] if from_newest else present
    pages = [order[i:i + per_page] for i in range(0, len(order), per_page)] or [[]]
    read = data.draw(st.integers(1, len(pages)))
    seen = {uid for page in pages[:read] for uid in page}
    shown = [stored[uid] for uid in seen]
    whole = read == len(pages)
    bound = (min(shown) if from_newest else max(shown)) if shown else None
    after = EVERY if whole else (bound if from_newest else None)
    before = None if whole else (None if from_newest else bound)
    gone = gone_stars(stored, seen, after, before)
    assert gone <= withdrawn
    if whole:
        assert gone == withdrawn
    def inside(at: datetime) -> bool:
        return bound is not None and (at > bound if from_newest else at < bound)

    covered = {uid for uid in withdrawn if inside(stored[uid])}
    assert covered <= gone


@quick
@given(st.lists(st.datetimes(timezones=st.just(UTC)), max_size=20))
def test_a_list_order_is_read_from_its_times(times: list[datetime]) -> None:
    ascending, descending = sorted(times), sorted(times, reverse=True)
    tells = len(set(times)) > 1
    assert newest_first(ascending) is (False if tells else None)
    assert newest_first(descending) is (True if tells else None)


def test_a_last_page_of_one_star_tells_the_order_by_the_stored_stars() -> None:
    stored = [datetime(2024, 1, d, tzinfo=UTC) for d in range(1, 11)]
    assert last_page_newest_first([stored[0]], stored) is True  # the oldest: newest first
    assert last_page_newest_first([stored[-1]], stored) is False  # the newest: oldest first
    assert last_page_newest_first([datetime(2024, 2, 1, tzinfo=UTC)], stored) is False
    assert last_page_newest_first([stored[1]], stored) is True  # the oldest withdrawn
    assert last_page_newest_first([stored[0]], []) is None
    assert last_page_newest_first([], stored) is None


def test_a_series_starts_on_the_first_star_day_not_before() -> None:
    assert first_star_day({date(2020, 1, 5): 0, date(2020, 1, 7): 2, date(2020, 1, 9): 1}) == \
        date(2020, 1, 7)
    assert first_star_day({date(2020, 1, 5): 0}) is None


@quick
@given(st.lists(st.none() | st.datetimes(datetime(1970, 1, 2), datetime(2100, 1, 1),
                                        timezones=st.just(UTC))), ZONES)
def test_each_known_moment_counts_once_on_its_platform_day(
    moments: list[datetime | None], zone: ZoneInfo,
) -> None:
    days = count_by_day(moments, zone)
    assert sum(days.values()) == sum(1 for m in moments if m is not None)
    for day, count in days.items():
        assert count == sum(1 for m in moments if m and m.astimezone(zone).date() == day)
