"""JSON shapes of GitHub REST answers (from the recordings in /work/shared/real-api/github)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from .state import FakeRepo, Request, iso_z

__all__ = [
    "ADMIN_ONLY_KEYS",
    "NO_UA",
    "PRIMARY_ANON",
    "PRIMARY_AUTH",
    "PRIMARY_DOCS",
    "SECONDARY",
    "SECONDARY_DOCS",
    "dmca_body",
    "link_header",
    "node_id",
    "owner_id",
    "repo_json",
    "star_weeks",
    "user_json",
]

PACIFIC = ZoneInfo("America/Los_Angeles")
NO_UA = (
    "Request forbidden by administrative rules. Please make sure your request has a User-Agent "
    "header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)."
    " Check https://developer.github.com for other possible causes.\n"
)
PRIMARY_ANON = (
    "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests "
    "get a higher rate limit. Check out the documentation for more details.)"
)
PRIMARY_AUTH = "API rate limit exceeded for user ID {uid}."
PRIMARY_DOCS = "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
    " If you reach out to GitHub Support for help, please include the request ID {rid}."
)
SECONDARY_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)
ADMIN_ONLY_KEYS = frozenset(
    {
        "temp_clone_token", "allow_squash_merge", "allow_merge_commit", "allow_rebase_merge",
        "allow_auto_merge", "delete_branch_on_merge", "allow_update_branch",
        "use_squash_pr_title_as_default", "squash_merge_commit_message",
        "squash_merge_commit_title", "merge_commit_message", "merge_commit_title",
        "security_and_analysis",
    }
)  # fmt: skip


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def user_json(login: str, uid: int, kind: str = "User", api: str = "") -> dict[str, Any]:
    u = f"{api}/users/{login}"
    return {
        "login": login, "id": uid, "node_id": node_id(kind, uid),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4", "gravatar_id": "",
        "url": u, "html_url": f"https://github.com/{login}", "followers_url": f"{u}/followers",
        "following_url": f"{u}/following{{/other_user}}", "gists_url": f"{u}/gists{{/gist_id}}",
        "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{u}/subscriptions", "organizations_url": f"{u}/orgs",
        "repos_url": f"{u}/repos", "events_url": f"{u}/events{{/privacy}}",
        "received_events_url": f"{u}/received_events", "type": kind,
        "user_view_type": "public", "site_admin": False,
    }  # fmt: skip


def repo_json(repo: FakeRepo, base: str, token: str | None) -> dict[str, Any]:
    r = f"{base}/repos/{repo.full_name}"
    html = f"https://github.com/{repo.full_name}"
    owner = user_json(repo.owner, owner_id(repo), repo.owner_type, base)
    pushed = repo.pushed_at or repo.last_modified
    urls = {
        key: f"{r}/{suffix}"
        for key, suffix in (
            ("forks_url", "forks"), ("keys_url", "keys{/key_id}"),
            ("collaborators_url", "collaborators{/collaborator}"), ("teams_url", "teams"),
            ("hooks_url", "hooks"), ("issue_events_url", "issues/events{/number}"),
            ("events_url", "events"), ("assignees_url", "assignees{/user}"),
            ("branches_url", "branches{/branch}"), ("tags_url", "tags"),
            ("blobs_url", "git/blobs{/sha}"), ("git_tags_url", "git/tags{/sha}"),
            ("git_refs_url", "git/refs{/sha}"), ("trees_url", "git/trees{/sha}"),
            ("statuses_url", "statuses/{sha}"), ("languages_url", "languages"),
            ("stargazers_url", "stargazers"), ("contributors_url", "contributors"),
            ("subscribers_url", "subscribers"), ("subscription_url", "subscription"),
            ("commits_url", "commits{/sha}"), ("git_commits_url", "git/commits{/sha}"),
            ("comments_url", "comments{/number}"),
            ("issue_comment_url", "issues/comments{/number}"),
            ("contents_url", "contents/{+path}"), ("compare_url", "compare/{base}...{head}"),
            ("merges_url", "merges"), ("archive_url", "{archive_format}{/ref}"),
            ("downloads_url", "downloads"), ("issues_url", "issues{/number}"),
            ("pulls_url", "pulls{/number}"), ("milestones_url", "milestones{/number}"),
            ("notifications_url", "notifications{?since,all,participating}"),
            ("labels_url", "labels{/name}"), ("releases_url", "releases{/id}"),
            ("deployments_url", "deployments"),
        )
    }  # fmt: skip
    stars, issues = repo.star_count, repo.open_issues + repo.open_prs
    out: dict[str, Any] = {
        "id": repo.id, "node_id": node_id("Repository", repo.id), "name": repo.name,
        "full_name": repo.full_name, "private": repo.private, "owner": owner, "html_url": html,
        "description": repo.description, "fork": repo.fork, "url": r,
        **urls,
        "created_at": iso_z(repo.created_at), "updated_at": iso_z(repo.last_modified),
        "pushed_at": iso_z(pushed), "git_url": f"git://github.com/{repo.full_name}.git",
        "ssh_url": f"git@github.com:{repo.full_name}.git", "clone_url": f"{html}.git",
        "svn_url": html, "homepage": None, "size": 0 if repo.empty else 1024,
        "stargazers_count": stars, "watchers_count": stars, "language": repo.language,
        "has_issues": True, "has_projects": True, "has_downloads": True, "has_wiki": True,
        "has_pages": False, "has_discussions": False, "forks_count": repo.forks,
        "mirror_url": None, "archived": repo.archived, "disabled": False,
        "open_issues_count": issues, "license": None, "allow_forking": True,
        "is_template": False, "web_commit_signoff_required": False, "topics": [],
        "visibility": "private" if repo.private else "public", "forks": repo.forks,
        "open_issues": issues,
        "watchers": stars, "default_branch": "main",
    }  # fmt: skip
    if token:
        out["permissions"] = {"admin": False, "maintain": False, "push": False,
                              "triage": False, "pull": True}  # fmt: skip
    out["custom_properties"] = {}
    if repo.owner_type == "Organization":
        out["organization"] = owner
    out["network_count"] = repo.forks
    out["subscribers_count"] = repo.watchers
    return out


def link_header(req: Request, page: int, last: int) -> str | None:
    """GitHub's Link: the request URL with ``page`` replaced (or appended), rels in its order."""

    def url(n: int) -> str:
        parts, replaced = [], False
        for key, value in req.query:
            if key == "page":
                if not replaced:
                    parts.append(f"page={n}")
                    replaced = True
                continue
            parts.append(f"{quote(key, safe='')}={quote(value, safe=',:+')}")
        if not replaced:
            parts.append(f"page={n}")
        return f"<{req.base_url}{req.path}?{'&'.join(parts)}>"

    rels = []
    if page > 1:
        rels.append(f'{url(min(page - 1, last))}; rel="prev"')
    if page < last:
        rels += [f'{url(page + 1)}; rel="next"', f'{url(last)}; rel="last"']
    if page > 1:
        rels.append(f'{url(1)}; rel="first"')
    return ", ".join(rels) or None


def star_weeks(
    times: list[datetime], created: datetime, now: datetime, *, label: str = "utc",
) -> list[dict[str, Any]]:
    """Weeks from the repo's creation week to now, newest first; ``days[i]`` counts the stars of
    the US Pacific day Sunday + i (daylight saving included). Each week is labelled with its
    Sunday: at 00:00 UTC of that date (``label="utc"``, as measured on github.com) or at Pacific
    midnight (``label="pacific"``, 07:00/08:00Z, also seen in a client's fixture)."""

    def week_start(moment: datetime) -> date:
        local = moment.astimezone(PACIFIC).date()
        return local - timedelta(days=(local.weekday() + 1) % 7)

    def stamp(sunday: date) -> int:
        zone = UTC if label == "utc" else PACIFIC
        return int(datetime(sunday.year, sunday.month, sunday.day, tzinfo=zone).timestamp())

    first = week_start(min([created, *times[:1]]))
    current = week_start(now)
    buckets: dict[date, list[int]] = {}
    day = first
    while day <= current:
        buckets[day] = [0] * 7
        day += timedelta(days=7)
    for when in times:
        start = week_start(when)
        if start in buckets:
            buckets[start][(when.astimezone(PACIFIC).date() - start).days] += 1
    return [
        {"week": stamp(start), "total": sum(days), "days": days}
        for start, days in sorted(buckets.items(), reverse=True)
    ]


def dmca_body(repo: FakeRepo) -> dict[str, Any]:
    return {
        "message": "Repository access blocked",
        "block": {
            "reason": "dmca",
            "created_at": iso_z(repo.last_modified),
            "html_url": f"https://github.com/github/dmca/blob/master/{repo.name}.md",
        },
    }


def owner_id(repo: FakeRepo) -> int:
    return 100000 + sum(map(ord, repo.owner.lower())) * 97
