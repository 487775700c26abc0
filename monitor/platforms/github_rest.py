"""GitHub REST: what its JSON and status codes mean for one repo.

Kept apart from :mod:`monitor.platforms.github` so the traps are in one small place:
``watchers_count`` is stars (watchers are ``subscribers_count``), ``open_issues_count`` counts
pull requests too, drafts never belong to the published releases, and a list asked one item per
page tells its length in the Link header's last page.
"""

from __future__ import annotations

import re
from typing import Any

from monitor.errors import (
    Blocked,
    EmptyRepository,
    MalformedResponse,
    NotFound,
    Unauthorized,
    Unavailable,
)
from monitor.platforms.base import Release, RepoSnapshot, RepoTarget
from monitor.platforms.github_graphql import parse_time
from monitor.platforms.http import Reply, last_page

__all__ = ["check", "count", "message", "next_link", "release_list", "repo_object", "repository"]

_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="next"')


def check(reply: Reply, target: RepoTarget) -> None:
    """Raise the error a non-200 answer means for this repo."""
    status = reply.status
    if status == 200:
        return
    text = message(reply)
    if status == 401:
        raise Unauthorized(f"{target.repo}: the GitHub token was refused ({text})")
    if status == 404:
        raise NotFound(f"{target.repo}: not found (deleted, private, or never existed)")
    if status == 451:
        raise Blocked(f"{target.repo}: blocked for legal reasons ({_block_reason(reply)})")
    if status == 403:
        raise Blocked(f"{target.repo}: access refused ({text})")
    if status == 409:
        raise EmptyRepository(f"{target.repo}: {text}")
    raise Unavailable(f"{target.repo}: unexpected HTTP {status} ({text})")


def message(reply: Reply) -> str:
    try:
        body = reply.json()
    except MalformedResponse:
        return f"HTTP {reply.status}"
    text = body.get("message") if isinstance(body, dict) else None
    return str(text) if text else f"HTTP {reply.status}"


def _block_reason(reply: Reply) -> str:
    try:
        body = reply.json()
    except MalformedResponse:
        body = None
    block = body.get("block") if isinstance(body, dict) else None
    reason = block.get("reason") if isinstance(block, dict) else None
    url = block.get("html_url") if isinstance(block, dict) else None
    parts = [str(reason or message(reply))] + ([str(url)] if url else [])
    return ", ".join(parts)


def repo_object(reply: Reply, target: RepoTarget) -> dict[str, Any]:
    body = reply.json()
    if not isinstance(body, dict):
        raise MalformedResponse(f"{target.repo}: the repository is not a JSON object")
    return body


def repository(target: RepoTarget, body: dict[str, Any]) -> RepoSnapshot:
    """The repo object; ``subscribers_count`` is watchers (``watchers_count`` is stars)."""
    try:
        owner, _, name = _text(body["full_name"]).partition("/")
        snapshot = RepoSnapshot(
            repo=target.repo,
            platform_id=_number(body["id"]),
            owner=owner,
            name=name,
            created_at=parse_time(body.get("created_at")),
            metrics={
                "stars": _number(body["stargazers_count"]),
                "forks": _number(body["forks_count"]),
                "watchers": _number(body["subscribers_count"]),
                "open_issues": _number(body["open_issues_count"]),  # PRs included, for now
            },
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(f"{target.repo}: the repository lacks {exc}") from None
    if not name:
        raise MalformedResponse(f"{target.repo}: full_name is not OWNER/NAME")
    if target.platform_id is not None and snapshot.platform_id != target.platform_id:
        raise NotFound(f"{target.repo}: the name now belongs to a different repository "
                       f"(id {snapshot.platform_id}, tracked id {target.platform_id})")
    return snapshot


def count(reply: Reply) -> int:
    """Items in a list asked with per_page=1: the last page's number, else what came back."""
    last = last_page(reply.headers.get("link"))
    if last is not None:
        return last
    if reply.status == 204 or not reply.body:
        return 0
    body = reply.json()
    if not isinstance(body, list):
        raise MalformedResponse(f"{reply.url}: expected a JSON list")
    return len(body)


def release_list(reply: Reply, target: RepoTarget) -> list[Release | None]:
    """Releases of one page; None stands for a draft (never counted, never listed)."""
    body = reply.json() if reply.body else []
    if not isinstance(body, list):
        raise MalformedResponse(f"{target.repo}: releases are not a JSON list")
    try:
        return [_release(item) for item in body]
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(f"{target.repo}: a release lacks {exc}") from None


def _release(item: dict[str, Any]) -> Release | None:
    if item.get("draft") or item.get("published_at") is None:
        return None
    return Release(
        tag=_text(item["tag_name"]),
        name=item.get("name") or None,
        published_at=parse_time(item["published_at"]),
        prerelease=bool(item.get("prerelease")),
        url=item.get("html_url"),
    )


def next_link(link: str | None) -> str | None:
    for part in (link or "").split(","):
        match = _NEXT.search(part)
        if match:
            return match[1]
    return None


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a number, got {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"text, got {value!r}")
    return value
