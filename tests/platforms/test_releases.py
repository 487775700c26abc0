"""Reading a release list back to the stored releases (monitor.platforms.releases), as pure
rules: when to stop, what comes back, and that no page is asked for when none is needed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime, timedelta

from monitor.platforms.base import Release
from monitor.platforms.releases import by_publication, read_back, settled

T = datetime(2026, 3, 1, tzinfo=UTC)


def rel(tag: str, hours: int | None = 0) -> Release:
    published = None if hours is None else T + timedelta(hours=hours)
    return Release(tag, None, published, False, None)


def test_a_known_newest_release_with_a_matching_count_is_settled() -> None:
    assert settled({"c"}, {"a", "b", "c"}, 3)


def test_more_new_releases_than_the_first_page_shows_are_not_settled() -> None:
    assert not settled({"e"}, {"a", "b", "c"}, 5)  # d is missing
    assert settled({"e", "d", "c"}, {"a", "b", "c"}, 5)


def test_a_release_behind_the_known_ones_is_not_settled() -> None:
    """An old draft published late sits behind known releases: the count says so."""
    assert not settled({"c", "b", "a"}, {"a", "b", "c"}, 4)


def test_without_a_count_meeting_a_known_tag_settles() -> None:
    assert not settled({"x"}, {"a"}, None)
    assert settled({"x", "a"}, {"a"}, None)


def test_nothing_known_reads_the_whole_list() -> None:
    assert not settled({"a"}, set(), 2)
    assert settled({"a", "b"}, set(), 2)
    assert settled(set(), set(), 0)


def test_a_deleted_known_release_never_keeps_reading() -> None:
    assert settled({"b"}, {"a", "b", "gone"}, 2)


def pages_of(
    *pages: Sequence[Release], asked: list[int],
) -> AsyncGenerator[Sequence[Release], None]:
    async def gen() -> AsyncGenerator[Sequence[Release], None]:
        for i, page in enumerate(pages):
            asked.append(i)
            yield page
    return gen()


def test_read_back_asks_no_page_when_settled() -> None:
    asked: list[int] = []
    found = asyncio.run(read_back([rel("c", 3)], 3, {"a", "b", "c"},
                                  pages_of([rel("c", 3)], asked=asked)))
    assert asked == [] and [r.tag for r in found] == ["c"]


def test_read_back_pages_until_known_and_dedupes_newest_publication_first() -> None:
    asked: list[int] = []
    first = [rel("f", 6)]
    pages = pages_of([rel("f", 6), rel("e", 5), rel("old-draft", 9)],
                     [rel("d", 4), rel("c", 3)], [rel("b", 2)], asked=asked)
    found = asyncio.run(read_back(first, 6, {"a", "b", "c"}, pages))
    assert asked == [0, 1]
    assert [r.tag for r in found] == ["old-draft", "f", "e", "d", "c"]


def test_undated_releases_come_last() -> None:
    assert [r.tag for r in by_publication([rel("x", None), rel("y", 1), rel("z", 2)])] == [
        "z", "y", "x"]
