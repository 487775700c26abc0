"""Listing an owner's repos over REST, the same way on every platform.

An owner id does not say whether it names an organisation or a user, and the platforms list the
two at different URLs: the organisation's is asked first, a 404 there moves on to the user's,
and a 404 at both is :class:`~monitor.errors.NotFound`. An owner seen before is asked where it
was found (the response cache holds that URL's validators), so a user's unchanged listing costs
its 304s and no 404 first. Every page is conditional. The listing is whole or an exception:
any page that fails fails it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from monitor.errors import MalformedResponse, NotFound
from monitor.ids import OwnerId
from monitor.platforms.base import ListedRepo
from monitor.platforms.http import HttpClient, Reply

__all__ = ["MAX_PAGES", "Endpoint", "NextPage", "read_pages", "unique"]

#: An (API path, query parameters) pair.
Endpoint = tuple[str, Mapping[str, Any]]
#: Where the page after this one is (``reply``, its 1-based number), None after the last.
NextPage = Callable[[Reply, Endpoint, int], Endpoint | None]
#: More pages than this (100,000 repos at 100 a page) means a listing that never ends.
MAX_PAGES = 1000


async def read_pages(
    http: HttpClient, owner: OwnerId, endpoints: Sequence[Endpoint], next_page: NextPage,
    check: Callable[[Reply], None],
) -> list[Reply]:
    """Every page of the first of *endpoints* that knows the owner, each conditional; *check*
    raises what a failed page means (a 404 of a first page only moves on to the next)."""
    for endpoint in await _seen_first(http, endpoints):
        reply = await http.get(*endpoint, conditional=True)
        if reply.status == 404:
            continue
        check(reply)
        pages = [reply]
        while (after := next_page(reply, endpoint, len(pages))) is not None:
            if len(pages) >= MAX_PAGES:
                raise MalformedResponse(f"{owner}: the listing goes on past {MAX_PAGES} pages")
            endpoint = after
            reply = await http.get(*endpoint, conditional=True)
            check(reply)
            pages.append(reply)
        return pages
    raise NotFound(f"{owner}: no such organisation or user")


async def _seen_first(http: HttpClient, endpoints: Sequence[Endpoint]) -> list[Endpoint]:
    """The endpoints, those the cache holds an answer of first (where the owner was found)."""
    if http.cache is None:
        return list(endpoints)
    seen = [await http.cache.get(http.redact(*e)) is not None for e in endpoints]
    return [e for e, known in zip(endpoints, seen, strict=True) if known] + [
        e for e, known in zip(endpoints, seen, strict=True) if not known]


def unique(repos: Sequence[ListedRepo]) -> tuple[ListedRepo, ...]:
    """Each repo once (by id): a repo made or deleted while the pages were read shifts the
    ones after it, so a repo can show on two pages."""
    seen: set[int] = set()
    kept = []
    for repo in repos:
        if repo.snapshot.platform_id not in seen:
            seen.add(repo.snapshot.platform_id)
            kept.append(repo)
    return tuple(kept)
