"""GitHub REST: what its JSON and status codes mean for one repo.

Kept apart from :mod:`monitor.platforms.github` so the traps are in one small place:
``watchers_count`` is stars (watchers are ``subscribers_count``), ``open_issues_count`` counts
pull requests too, drafts never belong to the published releases, and a list asked one item per
page tells its length in the Link header's last page.

Star history (``GET /repos/{o}/{r}/stargazers/history``, 2026-09; /tmp research notes, measured
by ghchronicle): an array of ``{"week", "total", "days": [7]}``, newest week first, 30 weeks a
page at most, back to the repo's creation week. ``week`` labels a Sunday (00:00Z, sometimes
Pacific midnight: only its UTC date counts) and ``days[i]`` is Sunday + i *in Los Angeles*; the
counts are stars still present, on the day they were given; later days of the current week are
zero placeholders.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from monitor.errors import (
    Blocked,
    EmptyRepository,
    MalformedResponse,
    NotFound,
    Unauthorized,
    Unavailable,
)
from monitor.platforms.base import Budget, HistoryPage, Release, RepoSnapshot, RepoTarget
from monitor.platforms.github_graphql import parse_time
from monitor.platforms.http import Reply, last_page

__all__ = [
    "HISTORY_PER_PAGE",
    "check",
    "check_call",
    "check_history",
    "count",
    "json_int",
    "json_text",
    "message",
    "rate_limits",
    "release_list",
    "repo_object",
    "repository",
    "star_history",
]

#: Weeks on a star-history page: the default and also the cap (a larger per_page is cut to 30).
HISTORY_PER_PAGE = 30


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


def check_call(reply: Reply, call: str) -> None:
    """Raise what a non-200 answer to an API-wide call (GraphQL, ``/rate_limit``) means."""
    if reply.status == 401:
        raise Unauthorized(f"the GitHub token was refused ({message(reply)})")
    if reply.status != 200:
        raise Unavailable(f"github {call} answered HTTP {reply.status} ({message(reply)})")


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
        owner, _, name = json_text(body["full_name"]).partition("/")
        snapshot = RepoSnapshot(
            repo=target.repo,
            platform_id=json_int(body["id"]),
            owner=owner,
            name=name,
            created_at=parse_time(body.get("created_at")),
            metrics={
                "stars": json_int(body["stargazers_count"]),
                "forks": json_int(body["forks_count"]),
                "watchers": json_int(body["subscribers_count"]),
                "open_issues": json_int(body["open_issues_count"]),  # PRs included, for now
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
        tag=json_text(item["tag_name"]),
        name=item.get("name") or None,
        published_at=parse_time(item["published_at"]),
        prerelease=bool(item.get("prerelease")),
        url=item.get("html_url"),
    )


def json_int(value: Any) -> int:
    """A JSON integer (a bool is not one); TypeError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a number, got {value!r}")
    return value


def json_text(value: Any) -> str:
    """A non-empty JSON string; TypeError otherwise."""
    if not isinstance(value, str) or not value:
        raise TypeError(f"text, got {value!r}")
    return value


# ------------------------------------------------------------------------------ star history


def check_history(reply: Reply, target: RepoTarget, page: int) -> None:
    """Raise what a non-200 star-history answer means (a throttling 403/429 never gets here:
    the HTTP layer retries it or raises RateLimited)."""
    status, text = reply.status, message(reply)
    if status == 200:
        return
    if status == 404:
        raise NotFound(f"{target.repo}: star history not available (404: the repository is "
                       f"unreadable, or the server has no such endpoint, as GitHub Enterprise)")
    if status == 410:
        raise NotFound(f"{target.repo}: star history not available (410: {text})")
    if status == 403:
        raise Blocked(f"{target.repo}: star history refused (403: {text})")
    if status == 422:
        raise Unavailable(f"{target.repo}: star history refused at page {page} (422: {text})")
    if status == 202:
        raise Unavailable(f"{target.repo}: star history is being computed (202); ask again later")
    check(reply, target)


def star_history(reply: Reply, target: RepoTarget, page: int, today: date) -> HistoryPage:
    """One page of weeks as stars per Los Angeles day, up to ``today`` (an LA date): zero days
    are kept, so the page tells which days it covers; later days are placeholders, dropped."""
    body = reply.json() if reply.body else []
    if not isinstance(body, list):
        raise MalformedResponse(f"{target.repo}: the star history is not a JSON list")
    days: dict[date, int] = {}
    for week in body:
        sunday, counts = _history_week(week, target)
        for offset, stars in enumerate(counts):
            day = sunday + timedelta(days=offset)
            if day > today:
                break
            if day in days:
                raise MalformedResponse(f"{target.repo}: the star history repeats {day}")
            days[day] = stars
    rels = reply.links
    last = len(body) < HISTORY_PER_PAGE or (bool(rels) and "next" not in rels)
    pages = last_page(reply.headers.get("link"))
    if pages is None and last and body:
        pages = page
    return HistoryPage(page=page, days=days, last=last, pages=pages, from_cache=reply.from_cache)


def _history_week(week: Any, target: RepoTarget) -> tuple[date, list[int]]:
    """(its Sunday, its 7 counts). The label's UTC date is the Sunday: labels are 00:00Z, or
    07:00/08:00Z (Pacific midnight), both on that date."""
    if not isinstance(week, dict):
        raise MalformedResponse(f"{target.repo}: a star-history week is not an object")
    try:
        start = json_int(week["week"])
        counts = week["days"]
        if not isinstance(counts, list) or len(counts) != 7:
            raise TypeError(f"7 days, got {counts!r}")
        counts = [json_int(n) for n in counts]
        total = json_int(week["total"]) if "total" in week else sum(counts)
    except (KeyError, TypeError) as exc:
        raise MalformedResponse(f"{target.repo}: a star-history week lacks {exc}") from None
    if any(n < 0 for n in counts):
        raise MalformedResponse(f"{target.repo}: a star-history week has a negative count")
    if total != sum(counts):
        raise MalformedResponse(
            f"{target.repo}: a star-history week's total {total} is not the sum of its days "
            f"{sum(counts)}")
    try:
        sunday = datetime.fromtimestamp(start, UTC).date()
    except (OverflowError, OSError, ValueError):
        raise MalformedResponse(f"{target.repo}: star-history week {start} is no time") from None
    if sunday.weekday() != 6:
        raise MalformedResponse(f"{target.repo}: star-history week {start} is not a Sunday")
    return sunday, counts


# -------------------------------------------------------------------------------- rate limit


def rate_limits(reply: Reply, resources: tuple[str, ...]) -> list[Budget]:
    """The budgets of ``resources`` in a /rate_limit body (``resources.core`` …): fresher and
    more complete than its headers, which describe core alone."""
    body = reply.json()
    found = body.get("resources") if isinstance(body, dict) else None
    if not isinstance(found, dict):
        raise MalformedResponse(f"{reply.url}: no resources in the rate-limit answer")
    budgets = []
    for name in resources:
        entry = found.get(name)
        if entry is None:
            continue
        try:
            reset = json_int(entry["reset"])
            budgets.append(Budget(
                limit=json_int(entry["limit"]), remaining=json_int(entry["remaining"]),
                reset_at=datetime.fromtimestamp(reset, UTC), resource=name,
            ))
        except (KeyError, TypeError, OverflowError, OSError, ValueError) as exc:
            raise MalformedResponse(f"{reply.url}: the {name} budget lacks {exc}") from None
    return budgets
