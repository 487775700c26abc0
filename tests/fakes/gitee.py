"""Fake Gitee API v5 (``/gitee/api/v5``), modelled on what public sources show of the real one.

* Auth: ``access_token`` query parameter (an ``Authorization: Bearer``/``token`` header is also
  accepted); none means anonymous.
* Lists (releases, pulls, stargazers) take ``page`` / ``per_page`` (default 20, clamped to
  1..100) and answer ``total_count`` and ``total_page`` headers; no Link header.
* ``/contributors`` has no paging at all (swagger: only ``type`` = committers|authors): the whole
  list of git identities ``{email, name, contributions}`` in one answer, no total headers.
* ``/stargazers``: oldest star first (scripts read page 1 / per_page 1 as the first star),
  items are user objects plus ``star_at`` (+08:00); nothing documents the order, so the fake
  can turn it round. A withdrawn star is gone and every later item moves up one place.
* ``/releases``: ascending by creation unless ``direction=desc``; no drafts, no published_at.
* Errors are ``{"message": ...}``; a missing or private repo is 404 "Not Found Project".
  A renamed repo's old path is a plain 404 (the v5 API has no lookup by id, no redirect).
* Owners' listings ``/orgs/{org}/repos`` and ``/users/{user}/repos``: :mod:`.listings`. A repo's
  ``private``/``public``, ``fork`` and ``status`` (``关闭`` when archived) follow its FakeRepo.
* Gitee documents no rate limit and sends no ``x-ratelimit-*`` headers; the fake keeps an hourly
  budget (``anon_limit`` / ``token_limit``) and answers 403 ``{"message": "Rate Limit
  Exceeded"}`` when it is spent. ``throttle_next`` gives 429 or 403 throttling bursts.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from .listings import gitee_owner_repos
from .state import FakePlatform, FakeRepo, Fault, Request, Response, etag_matches, paging

__all__ = ["FakeGitee"]

CST = timezone(timedelta(hours=8))
_REPO_PATH = re.compile(r"^/repos/([^/]+)/([^/]+)(/[a-z_]+)?/?$")
GITEE = "https://gitee.com"
_CACHE_OK = "max-age=0, private, must-revalidate"


def cst(moment: datetime) -> str:
    return moment.astimezone(CST).isoformat(timespec="seconds")


def gitee_user(login: str, uid: int, api: str) -> dict[str, Any]:
    u = f"{api}/users/{login}"
    return {
        "id": uid, "login": login, "name": login.title(),
        "avatar_url": "https://gitee.com/assets/no_portrait.png", "url": u,
        "html_url": f"{GITEE}/{login}", "remark": "", "followers_url": f"{u}/followers",
        "following_url": f"{u}/following_url{{/other_user}}",
        "gists_url": f"{u}/gists{{/gist_id}}", "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{u}/subscriptions", "organizations_url": f"{u}/orgs",
        "repos_url": f"{u}/repos", "events_url": f"{u}/events{{/privacy}}",
        "received_events_url": f"{u}/received_events", "type": "User", "site_admin": False,
    }  # fmt: skip


class FakeGitee(FakePlatform):
    """The fake Gitee. Switches: ``bad_tokens``, ``fail_next``, ``malformed_next``,
    ``throttle_next``; budgets via ``budget()`` / ``set_budget()``;
    ``stargazers_newest_first`` turns the stargazer list round (its order is undocumented)."""

    platform = "gitee"
    stargazers_newest_first = False

    def throttle_next(
        self, n: int = 1, status: int = 429, retry_after: int | None = None,
        path_pattern: str | None = None,
    ) -> None:  # fmt: skip
        """The next ``n`` matching requests are throttled (429, or 403 with a message)."""
        pattern = re.compile(path_pattern) if path_pattern else None
        self._add_fault(Fault("throttle", n, status, pattern, retry_after))

    def token_of(self, req: Request) -> str | None:
        token = req.param("access_token")
        if token:
            return token
        scheme, _, value = req.headers.get("authorization", "").partition(" ")
        return value.strip() or None if scheme.lower() in ("bearer", "token") else None

    def reply(self, status: int, obj: Any, extra: Iterable[tuple[str, str]] = ()) -> Response:
        body = json.dumps(obj, ensure_ascii=False).encode()
        headers = [
            ("content-type", "application/json"),
            ("x-request-id", uuid.uuid4().hex),
            ("x-runtime", "0.012345"),
            ("cache-control", "no-cache" if status >= 300 else _CACHE_OK),
            *extra,
        ]  # fmt: skip
        return Response(status, body, headers)

    def handle(self, req: Request) -> Response:
        token = self.token_of(req)
        if token is not None and token in self.bad_tokens:
            return self.reply(401, {"message": "401 Unauthorized: Access token does not exist"})
        fault = self.take_fault(("5xx", "throttle"), req.path)
        if fault is not None and fault.kind == "5xx":
            if fault.status == 502:
                html = b"<html><head><title>502 Bad Gateway</title></head></html>"
                return Response(502, html, [("content-type", "text/html")])
            return self.reply(fault.status, {"message": "500 Internal Server Error"})
        if fault is not None:
            extra = [("retry-after", str(fault.retry_after))] if fault.retry_after else []
            msg = "Too Many Requests" if fault.status == 429 else "Rate Limit Exceeded"
            return self.reply(fault.status, {"message": msg}, extra)
        with self.lock:
            budget = self.budget(token)
            if budget.remaining <= 0:
                return self.reply(403, {"message": "Rate Limit Exceeded"})
            budget.used += 1
            resp = self._route(req, token)
        if resp.status == 200:
            etag = 'W/"' + hashlib.md5(resp.body).hexdigest() + '"'
            resp.headers.append(("etag", etag))
            if etag_matches(req.headers.get("if-none-match"), etag):
                return Response(304, b"", [h for h in resp.headers if h[0] != "content-type"])
            if self.take_fault(("malformed",), req.path) is not None:
                resp.body = resp.body[: max(len(resp.body) // 2, 1)]
        return resp

    def _route(self, req: Request, token: str | None) -> Response:
        listing = gitee_owner_repos(self, req, token) if req.method == "GET" else None
        if listing is not None:
            return listing
        m = _REPO_PATH.match(req.path)
        if req.method != "GET" or not m:
            return self.reply(404, {"message": "Not Found"})
        repo, renamed = self.resolve(m.group(1), m.group(2))
        if repo is None or renamed or not repo.visible_to(token):
            return self.reply(404, {"message": "Not Found Project"})
        if repo.blocked:
            return self.reply(403, {"message": "403 Forbidden"})
        api = req.base_url
        sub = m.group(3) or ""
        if sub == "":
            return self.reply(200, self.repo_json(repo, api))
        if sub == "/contributors":
            return self.reply(200, self._contributors(repo))
        lists = {
            "/releases": self._releases,
            "/pulls": self._pulls,
            "/stargazers": self._stargazers,
        }
        build = lists.get(sub)
        if build is None:
            return self.reply(404, {"message": "Not Found"})
        items = build(req, repo)
        if sub == "/stargazers":  # users are drawn for the page only: lists can be long
            return self.paged(req, items, lambda item: self._stargazer(req, *item))
        return self.paged(req, items)

    def paged(
        self, req: Request, items: list[Any], draw: Callable[[Any], Any] | None = None,
    ) -> Response:
        """One page of a list (``page``, ``per_page`` 20 by default, 100 at most) with its
        ``total_count`` and ``total_page`` headers; *draw* makes each item shown of its entry."""
        per_page = min(max(req.int_param("per_page", 20), 1), 100)
        page = max(req.int_param("page", 1), 1)
        start, stop, _last = paging(len(items), page, per_page)
        total_page = (len(items) + per_page - 1) // per_page
        extra = [("total_count", str(len(items))), ("total_page", str(total_page)),
                 ("access-control-expose-headers", "total_count, total_page")]  # fmt: skip
        shown = items[start:stop]
        return self.reply(200, [draw(i) for i in shown] if draw else shown, extra)

    # -- resources -----------------------------------------------------------------------
    def repo_json(self, repo: FakeRepo, api: str) -> dict[str, Any]:
        path = repo.full_name
        r = f"{api}/repos/{path}"
        owner = gitee_user(repo.owner.lower(), 1300000 + repo.id % 99991, api)
        return {
            "id": repo.id, "full_name": path, "human_name": f"{repo.owner}/{repo.name}",
            "url": r,
            "namespace": {"id": 1355416 + repo.id % 1000,
                          "type": "group" if repo.owner_type == "Organization" else "personal",
                          "name": repo.owner, "path": repo.owner.lower(),
                          "html_url": f"{GITEE}/{repo.owner.lower()}"},
            "path": repo.name, "name": repo.name, "owner": owner,
            "assigner": owner, "description": repo.description or "", "private": repo.private,
            "public": not repo.private, "internal": False, "fork": repo.fork,
            "html_url": f"{GITEE}/{path}.git", "ssh_url": f"git@gitee.com:{path}.git",
            "forks_url": f"{r}/forks", "keys_url": f"{r}/keys{{/key_id}}",
            "collaborators_url": f"{r}/collaborators{{/collaborator}}",
            "hooks_url": f"{r}/hooks", "branches_url": f"{r}/branches{{/branch}}",
            "tags_url": f"{r}/tags", "blobs_url": f"{r}/blobs{{/sha}}",
            "stargazers_url": f"{r}/stargazers", "contributors_url": f"{r}/contributors",
            "commits_url": f"{r}/commits{{/sha}}", "comments_url": f"{r}/comments{{/number}}",
            "issue_comment_url": f"{r}/issues/comments{{/number}}",
            "issues_url": f"{r}/issues{{/number}}", "pulls_url": f"{r}/pulls{{/number}}",
            "milestones_url": f"{r}/milestones{{/number}}",
            "notifications_url": f"{r}/notifications{{?since,all,participating}}",
            "labels_url": f"{r}/labels{{/name}}", "releases_url": f"{r}/releases{{/id}}",
            "recommend": False, "gvp": False, "homepage": None, "language": repo.language,
            "forks_count": repo.forks, "stargazers_count": repo.star_count,
            "watchers_count": repo.watchers, "default_branch": None if repo.empty else "master",
            "open_issues_count": repo.open_issues, "has_issues": True, "has_wiki": True,
            "issue_comment": False, "can_comment": True, "pull_requests_enabled": True,
            "has_page": False, "license": None, "outsourced": False,
            "project_creator": repo.owner.lower(), "members": [repo.owner.lower()],
            "pushed_at": None if repo.empty else cst(repo.pushed_at or repo.last_modified),
            "created_at": cst(repo.created_at), "updated_at": cst(repo.last_modified),
            "parent": None, "paas": None, "stared": False, "watched": False,
            "permission": {"pull": True, "push": False, "admin": False},
            "relation": "", "assignees_number": 1, "testers_number": 1, "assignee": [owner],
            "testers": [owner], "status": "关闭" if repo.archived else "开始", "programs": [],
            "enterprise": None,
            "project_labels": [], "issue_template_source": "project",
        }  # fmt: skip

    def _contributors(self, repo: FakeRepo) -> list[dict[str, Any]]:
        if repo.empty:
            return []
        return [
            {"email": f"dev{i + 1}@example.com", "name": f"dev{i + 1}",
             "contributions": max(repo.contributors * 3 - i * 2, 1)}
            for i in range(repo.contributors)
        ]  # fmt: skip

    def _releases(self, req: Request, repo: FakeRepo) -> list[dict[str, Any]]:
        rels = sorted(repo.published_releases(), key=lambda r: r.created)
        if req.param("direction") == "desc":
            rels.reverse()
        author = gitee_user(repo.owner.lower(), 1300000 + repo.id % 99991, req.base_url)
        return [
            {"id": repo.id * 1000 + i, "tag_name": r.tag, "target_commitish": "master",
             "prerelease": r.prerelease, "name": r.name or r.tag, "body": r.body,
             "author": author, "created_at": cst(r.published_at or r.created),
             "assets": [{"browser_download_url": f"{GITEE}/{repo.full_name.lower()}/repository/"
                         f"archive/{r.tag}.zip", "name": None}]}
            for i, r in enumerate(rels)
        ]  # fmt: skip

    def _pulls(self, req: Request, repo: FakeRepo) -> list[dict[str, Any]]:
        state = req.param("state", "open")
        count = repo.open_prs if state in ("open", "all") else 0
        path = repo.full_name.lower()
        api, html = f"{req.base_url}/repos/{path}", f"{GITEE}/{path}"
        user = gitee_user("contributor", 31337, req.base_url)
        out = []
        for i in range(count):
            n = count - i
            created = cst(repo.created_at + timedelta(days=n))
            out.append({
                "id": repo.id * 10000 + n, "url": f"{api}/pulls/{n}",
                "html_url": f"{html}/pulls/{n}", "diff_url": f"{html}/pulls/{n}.diff",
                "patch_url": f"{html}/pulls/{n}.patch", "issue_url": f"{api}/issues/{n}",
                "commits_url": f"{api}/pulls/{n}/commits", "number": n, "state": "open",
                "title": f"PR {n}", "body": None, "assignees": [], "testers": [],
                "milestone": None, "labels": [], "locked": False, "created_at": created,
                "updated_at": created, "closed_at": None, "merged_at": None, "mergeable": True,
                "can_merge_check": False, "draft": False, "user": user,
                "head": {"label": f"patch{n}", "ref": f"patch{n}", "sha": f"{n:040x}",
                         "user": user, "repo": None},
                "base": {"label": "master", "ref": "master", "sha": "0" * 40, "user": user,
                         "repo": None},
            })  # fmt: skip
        return out

    def _stargazers(self, req: Request, repo: FakeRepo) -> list[Any]:
        """(id, star_at) oldest first unless ``stargazers_newest_first`` (Gitee documents no
        order); each becomes a user object plus ``star_at`` once its page is cut."""
        now = self.clock()
        items = repo.stargazers(now)
        return items[::-1] if self.stargazers_newest_first else items

    def _stargazer(self, req: Request, uid: int, when: datetime) -> dict[str, Any]:
        return {**gitee_user(f"fan{uid}", uid, req.base_url), "star_at": cst(when)}
