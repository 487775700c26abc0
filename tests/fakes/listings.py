"""The listings of an owner's repos, as each fake platform pages them.

GitHub REST (documented: "List organization repositories", "List repositories for a user"):

* ``/orgs/{org}/repos``: 404 for a user. ``type`` all (default) | public | private | forks |
  sources | member; ``sort`` created (default) | updated | pushed | full_name; ``direction``
  asc for full_name, else desc by default.
* ``/users/{user}/repos``: any owner (GitHub serves an organisation's repos here too); ``type``
  owner (default) | all | member; ``sort`` full_name by default.
* ``per_page`` (default 30, at most 100), ``page``, a Link header; each item is the whole repo
  object (``private``, ``fork``, ``archived`` flags). A private repo shows only to a token among
  its ``readers``. Conditional like every REST answer (an unchanged page is a free 304).

Gitee v5 (``/orgs/{org}/repos``: ``type`` all | public | private; ``/users/{user}/repos``:
``type`` all | owner | personal | member | public | private, ``sort``, ``direction``):
``page``/``per_page`` (default 20, at most 100), ``total_count``/``total_page`` headers; the
users endpoint answers 404 for an organisation and the orgs one 404 for a user.

GraphQL's ``repositoryOwner(login:)`` lives in :mod:`.github_graphql`, over :func:`owner_repos`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .repos import FakeRepo
from .state import Request, Response

if TYPE_CHECKING:
    from .gitee import FakeGitee
    from .github import FakeGitHub

__all__ = ["gitee_owner_repos", "github_owner_repos", "owner_repos"]

_ORG = re.compile(r"^/orgs/([^/]+)/repos/?$")
_USER = re.compile(r"^/users/([^/]+)/repos/?$")


def owner_repos(
    repos: list[FakeRepo], *, kind: str = "all", sort: str = "id", descending: bool = False,
) -> list[FakeRepo]:
    """An owner's visible repos filtered by a listing's ``type`` and in its order."""
    if kind == "public":
        repos = [r for r in repos if not r.private]
    elif kind == "private":
        repos = [r for r in repos if r.private]
    elif kind == "forks":
        repos = [r for r in repos if r.fork]
    elif kind == "sources":
        repos = [r for r in repos if not r.fork]
    keys: dict[str, Any] = {
        "full_name": lambda r: r.full_name.lower(),
        "name": lambda r: r.name.lower(),
        "created": lambda r: (r.created_at, r.id),
        "updated": lambda r: (r.last_modified, r.id),
        "pushed": lambda r: (r.pushed_at or r.last_modified, r.id),
        "stars": lambda r: (r.star_count, r.id),
    }
    return sorted(repos, key=keys.get(sort, lambda r: r.id), reverse=descending)


def github_owner_repos(fake: FakeGitHub, req: Request) -> Response | None:
    """The answer to a GitHub REST listing request, or None when *req* is not one."""
    org, user = _ORG.match(req.path), _USER.match(req.path)
    match = org or user
    if match is None:
        return None
    login = match[1]
    kind = fake.owner_kind(login)
    if kind is None or (org is not None and kind != "Organization"):
        return fake.error(req, 404, {"message": "Not Found",
                                     "documentation_url": "https://docs.github.com/rest"})
    token, _ = fake.token_of(req)
    default_sort = "created" if org is not None else "full_name"
    sort = req.param("sort") or default_sort
    direction = req.param("direction") or ("asc" if sort == "full_name" else "desc")
    listed = owner_repos(fake.owned(login, token), kind=req.param("type") or "all",
                         sort=sort, descending=direction == "desc")
    from .github_shapes import repo_json

    return fake.page(req, listed, draw=lambda r: repo_json(r, req.base_url, token))


def gitee_owner_repos(fake: FakeGitee, req: Request, token: str | None) -> Response | None:
    """The answer to a Gitee listing request, or None when *req* is not one."""
    org, user = _ORG.match(req.path), _USER.match(req.path)
    match = org or user
    if match is None:
        return None
    login = match[1]
    kind = fake.owner_kind(login)
    wanted = "Organization" if org is not None else "User"
    if kind != wanted:
        message = "Not Found" if org is not None else "Not Found User"
        return fake.reply(404, {"message": message})
    sort = req.param("sort") or ("full_name" if user is not None else "id")
    listed = owner_repos(fake.owned(login, token), kind=req.param("type") or "all",
                         sort=sort, descending=req.param("direction") == "desc")
    return fake.paged(req, listed, lambda r: fake.repo_json(r, req.base_url))
