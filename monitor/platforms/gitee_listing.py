"""Gitee: every repo an owner (organisation or user) holds, as one listing.

``/orgs/{org}/repos`` (a user's: ``/users/{user}/repos?type=personal``, the repos in the user's
own namespace), ``per_page=100``, paged by the ``total_page`` header (pages 2… asked at once;
without it, until a short page), every page conditional (:mod:`.listing`). A listed repo is
the same object as ``/repos/{owner}/{repo}`` (swagger: both are ``Project``), so it tells
stars, forks, watchers (real watchers on Gitee) and open issues (issues only: Gitee's PRs are
another kind) — what :func:`.gitee_json.repo_metrics` reads there. Open PRs, releases and
contributors are not in it.

Flags: ``fork``; ``private`` (or ``public: false``); archived when ``archived`` is true, or when
``status`` is ``关闭`` (closed: read-only), Gitee's nearest to GitHub's archive. The recorded
repo object has ``status`` absent and no ``archived`` key; the closed status is an assumption
from Gitee's repo settings (开始/暂停/关闭), nothing recorded confirms its spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from monitor.errors import MalformedResponse
from monitor.ids import OwnerId, RepoId
from monitor.platforms import gitee_json
from monitor.platforms.base import ListedRepo, OwnerListing, PageCallback, RepoSnapshot
from monitor.platforms.http import HttpClient, ListFields, Reply
from monitor.platforms.listing import Endpoint, read_listing

__all__ = ["CLOSED", "LISTED_FIELDS", "PER_PAGE", "list_owner", "listed_item"]

PER_PAGE = 100
#: The ``status`` of a closed (read-only) Gitee repo: taken as archived.
CLOSED = "关闭"


async def list_owner(
    http: HttpClient, owner: OwnerId, check: Callable[[Reply], None],
    on_page: PageCallback | None = None,
) -> OwnerListing:
    """The owner's whole listing, or what stopped it (NotFound when no such owner); each page
    told to *on_page* as it comes."""
    if owner.platform != "gitee":
        raise ValueError(f"{owner} is not a Gitee owner")
    login = quote(owner.owner, safe="")
    endpoints: list[Endpoint] = [
        (f"orgs/{login}/repos", {"per_page": PER_PAGE, "page": 1}),
        (f"users/{login}/repos", {"type": "personal", "per_page": PER_PAGE, "page": 1}),
    ]
    def parse(reply: Reply) -> list[ListedRepo]:
        return [listed_item(item, reply.url) for item in gitee_json.items(reply)]

    return OwnerListing(owner, await read_listing(http, owner, endpoints, _next_page, check,
                                                  _all_pages, parse, on_page, LISTED_FIELDS))


def _next_page(reply: Reply, endpoint: Endpoint, page: int) -> Endpoint | None:
    told = reply.header_int("total_page")
    more = page < told if told is not None else len(gitee_json.items(reply)) == PER_PAGE
    path, params = endpoint
    return (path, {**params, "page": page + 1}) if more else None


def _all_pages(reply: Reply, endpoint: Endpoint) -> list[Endpoint] | None:
    """Pages 2… of the first page's ``total_page``, when it tells one."""
    told = reply.header_int("total_page")
    if told is None:
        return None
    path, params = endpoint
    return [(path, {**params, "page": page}) for page in range(2, told + 1)]


#: What :func:`listed_item` reads of a listed repo (all the response cache keeps of a page).
LISTED_FIELDS = ListFields(frozenset({
    "id", "full_name", "path", "namespace", "created_at", "stargazers_count", "forks_count",
    "watchers_count", "open_issues_count", "fork", "archived", "status", "private", "public",
}))


def listed_item(item: Any, url: str) -> ListedRepo:
    """A listed repo: its identity (URL segments), the four counts it tells, its flags."""
    if not isinstance(item, dict):
        raise MalformedResponse(f"{url}: a listed repository is not an object")
    owner, name = _names(item, url)
    try:
        snapshot = RepoSnapshot(
            repo=RepoId("gitee", owner, name),
            platform_id=gitee_json.platform_id(item),
            owner=owner,
            name=name,
            created_at=gitee_json.time(item.get("created_at")),
            metrics=gitee_json.repo_metrics(item),
        )
    except MalformedResponse as exc:
        raise MalformedResponse(f"{url}: {exc}") from None
    return ListedRepo(
        snapshot,
        fork=item.get("fork") is True,
        archived=item.get("archived") is True or item.get("status") == CLOSED,
        private=item.get("private") is True or item.get("public") is False,
    )


def _names(item: Mapping[str, Any], url: str) -> tuple[str, str]:
    """The listed repo's OWNER/NAME (:func:`~monitor.platforms.gitee_json.url_names`)."""
    names = gitee_json.url_names(item)
    if names is not None:
        return names
    raise MalformedResponse(f"{url}: a listed repository has no OWNER/NAME")
