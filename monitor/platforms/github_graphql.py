"""GitHub GraphQL: the batch query and how to read its answer.

Why GraphQL when a token is at hand: one query of ~50 aliased ``repository`` fields costs a
point or two, where REST needs three requests per repo. It has no contributors, so those stay
on REST. The ``stargazers`` connection is never asked for: ``stargazerCount`` is free, the list
is what backfill pages through on REST. Backfill asks for that count alone
(:func:`star_count_query`): scalars only, so a batch costs one point.

A missing repo is an error entry (``type: NOT_FOUND``, ``path: [alias]``) while the other aliases
still answer; a spent budget is an HTTP 200 whose errors say ``RATE_LIMITED``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from monitor.errors import (
    Blocked,
    MalformedResponse,
    NotFound,
    PlatformError,
    RateLimited,
    Unavailable,
)
from monitor.platforms.base import Release, RepoResult, RepoSnapshot, RepoTarget
from monitor.platforms.http import Reply

__all__ = [
    "RECENT_RELEASES",
    "RELEASES_QUERY",
    "alias",
    "alias_errors",
    "answer",
    "batch_failure",
    "build_query",
    "json_object",
    "parse_repository",
    "parse_time",
    "rate_limited",
    "release_cursor",
    "release_page",
    "releases_of",
    "repo_fragments",
    "repo_result",
    "star_count_query",
    "star_counts",
    "variables",
]

#: Recent releases asked per repo: enough for a weekly report, cheap in nodes.
RECENT_RELEASES = 10

_REPO_FIELDS = """\
fragment RepoFields on Repository {
  databaseId
  nameWithOwner
  createdAt
  stargazerCount
  forkCount
  watchers { totalCount }
  issues(states: OPEN) { totalCount }
  pullRequests(states: OPEN) { totalCount }
  releases(first: %d, orderBy: {field: CREATED_AT, direction: DESC}) {
    ...ReleasePage
  }
}
"""

# ReleaseOrderField has CREATED_AT and NAME only: publication order is sorted client-side.
_RELEASE_PAGE = """\
fragment ReleasePage on ReleaseConnection {
  totalCount
  pageInfo { hasNextPage endCursor }
  nodes { tagName name publishedAt isPrerelease isDraft url }
}
"""

#: One repo's releases after a cursor: the batch showed only the newest few, and reading back
#: to the stored ones needs more (:mod:`monitor.platforms.releases`).
RELEASES_QUERY = """\
query Releases($owner: String!, $name: String!, $after: String) {
  rateLimit { cost remaining resetAt limit }
  repository(owner: $owner, name: $name) {
    releases(first: 100, after: $after, orderBy: {field: CREATED_AT, direction: DESC}) {
      ...ReleasePage
    }
  }
}
""" + _RELEASE_PAGE

_ALIAS_ERRORS: Mapping[str, type[PlatformError]] = {
    "NOT_FOUND": NotFound,
    "FORBIDDEN": Blocked,
}


def alias(index: int) -> str:
    return f"r{index}"


def build_query(count: int, recent: int = RECENT_RELEASES) -> str:
    """One query for ``count`` repos; owner and name travel as variables, never spliced in."""
    return _aliased("Repos", count, "...RepoFields") + repo_fragments(recent)


def repo_fragments(recent: int = RECENT_RELEASES) -> str:
    """The ``RepoFields`` fragment (what a batch reads of each repo, ``recent`` releases
    included) and the ``ReleasePage`` it spreads, for any query that reads repos."""
    if not 1 <= recent <= 100:
        raise ValueError("recent releases must be within 1..100 (GitHub's connection limit)")
    return _REPO_FIELDS % recent + _RELEASE_PAGE


def star_count_query(count: int) -> str:
    """The stars of ``count`` repos now, with their ids (to tell a name taken over by another
    repo): what backfill checks its stored history against."""
    return _aliased("Stars", count, "databaseId stargazerCount")


def _aliased(name: str, count: int, selection: str) -> str:
    """A query named *name* selecting *selection* of ``count`` aliased repos (:func:`alias`),
    their owners and names as the variables :func:`variables` gives."""
    params = ", ".join(f"$o{i}: String!, $n{i}: String!" for i in range(count))
    fields = "\n".join(
        f"  {alias(i)}: repository(owner: $o{i}, name: $n{i}) {{ {selection} }}"
        for i in range(count)
    )
    head = f"query {name}({params})" if count else f"query {name}"
    return f"{head} {{\n  rateLimit {{ cost remaining resetAt limit }}\n{fields}\n}}\n"


def variables(targets: Sequence[RepoTarget]) -> dict[str, str]:
    values: dict[str, str] = {}
    for i, target in enumerate(targets):
        values[f"o{i}"] = target.repo.owner
        values[f"n{i}"] = target.repo.name
    return values


def rate_limited(body: Mapping[str, Any]) -> bool:
    return any(e.get("type") == "RATE_LIMITED" for e in _errors(body))


def batch_failure(body: Mapping[str, Any]) -> PlatformError | None:
    """An error that spoils the whole batch (no ``data``), or None when aliases can be read."""
    if rate_limited(body):
        return RateLimited("github GraphQL rate limit spent")
    if isinstance(body.get("data"), dict):
        return None
    messages = "; ".join(str(e.get("message", "?")) for e in _errors(body)) or "no data"
    return MalformedResponse(f"github GraphQL query failed: {messages}")


def json_object(reply: Reply) -> dict[str, Any]:
    body = reply.json()
    if not isinstance(body, dict):
        raise MalformedResponse(f"{reply.url}: the GraphQL answer is not a JSON object")
    return body


def answer(reply: Reply) -> dict[str, Any]:
    """The body of an HTTP 200 answer whose aliases can be read; raises what spoils the batch."""
    body = json_object(reply)
    failure = batch_failure(body)
    if failure is not None:
        raise failure
    return body


def repo_result(
    target: RepoTarget, data: dict[str, Any], errors: dict[str, PlatformError], index: int,
) -> RepoResult:
    """What the batch says of its ``index``-th repo: a snapshot, or why there is none."""
    key = alias(index)
    node = data.get(key)
    if key in errors and node is None:
        error = errors[key]
        return RepoResult(target, error=type(error)(f"{target.repo}: {error}"))
    if node is None:
        return RepoResult(target, error=NotFound(f"{target.repo}: not found"))
    try:
        snapshot = parse_repository(target, node)
    except MalformedResponse as exc:
        return RepoResult(target, error=exc)
    if target.platform_id is not None and snapshot.platform_id != target.platform_id:
        return RepoResult(target, error=NotFound(
            f"{target.repo}: the name now belongs to a different repository "
            f"(id {snapshot.platform_id}, tracked id {target.platform_id})"))
    return RepoResult(target, snapshot=snapshot)


def star_counts(targets: Sequence[RepoTarget], data: Mapping[str, Any]) -> list[int | None]:
    """Each target's stars in a :func:`star_count_query` answer; ``None`` where the alias has no
    repository (not found, blocked), a strange count, or another repo than the tracked one."""
    found: list[int | None] = []
    for i, target in enumerate(targets):
        node = data.get(alias(i))
        try:
            if not isinstance(node, dict):
                raise TypeError("no repository")
            stars, db_id = _int(node["stargazerCount"]), _int(node["databaseId"])
        except (KeyError, TypeError):
            found.append(None)
            continue
        same = target.platform_id is None or db_id == target.platform_id
        found.append(stars if same else None)
    return found


def alias_errors(body: Mapping[str, Any]) -> dict[str, PlatformError]:
    """Per-alias errors, keyed by alias, typed after GitHub's ``type``."""
    found: dict[str, PlatformError] = {}
    for error in _errors(body):
        path = error.get("path")
        if not isinstance(path, list) or not path or not isinstance(path[0], str):
            continue
        kind = _ALIAS_ERRORS.get(str(error.get("type")), Unavailable)
        found.setdefault(path[0], kind(str(error.get("message", error.get("type", "error")))))
    return found


def parse_repository(target: RepoTarget, node: Any) -> RepoSnapshot:
    """A snapshot from one alias; raises MalformedResponse on a shape GitHub does not document."""
    if not isinstance(node, dict):
        raise MalformedResponse(f"{target.repo}: repository is not an object")
    try:
        owner, _, name = _str(node, "nameWithOwner").partition("/")
        releases = node["releases"]
        nodes = [n for n in releases["nodes"] if isinstance(n, dict)]
        drafts = sum(1 for n in nodes if n.get("isDraft"))
        recent, _ = release_page(releases)
        metrics = {
            "stars": _int(node["stargazerCount"]),
            "forks": _int(node["forkCount"]),
            "watchers": _int(node["watchers"]["totalCount"]),
            "open_issues": _int(node["issues"]["totalCount"]),
            "open_prs": _int(node["pullRequests"]["totalCount"]),
            # Drafts show only to tokens with push access; those on this page are known.
            "releases": max(_int(releases["totalCount"]) - drafts, 0),
        }
        return RepoSnapshot(
            repo=target.repo,
            platform_id=_int(node["databaseId"]),
            owner=owner,
            name=name,
            created_at=parse_time(node.get("createdAt")),
            metrics=metrics,
            releases=tuple(recent),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(f"{target.repo}: GraphQL repository lacks {exc}") from None


def release_page(connection: Any) -> tuple[list[Release], str | None]:
    """The published releases of one ``ReleasePage`` (drafts left out), and the cursor to
    read on from (None at the end of the list). Raises KeyError/TypeError on a strange shape."""
    nodes = [n for n in connection["nodes"] if isinstance(n, dict)]
    info = connection["pageInfo"]
    cursor = info["endCursor"] if info["hasNextPage"] else None
    if cursor is not None and not isinstance(cursor, str):
        raise TypeError(f"endCursor as text, got {cursor!r}")
    return [_release(n) for n in nodes if not n.get("isDraft")], cursor


def releases_of(target: RepoTarget, body: Mapping[str, Any]) -> tuple[list[Release], str | None]:
    """A :data:`RELEASES_QUERY` answer: one page of published releases and the next cursor."""
    node = body["data"].get("repository")
    if node is None:
        raise NotFound(f"{target.repo}: not found")
    try:
        return release_page(node["releases"])
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(f"{target.repo}: GraphQL releases lack {exc}") from None


def release_cursor(data: Mapping[str, Any], index: int) -> str | None:
    """Where the ``index``-th repo's release list goes on after the batch's first page."""
    node = data.get(alias(index))
    try:
        return release_page(node["releases"])[1] if isinstance(node, dict) else None
    except (KeyError, TypeError):
        return None


def parse_time(value: Any) -> datetime | None:
    """GitHub's ISO 8601 ``…Z`` timestamps as aware UTC datetimes."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"timestamp {value!r}")
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _release(node: Mapping[str, Any]) -> Release:
    return Release(
        tag=_str(node, "tagName"),
        name=node.get("name") or None,
        published_at=parse_time(node.get("publishedAt")),
        prerelease=bool(node.get("isPrerelease")),
        url=node.get("url"),
    )


def _errors(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    errors = body.get("errors")
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a number, got {value!r}")
    return value


def _str(node: Mapping[str, Any], key: str) -> str:
    value = node[key]
    if not isinstance(value, str) or not value:
        raise TypeError(f"{key} as text, got {value!r}")
    return value
