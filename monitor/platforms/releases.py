"""Reading a release list back to what is already stored: the rule every platform shares.

Why: a collection sees the release list as it is now, and releases published since the last
collection may be any number, so taking "the newest one" (or ten) loses some. Each platform reads
its list newest first and pages back until :func:`settled` says the store holds the rest.

The platforms' lists are ordered by creation, not publication (GitHub REST and GraphQL, Gitee),
so a release published late from an old draft sits behind releases already stored. The
published-release count each platform tells with the first page catches it: while fewer releases
than the count have been seen and too few known ones remain unseen to make up the difference,
something is missing further back. Without a count (Gitee may omit ``total_count``), meeting a
known tag ends the reading. A deleted release stays stored (past reports still show it), so the
count can only make reading stop early, never go on for ever.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection, Iterable, Sequence
from datetime import UTC, datetime

from monitor.platforms.base import Release

__all__ = ["by_publication", "read_back", "settled"]

#: Releases per page when paging back (the largest page every platform allows).
PAGE_SIZE = 100

_OLDEST = datetime.min.replace(tzinfo=UTC)


def settled(seen: Collection[str], known: Collection[str], total: int | None) -> bool:
    """Whether the published releases not yet *seen* are all *known* (stored) already.

    *total* is the platform's count of published releases, when it told one.
    """
    if total is not None and total <= len(seen):
        return True
    met = any(tag in known for tag in seen)
    if total is None:
        return met
    unseen_known = sum(1 for tag in known if tag not in seen)
    return met and total - len(seen) <= unseen_known


async def read_back(
    first: Iterable[Release],
    total: int | None,
    known: Collection[str],
    pages: AsyncGenerator[Sequence[Release], None],
) -> tuple[Release, ...]:
    """The releases of *first*, then of each of *pages* until :func:`settled` (or the list
    ends), each tag once, newest publication first. *pages* is only awaited while needed, so
    a cycle with nothing new sends no request for it."""
    seen: dict[str, Release] = {}
    for release in first:
        seen.setdefault(release.tag, release)
    try:
        while not settled(seen.keys(), known, total):
            page = await anext(pages, None)
            if page is None:
                break
            for release in page:
                seen.setdefault(release.tag, release)
    finally:
        await pages.aclose()  # a page left unread is never asked for
    return tuple(by_publication(seen.values()))


def by_publication(releases: Iterable[Release]) -> list[Release]:
    """Newest publication first, sorted here: no platform lists by publication (GitHub and
    Gitee order by creation, and Gitee's default direction has changed before). Releases
    without a publication time come last."""
    found = list(releases)
    dated = sorted((r for r in found if r.published_at is not None),
                   key=lambda r: r.published_at or _OLDEST, reverse=True)
    return dated + [r for r in found if r.published_at is None]
