"""Fake GitHub REST API (v3) as seen by an outsider; GraphQL lives in :mod:`.github_graphql`.

Shapes follow the recordings in /work/shared/real-api/github (see SOURCES.md there).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from monitor.clock import Clock

from .github_shapes import (
    ADMIN_ONLY_KEYS,
    NO_UA,
    PRIMARY_ANON,
    PRIMARY_AUTH,
    PRIMARY_DOCS,
    SECONDARY,
    SECONDARY_DOCS,
    dmca_body,
    link_header,
    node_id,
    repo_json,
    star_weeks,
    user_json,
)
from .listings import github_owner_repos
from .state import (
    FakePlatform,
    FakeRepo,
    Fault,
    Request,
    Response,
    etag_for,
    etag_matches,
    http_date,
    iso_z,
    paging,
)

__all__ = ["ADMIN_ONLY_KEYS", "FakeGitHub", "link_header", "node_id", "star_weeks", "user_json"]

PACIFIC = ZoneInfo("America/Los_Angeles")
DOCS = "https://docs.github.com/rest"
API_VERSIONS = ("2022-11-28", "2026-03-10")
_REPO_PATH = re.compile(r"^/repos/([^/]+)/([^/]+)(/.*)?$")
_ID_PATH = re.compile(r"^/repositories/(\d+)(/.*)?$")

Route = Callable[[Request, FakeRepo, str], Response]


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


class FakeGitHub(FakePlatform):
    """The fake GitHub: REST under ``/github``, GraphQL at ``/github/graphql``.

    Switches: ``bad_tokens``, ``fail_next``, ``malformed_next``, ``secondary_limit_next``,
    ``slow_graphql``; budgets via ``budget()`` / ``set_budget()`` (resource core or graphql).

    Star history (``/stargazers/history``): ``history_available = False`` makes it 404 like
    GitHub Enterprise; ``history_label`` is ``"utc"`` (weeks labelled Sunday 00:00Z, as measured)
    or ``"pacific"`` (Pacific midnight).
    """

    platform = "github"

    def __init__(
        self,
        repos: Iterable[FakeRepo] = (),
        *,
        anon_limit: int = 60,
        token_limit: int = 5000,
        graphql_limit: int = 5000,
        graphql_timeout_s: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(repos, anon_limit=anon_limit, token_limit=token_limit, clock=clock)
        self.graphql_limit = graphql_limit
        self.graphql_timeout_s = graphql_timeout_s
        self.graphql_delay_s = 0.0
        self.history_available = True
        self.history_label = "utc"
        self._request_counter = 0
        self._routes: dict[str, Route] = {
            "": self._repo,
            "/contributors": self._contributors,
            "/releases": self._releases,
            "/pulls": self._pulls,
            "/stargazers": self._stargazers,
            "/stargazers/history": self._history,
        }

    # -- switches ------------------------------------------------------------------------
    def secondary_limit_next(
        self, n: int = 1, retry_after: int | None = None, path_pattern: str | None = None
    ) -> None:
        """The next ``n`` matching requests hit the secondary limit (403, remaining > 0)."""
        pattern = re.compile(path_pattern) if path_pattern else None
        self._add_fault(Fault("secondary", n, 403, pattern, retry_after))

    def slow_graphql(self, seconds: float) -> None:
        """GraphQL queries take ``seconds``; over ``graphql_timeout_s`` they end in a 502."""
        with self.lock:
            self.graphql_delay_s = seconds

    def default_limit(self, resource: str, token: str | None) -> int:
        if resource == "graphql":
            return self.graphql_limit if token else 0
        if resource == "search":
            return 30 if token else 10
        return super().default_limit(resource, token)

    # -- plumbing ------------------------------------------------------------------------
    def request_id(self) -> str:
        with self.lock:
            self._request_counter += 1
            n = self._request_counter
        stamp = int(self.clock().timestamp())
        return f"{n % 0xFFFF:04X}:{n * 7 % 0xFFFF:04X}:{n:07X}:{n * 13:07X}:{stamp:08X}"

    def rate_headers(self, budget_: Any, resource: str) -> list[tuple[str, str]]:
        return [
            ("x-ratelimit-limit", str(budget_.limit)),
            ("x-ratelimit-remaining", str(budget_.remaining)),
            ("x-ratelimit-reset", str(budget_.reset)),
            ("x-ratelimit-used", str(budget_.used)),
            ("x-ratelimit-resource", resource),
        ]

    def base_headers(self, req: Request) -> list[tuple[str, str]]:
        version = req.headers.get("x-github-api-version", API_VERSIONS[0])
        return [
            ("content-type", "application/json; charset=utf-8"),
            ("x-github-media-type", "github.v3; format=json"),
            ("x-github-api-version-selected", version),
            ("x-github-request-id", self.request_id()),
            ("server", "github.com"),
            ("vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
            ("access-control-allow-origin", "*"),
        ]

    def error(
        self, req: Request, status: int, body: dict[str, Any],
        extra: Iterable[tuple[str, str]] = (),
    ) -> Response:  # fmt: skip
        return Response(status, _json(body), [*self.base_headers(req), *extra])

    def token_of(self, req: Request) -> tuple[str | None, bool]:
        """(token, valid). A header with an unknown scheme or a bad token is invalid."""
        auth = req.headers.get("authorization")
        if not auth:
            return None, True
        scheme, _, value = auth.partition(" ")
        value = value.strip()
        if scheme.lower() not in ("bearer", "token") or not value:
            return value or None, False
        return value, value not in self.bad_tokens

    # -- entry point ---------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        if not req.headers.get("user-agent"):
            return Response(403, NO_UA.encode(), [("content-type", "text/plain; charset=utf-8")])
        token, valid = self.token_of(req)
        if not valid:
            body = {"message": "Bad credentials", "documentation_url": DOCS}
            return self.error(req, 401, body)
        version = req.headers.get("x-github-api-version")
        if version is not None and version not in API_VERSIONS:
            msg = f"Invalid API version provided. Supported versions: {', '.join(API_VERSIONS)}"
            return self.error(req, 400, {"message": msg, "documentation_url": DOCS})
        if req.path == "/graphql":
            from .github_graphql import handle_graphql

            return handle_graphql(self, req, token)
        if req.method != "GET":
            return self.error(req, 404, {"message": "Not Found", "documentation_url": DOCS})
        if req.path == "/rate_limit":
            if (fault := self.take_fault(("5xx",), req.path)) is not None:
                return self._server_error(req, fault.status)  # answered by GitHub when it is down
            return self._rate_limit(req, token)
        return self._rest(req, token)

    def _rest(self, req: Request, token: str | None) -> Response:
        fault = self.take_fault(("5xx", "secondary"), req.path)
        with self.lock:
            budget = self.budget(token)
            if fault is not None and fault.kind == "5xx":
                return self._server_error(req, fault.status)
            rate = self.rate_headers(budget, "core")
            if fault is not None:  # secondary limit: remaining is not 0
                rid = self.request_id()
                body = {"message": SECONDARY.format(rid=rid), "documentation_url": SECONDARY_DOCS}
                extra = [("retry-after", str(fault.retry_after))] if fault.retry_after else []
                return self.error(req, 403, body, [*rate, *extra])
            if budget.remaining <= 0:
                msg = PRIMARY_AUTH.format(uid=_uid(token)) if token else PRIMARY_ANON
                body = {"message": msg, "documentation_url": PRIMARY_DOCS}
                return self.error(req, 403, body, rate)
            resp = self._route(req)
            etag = resp.header("etag")
            if etag and etag_matches(req.headers.get("if-none-match"), etag):
                # GitHub's star history answers a 304 without its Link header (measured).
                history = req.path.endswith("/stargazers/history")
                keep = ("etag", "last-modified") if history else ("etag", "last-modified", "link")
                headers = [h for h in resp.headers if h[0] in keep]
                return Response(304, b"", [*self.base_headers(req)[2:], *headers, *rate])
            budget.used += 1
            resp.headers.extend(self.rate_headers(budget, "core"))
        if resp.status == 200 and self.take_fault(("malformed",), req.path) is not None:
            resp.body = resp.body[: max(len(resp.body) // 2, 1)]
        return resp

    def _server_error(self, req: Request, status: int) -> Response:
        if status == 502:
            html = b"<html><body><h1>502 Bad Gateway</h1>\n</body></html>\n"
            return Response(502, html, [("content-type", "text/html")])
        msg = "Server Error" if status == 500 else "Service Unavailable"
        return self.error(req, status, {"message": msg, "documentation_url": DOCS})

    def _route(self, req: Request) -> Response:
        not_found = {"message": "Not Found", "documentation_url": DOCS}
        listing = github_owner_repos(self, req)
        if listing is not None:
            return listing
        token, _ = self.token_of(req)
        m = _REPO_PATH.match(req.path)
        if m:
            repo, renamed = self.resolve(m.group(1), m.group(2))
            sub = m.group(3) or ""
            if repo is not None and renamed and repo.visible_to(token):
                location = f"{req.base_url}/repositories/{repo.id}{sub}"
                if req.raw_query:
                    location += f"?{req.raw_query}"
                body = {
                    "message": "Moved Permanently",
                    "url": location,
                    "documentation_url": "https://docs.github.com/v3/#http-redirects",
                }
                return self.error(req, 301, body, [("location", location)])
        else:
            m = _ID_PATH.match(req.path)
            if not m:
                return self.error(req, 404, not_found)
            repo, sub = self.by_id(int(m.group(1))), m.group(2) or ""
        route = self._routes.get(sub.rstrip("/") if sub != "/" else sub)
        if repo is None or not repo.visible_to(token) or route is None:
            return self.error(req, 404, not_found)
        if repo.blocked:
            return self.error(req, 451, dmca_body(repo))
        return route(req, repo, sub)

    def ok(self, req: Request, obj: Any, *, last_modified: datetime | None = None,
           link: str | None = None) -> Response:  # fmt: skip
        body = _json(obj)
        token, _ = self.token_of(req)
        headers = self.base_headers(req)
        headers += [("cache-control", "private, max-age=60, s-maxage=60"),
                    ("etag", etag_for(body, token))]  # fmt: skip
        if last_modified is not None:
            headers.append(("last-modified", http_date(last_modified)))
        if link:
            headers.append(("link", link))
        return Response(200, body, headers)

    # -- resources -----------------------------------------------------------------------
    def _repo(self, req: Request, repo: FakeRepo, sub: str) -> Response:
        token, _ = self.token_of(req)
        body = repo_json(repo, req.base_url, token)
        return self.ok(req, body, last_modified=repo.last_modified)

    def page(self, req: Request, items: list[Any], per_page_default: int = 30,
             cap: int = 100, draw: Callable[[Any], Any] | None = None) -> Response:  # fmt: skip
        """One page of *items* with its Link header; *draw* makes each shown item (so a long
        list is drawn for its page only)."""
        per_page = min(max(req.int_param("per_page", per_page_default), 1), cap)
        page = max(req.int_param("page", 1), 1)
        start, stop, last = paging(len(items), page, per_page)
        shown = [draw(i) for i in items[start:stop]] if draw else items[start:stop]
        return self.ok(req, shown, link=link_header(req, page, last))

    def _contributors(self, req: Request, repo: FakeRepo, sub: str) -> Response:
        if repo.empty:
            return Response(204, b"", self.base_headers(req)[2:])
        anon = (req.param("anon") or "").lower() in ("1", "true")
        people = repo.contributors - repo.anonymous_contributors
        items: list[dict[str, Any]] = []
        for i in range(repo.contributors):
            contributions = max(repo.contributors * 3 - i * 2, 1)
            if i < people:
                user = user_json(f"dev{i + 1}-{repo.name.lower()}", 900000 + i, api=req.base_url)
                items.append({**user, "contributions": contributions})
            elif anon:
                items.append({"email": f"anon{i}@example.com", "name": f"Anon {i}",
                              "type": "Anonymous", "contributions": contributions})  # fmt: skip
        return self.page(req, items)

    def _releases(self, req: Request, repo: FakeRepo, sub: str) -> Response:
        rels = sorted(repo.published_releases(), key=lambda r: r.created, reverse=True)
        base, html = (
            f"{req.base_url}/repos/{repo.full_name}",
            f"https://github.com/{repo.full_name}",
        )
        author = user_json("release-bot", 4242, api=req.base_url)
        items = []
        for i, rel in enumerate(rels):
            rid = repo.id * 1000 + len(rels) - i
            items.append({
                "url": f"{base}/releases/{rid}", "assets_url": f"{base}/releases/{rid}/assets",
                "upload_url": f"https://uploads.github.com/repos/{repo.full_name}/releases/{rid}"
                "/assets{?name,label}",
                "html_url": f"{html}/releases/tag/{quote(rel.tag)}", "id": rid,
                "author": author, "node_id": node_id("Release", rid), "tag_name": rel.tag,
                "target_commitish": "main", "name": rel.name, "draft": False,
                "prerelease": rel.prerelease, "created_at": iso_z(rel.created),
                "published_at": iso_z(rel.published_at or rel.created), "assets": [],
                "tarball_url": f"{base}/tarball/{quote(rel.tag)}",
                "zipball_url": f"{base}/zipball/{quote(rel.tag)}", "body": rel.body,
            })  # fmt: skip
        return self.page(req, items)

    def _pulls(self, req: Request, repo: FakeRepo, sub: str) -> Response:
        state = req.param("state", "open")
        count = repo.open_prs if state in ("open", "all") else 0
        base, html = (
            f"{req.base_url}/repos/{repo.full_name}",
            f"https://github.com/{repo.full_name}",
        )
        user = user_json("contributor", 31337, api=req.base_url)
        items = []
        for i in range(count):
            number = count - i + repo.open_issues
            created = iso_z(repo.created_at + timedelta(days=number))
            items.append({
                "url": f"{base}/pulls/{number}", "id": repo.id * 10000 + number,
                "node_id": node_id("PullRequest", repo.id * 10000 + number),
                "html_url": f"{html}/pull/{number}", "diff_url": f"{html}/pull/{number}.diff",
                "patch_url": f"{html}/pull/{number}.patch", "issue_url": f"{base}/issues/{number}",
                "number": number, "state": "open", "locked": False, "title": f"PR {number}",
                "user": user, "body": None, "created_at": created, "updated_at": created,
                "closed_at": None, "merged_at": None, "merge_commit_sha": None, "assignee": None,
                "assignees": [], "requested_reviewers": [], "requested_teams": [], "labels": [],
                "milestone": None, "draft": False, "author_association": "CONTRIBUTOR",
            })  # fmt: skip
        return self.page(req, items)

    def _stargazers(self, req: Request, repo: FakeRepo, sub: str) -> Response:
        if req.int_param("page", 1) > 400:
            body = {
                "message": "In order to keep the API fast for everyone, pagination is limited for "
                "this resource. Check the rel=last link relation in the Link response header to "
                "see how far back you can traverse.",
                "documentation_url": "https://docs.github.com/v3/#pagination",
            }
            return self.error(req, 422, body)
        star = "star+json" in req.headers.get("accept", "")
        now = self.clock()
        items = []
        for i, when in enumerate(repo.star_timeline(now)):
            user = user_json(f"stargazer{i + 1}", 500000 + i, api=req.base_url)
            items.append({"starred_at": iso_z(when), "user": user} if star else user)
        return self.page(req, items)

    def _history(self, req: Request, repo: FakeRepo, sub: str) -> Response:
        """30 weeks a page by default and at most (a larger per_page is cut to 30); past the
        last page, ``[]``. Costs one core point; a 304 is free."""
        if not self.history_available:
            return self.error(req, 404, {"message": "Not Found", "documentation_url": DOCS})
        now = self.clock()
        weeks = star_weeks(repo.star_timeline(now), repo.created_at, now,
                           label=self.history_label)  # fmt: skip
        page = max(req.int_param("page", 1), 1)
        per_page = min(max(req.int_param("per_page", 30), 1), 30)
        start, stop, last = paging(len(weeks), page, per_page)
        return self.ok(req, weeks[start:stop], link=link_header(req, page, last),
                       last_modified=repo.last_modified)  # fmt: skip

    def _rate_limit(self, req: Request, token: str | None) -> Response:
        with self.lock:
            core = self.budget(token)
            resources: dict[str, Any] = {}
            for name in ("core", "search", "graphql"):
                b = self.budget(token, name)
                resources[name] = {"limit": b.limit, "used": b.used, "remaining": b.remaining,
                                   "reset": b.reset}  # fmt: skip
            for name, limit in (("integration_manifest", 5000), ("source_import", 100),
                                ("code_scanning_upload", 1000), ("code_scanning_autofix", 10),
                                ("actions_runner_registration", 10000), ("scim", 15000),
                                ("dependency_snapshots", 100), ("audit_log", 1750),
                                ("audit_log_streaming", 15), ("code_search", 10)):  # fmt: skip
                resources[name] = {"limit": limit, "used": 0, "remaining": limit,
                                   "reset": core.reset}  # fmt: skip
            body: dict[str, Any] = {"resources": resources}
            if req.headers.get("x-github-api-version") != "2026-03-10":
                body["rate"] = resources["core"]
            headers = [*self.base_headers(req), ("cache-control", "no-cache")]
            return Response(200, _json(body), headers + self.rate_headers(core, "core"))


def _uid(token: str | None) -> int:
    return 1000 + sum(map(ord, token or "")) % 100000
