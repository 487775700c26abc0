"""Listing an owner's repos over REST, the same way on every platform.

An owner id does not say whether it names an organisation or a user, and the platforms list the
two at different URLs: the organisation's is asked first, a 404 there moves on to the user's,
and a 404 at both is :class:`~monitor.errors.NotFound`. An owner seen before is asked where it
was found (the response cache holds that URL's validators), so a user's unchanged listing costs
its 304s and no 404 first. Every page is conditional. The listing is whole or an exception:
any page that fails fails it.

When the first page tells how many pages there are (Gitee's ``total_page``, GitHub's Link
``rel="last"``), the others are asked at once rather than one after another: the HTTP layer's
gate bounds them, so ten pages cost a few round trips, not ten. Pages after those (a listing
that grew meanwhile) are still followed one by one. Each page is read (parsed, and told to the
caller's ``on_page``) as it comes, while the others are still on their way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from monitor.errors import Deferred, MalformedResponse, NotFound
from monitor.ids import OwnerId
from monitor.platforms.base import ListedRepo, PageCallback
from monitor.platforms.http import HttpClient, ListFields, Reply

__all__ = [
    "MAX_PAGES", "AllPages", "Endpoint", "NextPage", "read_listing", "read_pages", "unique",
]

#: An (API path, query parameters) pair.
Endpoint = tuple[str, Mapping[str, Any]]
#: Where the page after this one is (``reply``, its 1-based number), None after the last.
NextPage = Callable[[Reply, Endpoint, int], Endpoint | None]
#: Every page after the first (given its reply and endpoint), when the first tells their number.
AllPages = Callable[[Reply, Endpoint], list[Endpoint] | None]
#: More pages than this (100,000 repos at 100 a page) means a listing that never ends.
MAX_PAGES = 1000


async def read_listing(
    http: HttpClient, owner: OwnerId, endpoints: Sequence[Endpoint], next_page: NextPage,
    check: Callable[[Reply], None], all_pages: AllPages | None,
    parse: Callable[[Reply], list[ListedRepo]], on_page: PageCallback | None,
    keep: ListFields | None = None,
) -> tuple[ListedRepo, ...]:
    """Every repo of the owner's listing (:func:`read_pages`), in page order, each once: every
    page *parse*-d once, as it comes, and told to *on_page*. *keep*: the fields *parse* reads
    of each listed repo (all that the response cache keeps of a page)."""
    parsed: dict[int, list[ListedRepo]] = {}

    def read(reply: Reply) -> None:
        parsed[id(reply)] = found = parse(reply)
        if on_page is not None:
            on_page(found)

    pages = await read_pages(http, owner, endpoints, next_page, check, all_pages, read, keep)
    return unique([repo for reply in pages for repo in parsed[id(reply)]])


async def read_pages(
    http: HttpClient, owner: OwnerId, endpoints: Sequence[Endpoint], next_page: NextPage,
    check: Callable[[Reply], None], all_pages: AllPages | None = None,
    on_reply: Callable[[Reply], None] | None = None, keep: ListFields | None = None,
) -> list[Reply]:
    """Every page of the first of *endpoints* that knows the owner, each conditional; *check*
    raises what a failed page means (a 404 of a first page only moves on to the next). The
    pages *all_pages* names are asked at once; *next_page* follows on from the last. Each page
    that passed *check* is told to *on_reply* as it comes. *keep*: as for ``HttpClient.get``."""
    told = on_reply if on_reply is not None else _ignore
    for endpoint in await _seen_first(http, endpoints, keep):
        reply = await http.get(*endpoint, conditional=True, keep=keep)
        if reply.status == 404:
            continue
        check(reply)
        told(reply)
        pages = [reply]
        rest = all_pages(reply, endpoint) if all_pages is not None else None
        if rest:
            if len(rest) >= MAX_PAGES:
                raise MalformedResponse(f"{owner}: the listing goes on past {MAX_PAGES} pages")
            pages += await _at_once(http, rest, check, told, keep)
            endpoint, reply = rest[-1], pages[-1]
        while (after := next_page(reply, endpoint, len(pages))) is not None:
            if len(pages) >= MAX_PAGES:
                raise MalformedResponse(f"{owner}: the listing goes on past {MAX_PAGES} pages")
            endpoint = after
            reply = await http.get(*endpoint, conditional=True, keep=keep)
            check(reply)
            told(reply)
            pages.append(reply)
        return pages
    raise NotFound(f"{owner}: no such organisation or user")


def _ignore(reply: Reply) -> None:
    pass


async def _at_once(
    http: HttpClient, endpoints: Sequence[Endpoint], check: Callable[[Reply], None],
    told: Callable[[Reply], None], keep: ListFields | None,
) -> list[Reply]:
    """The pages of *endpoints*, asked together, in order (each *told* as it comes); the first
    failure raises once every request has ended (none is left running unobserved)."""

    async def one(endpoint: Endpoint) -> Reply:
        reply = await http.get(*endpoint, conditional=True, keep=keep)
        check(reply)
        told(reply)
        return reply

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(endpoint)) for endpoint in endpoints]
    except ExceptionGroup as failed:  # a spent budget first: it decides deferral
        raise next((e for e in failed.exceptions if isinstance(e, Deferred)),
                   failed.exceptions[0]) from None
    return [task.result() for task in tasks]


async def _seen_first(
    http: HttpClient, endpoints: Sequence[Endpoint], keep: ListFields | None,
) -> list[Endpoint]:
    """The endpoints, those the cache holds an answer of first (where the owner was found)."""
    if http.cache is None:
        return list(endpoints)
    seen = [await http.cache.get(http.cache_key(*e, keep)) is not None for e in endpoints]
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
