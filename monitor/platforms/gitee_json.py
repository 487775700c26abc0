"""Gitee API v5 JSON: what its answers mean, as pure functions (no HTTP, no state).

Kept apart from :mod:`.gitee` so the client reads as the sequence of requests it makes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from monitor.errors import Deferred, MalformedResponse
from monitor.ids import RepoId
from monitor.platforms.base import Release, Stargazer
from monitor.platforms.http import Reply

_BEIJING = timezone(timedelta(hours=8))  # Gitee's own offset, for a time without one


def repo_path(owner: str, name: str) -> str:
    return f"repos/{quote(owner, safe='')}/{quote(name, safe='')}"


def message(body: bytes) -> str:
    """Gitee's ``{"message": …}``, shortened; empty when the body is not that."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return message[:200] if isinstance(message, str) else ""


def items(reply: Reply) -> list[Any]:
    data = reply.json()
    if not isinstance(data, list):
        raise MalformedResponse(f"{reply.url}: expected a list")
    return data


def count_field(data: Mapping[str, Any], key: str) -> int | None:
    """A count the repo object gave, None when it gave none (never a made-up 0)."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedResponse(f"{key} is not a count: {value!r}")
    return value


def repo_metrics(data: Mapping[str, Any]) -> dict[str, int]:
    fields = {
        "stars": "stargazers_count",
        "forks": "forks_count",
        "watchers": "watchers_count",  # real watchers on Gitee
        "open_issues": "open_issues_count",  # issues only: Gitee PRs are not issues
    }
    found = {metric: count_field(data, key) for metric, key in fields.items()}
    return {metric: value for metric, value in found.items() if value is not None}


def platform_id(data: Mapping[str, Any]) -> int:
    value = data.get("id")
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedResponse(f"repository id missing or not a number: {value!r}")
    return value


def url_names(data: Mapping[str, Any]) -> tuple[str, str] | None:
    """A repo object's URL segments (``namespace.path``/``path``, which ``name`` is not), else
    its ``full_name`` split; None when it tells neither."""
    namespace = data.get("namespace")
    owner = namespace.get("path") if isinstance(namespace, dict) else None
    path = data.get("path")
    if isinstance(owner, str) and owner and isinstance(path, str) and path:
        return owner, path
    full = data.get("full_name")
    if isinstance(full, str) and full.count("/") == 1 and all(full.split("/")):
        first, second = full.split("/")
        return first, second
    return None


def current_name(data: Mapping[str, Any], asked: RepoId) -> tuple[str, str]:
    """The repo's name as the platform spells it now (:func:`url_names`), else as asked."""
    return url_names(data) or (asked.owner, asked.name)


def time(value: Any) -> datetime | None:
    """Gitee's ISO times (+08:00) as aware UTC; a time without an offset is Beijing time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedResponse(f"not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_BEIJING)
    return moment.astimezone(UTC)


def stargazer(item: Any, url: str) -> Stargazer:
    """A stargazer list item: the user's id and its ``star_at``."""
    given = time(item.get("star_at")) if isinstance(item, dict) else None
    if given is None:
        raise MalformedResponse(f"{url}: a stargazer without star_at")
    uid = item.get("id")
    if isinstance(uid, bool) or not isinstance(uid, int):
        raise MalformedResponse(f"{url}: a stargazer without a numeric id")
    return Stargazer(uid, given)


def release(item: Any, web: str) -> Release:
    if not isinstance(item, dict) or not isinstance(item.get("tag_name"), str):
        raise MalformedResponse("a release without a tag_name")
    tag = item["tag_name"]
    name = item.get("name")
    return Release(
        tag=tag,
        name=name if isinstance(name, str) and name else None,
        published_at=time(item.get("created_at")),  # Gitee has no drafts: created = published
        prerelease=item.get("prerelease") is True,
        url=f"{web}/releases/tag/{quote(tag, safe='')}",
    )


def most_telling(failed: ExceptionGroup[Exception]) -> Exception:
    """Of sibling failures, a deferral (a spent budget, an unreachable host) wins: it changes what
    happens to other repos."""
    flat: list[Exception] = []
    stack: list[BaseException] = [failed]
    while stack:
        error = stack.pop()
        if isinstance(error, BaseExceptionGroup):
            stack.extend(reversed(error.exceptions))
        elif isinstance(error, Exception):
            flat.append(error)
    return next((e for e in flat if isinstance(e, Deferred)), flat[0])


_THROTTLE_WORDS = ("rate limit", "too many", "频繁", "限流")


def is_throttling(status: int, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether a 403/429 is Gitee asking us to slow down (rather than refusing the repo)."""
    if status == 429:
        return True
    if status != 403:
        return False
    if headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers:
        return True
    text = message(body).lower()
    return any(word in text for word in _THROTTLE_WORDS)
