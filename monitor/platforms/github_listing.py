"""GitHub: every public repo an owner (organisation or user) holds, as one listing.

With a token, GraphQL ``repositoryOwner(login:) { repositories(first: 100, ...) }``: one query
per 100 repos reads of each what a batch reads (``RepoFields``: stars, forks, watchers, open
issues and PRs, releases and the newest few) plus ``isFork``/``isArchived``/``isPrivate``, so the
listing is the collection too; contributors stay on REST. ``privacy: PUBLIC`` and
``ownerAffiliations: [OWNER]`` keep the owner's own public repos; ``NAME`` order keeps the pages
stable. ``repositoryOwner`` is null for a login nobody holds. A page that times out (502/504,
charged) is asked again at half the size rather than re-sent whole.

Without a token, REST ``/orgs/{org}/repos`` (a user's: ``/users/{user}/repos``), ``per_page=100``
by ``full_name``, following Link (pages 2… up to ``rel="last"`` asked at once), every page
conditional (:mod:`.listing`): an unchanged listing
costs free 304s. A listed repo tells its stars and forks truly; its ``watchers_count`` is the star
count and its ``open_issues_count`` includes pull requests, so neither is taken.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from monitor.errors import Blocked, MalformedResponse, NotFound, Unauthorized, Unavailable
from monitor.ids import OwnerId, RepoId
from monitor.platforms import github_graphql as gql
from monitor.platforms import github_rest as rest
from monitor.platforms.base import (
    ListedRepo,
    OwnerListing,
    PageCallback,
    RepoSnapshot,
    RepoTarget,
)
from monitor.platforms.http import HttpClient, ListFields, Reply, last_page
from monitor.platforms.listing import Endpoint, read_listing, unique

__all__ = [
    "LISTED_FIELDS", "OWNER_PAGE", "OwnerLister", "listed_item", "owner_page", "owner_query",
]

log = logging.getLogger(__name__)

#: Repos a listing page holds: GitHub's connection and per_page limit.
OWNER_PAGE = 100
_TIMED_OUT = (502, 504)

_OWNER_QUERY = """\
query OwnerRepos($login: String!, $first: Int!, $after: String) {
  rateLimit { cost remaining resetAt limit }
  repositoryOwner(login: $login) {
    repositories(first: $first, after: $after, privacy: PUBLIC, ownerAffiliations: [OWNER],
                 orderBy: {field: NAME, direction: ASC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...RepoFields isFork isArchived isPrivate }
    }
  }
}
"""

#: POSTs a GraphQL payload (statuses in the second argument come back, not retried).
PostGraphQL = Callable[[dict[str, Any], Sequence[int]], Awaitable[Reply]]


def owner_query(recent: int = gql.RECENT_RELEASES) -> str:
    """The listing query: one page of an owner's public repos, each as a batch reads it."""
    return _OWNER_QUERY + gql.repo_fragments(recent)


class OwnerLister:
    """Lists owners for :class:`~monitor.platforms.github.GitHub`: over GraphQL when it has a
    token (*post* given), else over conditional REST."""

    def __init__(
        self, http: HttpClient, relative: Callable[[str], str], post: PostGraphQL | None,
        recent: int = gql.RECENT_RELEASES,
    ) -> None:
        self._http, self._relative, self._post = http, relative, post
        self._query = owner_query(recent)

    async def list_owner(
        self, owner: OwnerId, on_page: PageCallback | None = None,
    ) -> OwnerListing:
        if owner.platform != "github":
            raise ValueError(f"{owner} is not a GitHub owner")
        found = await (self._graphql(owner, on_page) if self._post is not None
                       else self._rest(owner, on_page))
        return OwnerListing(owner, unique(found))

    async def _graphql(self, owner: OwnerId, on_page: PageCallback | None) -> list[ListedRepo]:
        assert self._post is not None
        found: list[ListedRepo] = []
        after: str | None = None
        size = OWNER_PAGE
        while True:
            variables = {"login": owner.owner, "first": size, "after": after}
            reply = await self._post({"query": self._query, "variables": variables},
                                     _TIMED_OUT if size > 1 else ())
            if reply.status in _TIMED_OUT:
                size //= 2
                log.info("github listing page timed out owner=%s; asking %d repos", owner, size)
                continue
            rest.check_call(reply, "GraphQL")
            page, after = owner_page(owner, gql.answer(reply))
            found += page
            if on_page is not None:
                on_page(page)
            if after is None:
                return found

    async def _rest(self, owner: OwnerId, on_page: PageCallback | None) -> list[ListedRepo]:
        login = quote(owner.owner, safe="")
        endpoints: list[Endpoint] = [
            (f"orgs/{login}/repos", {"per_page": OWNER_PAGE, "sort": "full_name"}),
            (f"users/{login}/repos", {"per_page": OWNER_PAGE, "sort": "full_name",
                                      "type": "owner"}),
        ]

        def next_page(reply: Reply, _endpoint: Endpoint, _page: int) -> Endpoint | None:
            link = reply.links.get("next")
            return (self._relative(link), {}) if link is not None else None

        def all_pages(reply: Reply, _endpoint: Endpoint) -> list[Endpoint] | None:
            """Pages 2… up to Link's ``last``, from the ``next`` link (page 2)."""
            link, last = reply.links.get("next"), last_page(reply.headers.get("link"))
            if link is None or last is None or httpx.URL(link).params.get("page") != "2":
                return None
            url = httpx.URL(link)
            return [(self._relative(str(url.copy_set_param("page", page))), {})
                    for page in range(2, last + 1)]

        def check(reply: Reply) -> None:
            _check(reply, owner)

        def parse(reply: Reply) -> list[ListedRepo]:
            items = reply.json()
            if not isinstance(items, list):
                raise MalformedResponse(f"{reply.url}: the listing is not a JSON list")
            return [listed_item(item, reply.url) for item in items]

        return list(await read_listing(self._http, owner, endpoints, next_page, check,
                                       all_pages, parse, on_page, LISTED_FIELDS))


def owner_page(owner: OwnerId, body: Mapping[str, Any]) -> tuple[list[ListedRepo], str | None]:
    """One GraphQL listing page: its repos, and the cursor of the next (None: the last)."""
    node = body["data"].get("repositoryOwner")
    if node is None:
        raise NotFound(f"{owner}: no such organisation or user")
    try:
        connection = node["repositories"]
        nodes, info = connection["nodes"], connection["pageInfo"]
        cursor = info["endCursor"] if info["hasNextPage"] else None
        if cursor is not None and not isinstance(cursor, str):
            raise TypeError(f"endCursor as text, got {cursor!r}")
        if not isinstance(nodes, list):
            raise TypeError(f"nodes as a list, got {nodes!r}")
    except (KeyError, TypeError) as exc:
        raise MalformedResponse(f"{owner}: GraphQL listing lacks {exc}") from None
    found = []
    for item in nodes:
        if item is None:  # a repo the listing cannot show (blocked): not one to collect
            log.info("github listing owner=%s: one repository unreadable, skipped", owner)
            continue
        found.append(_listed_node(owner, item))
    return found, cursor


def _listed_node(owner: OwnerId, node: Any) -> ListedRepo:
    if not isinstance(node, dict) or not isinstance(node.get("nameWithOwner"), str):
        raise MalformedResponse(f"{owner}: a listed repository has no nameWithOwner")
    holder, _, name = node["nameWithOwner"].partition("/")
    snapshot = gql.parse_repository(RepoTarget(RepoId("github", holder, name)), node)
    fork, archived, private = (node.get(key) for key in ("isFork", "isArchived", "isPrivate"))
    if not (isinstance(fork, bool) and isinstance(archived, bool) and isinstance(private, bool)):
        raise MalformedResponse(f"{snapshot.repo}: listed without isFork/isArchived/isPrivate")
    return ListedRepo(snapshot, fork=fork, archived=archived, private=private)


#: What :func:`listed_item` reads of a REST listing's repo (all the response cache keeps).
LISTED_FIELDS = ListFields(frozenset({
    "id", "full_name", "created_at", "stargazers_count", "forks_count", "fork", "archived",
    "private",
}))


def listed_item(item: Any, url: str) -> ListedRepo:
    """A REST listing's repo: stars and forks (what it tells truly), flags, identity."""
    if not isinstance(item, dict):
        raise MalformedResponse(f"{url}: a listed repository is not an object")
    try:
        holder, _, name = rest.json_text(item["full_name"]).partition("/")
        if not holder or not name:
            raise ValueError(f"full_name as OWNER/NAME, got {item['full_name']!r}")
        snapshot = RepoSnapshot(
            repo=RepoId("github", holder, name),
            platform_id=rest.json_int(item["id"]),
            owner=holder,
            name=name,
            created_at=gql.parse_time(item.get("created_at")),
            metrics={"stars": rest.json_int(item["stargazers_count"]),
                     "forks": rest.json_int(item["forks_count"])},
        )
        return ListedRepo(snapshot, fork=_flag(item, "fork"), archived=_flag(item, "archived"),
                          private=_flag(item, "private"))
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(f"{url}: a listed repository lacks {exc}") from None


def _check(reply: Reply, owner: OwnerId) -> None:
    """Raise what a non-200 listing page means."""
    status = reply.status
    if status == 200:
        return
    text = rest.message(reply)
    if status == 401:
        raise Unauthorized(f"{owner}: the GitHub token was refused ({text})")
    if status == 404:
        raise NotFound(f"{owner}: no such organisation or user")
    if status in (403, 451):
        raise Blocked(f"{owner}: listing refused ({text})")
    raise Unavailable(f"{owner}: listing answered HTTP {status} ({text})")


def _flag(item: Mapping[str, Any], key: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise TypeError(f"{key} as true or false, got {value!r}")
    return value
