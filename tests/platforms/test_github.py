"""GitHub platform: recorded REST answers and GraphQL batches replayed through respx."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import graphql
import httpx
import pytest
import respx

from monitor.config.settings import Secret, Settings
from monitor.errors import (
    Blocked,
    MalformedResponse,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from monitor.ids import RepoId
from monitor.platforms import github_graphql as gql
from monitor.platforms.base import RepoResult, RepoTarget
from monitor.platforms.github import GitHub
from tests.shared import github_schema

API = "https://api.github.com"
GRAPHQL = f"{API}/graphql"
TOKEN = "ghp_never_shown_0123456789"
PYGITHUB = "repo_PyGithub-PyGithub_2025-01"
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def target(name: str, **kwargs: Any) -> RepoTarget:
    return RepoTarget(RepoId.parse(f"github:{name}"), **kwargs)


def github(clock: Any, token: str | None = None, **options: Any) -> GitHub:
    return GitHub(
        API, GRAPHQL, Secret(token) if token else None,
        sleep=clock.sleep, now=clock.now, **options,
    )


def fetch(platform: GitHub, targets: list[RepoTarget]) -> list[RepoResult]:
    async def scenario() -> list[RepoResult]:
        try:
            return await platform.fetch(targets)
        finally:
            await platform.aclose()

    return run(scenario())


def listing(last: int, path: str = "x") -> httpx.Response:
    """A per_page=1 list page whose Link header says how many items there are."""
    link = (f'<{API}/{path}?per_page=1&page=2>; rel="next", '
            f'<{API}/{path}?per_page=1&page={last}>; rel="last"')
    return httpx.Response(200, json=[{}], headers={"link": link})


#: What the store knows of the mocked repo's 40 releases after earlier cycles: all of them, so a
#: cycle reads no further back than the newest (tests of paging back set their own).
STORED_40 = frozenset({"v1.25.2", *(f"older-{i}" for i in range(39))})


def mock_rest_repo(router: respx.Router, github_api: Any, *, prs: int = 12,
                   releases: int = 40, contributors: httpx.Response | None = None) -> None:
    base = "/repos/PyGithub/PyGithub"
    router.get(base).mock(return_value=github_api.response(PYGITHUB))
    router.get(f"{base}/pulls").mock(return_value=listing(prs))
    release_page = github_api.response("releases_list_edhollandAL-PyGithub_2015")
    release_page.headers["link"] = f'<{API}/x?per_page=1&page={releases}>; rel="last"'
    router.get(f"{base}/releases").mock(return_value=release_page)
    router.get(f"{base}/contributors").mock(
        return_value=contributors or github_api.response("contributors_PyGithub_2012"))


# ------------------------------------------------------------------------ REST, no token


def test_rest_repo_metrics_from_the_recording(clock: Any, github_api: Any) -> None:
    platform = github(clock)
    with respx.mock(base_url=API) as router:
        mock_rest_repo(router, github_api)
        [result] = fetch(platform, [target("PyGithub/PyGithub", known_releases=STORED_40)])
        calls = {call.request.url.path: call.request for call in router.calls}
    snapshot = result.snapshot
    assert snapshot is not None and result.error is None and not result.deferred
    assert snapshot.metrics == {
        "stars": 7122, "forks": 1793, "watchers": 111,  # subscribers, not watchers_count
        "open_prs": 12, "open_issues": 357 - 12, "releases": 40,
        "contributors": 1,  # the 2012 recording has no Link header: one item, one contributor
    }
    assert (snapshot.platform_id, snapshot.owner, snapshot.name) == (
        3544490, "PyGithub", "PyGithub")
    assert snapshot.created_at == datetime(2012, 2, 25, 12, 53, 47, tzinfo=UTC)
    assert not snapshot.renamed
    [latest] = snapshot.releases
    assert latest.tag == "v1.25.2" and latest.published_at == datetime(
        2015, 4, 24, 8, 36, 51, tzinfo=UTC)
    assert platform.requests_made == 4
    assert platform.budget.remaining is not None
    contributors = calls["/repos/PyGithub/PyGithub/contributors"]
    assert dict(contributors.url.params) == {"per_page": "1", "anon": "1"}
    assert dict(calls["/repos/PyGithub/PyGithub/pulls"].url.params) == {
        "state": "open", "per_page": "1"}
    for request in calls.values():
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
        assert "authorization" not in request.headers


def test_contributors_counted_from_the_link_header(clock: Any, github_api: Any) -> None:
    recorded = github_api.response(
        "contributors_PyGithub_2012",
        link=f'<{API}/repositories/3544490/contributors?per_page=1&anon=1&page=2>; rel="next", '
             f'<{API}/repositories/3544490/contributors?per_page=1&anon=1&page=389>; rel="last"')
    with respx.mock(base_url=API) as router:
        mock_rest_repo(router, github_api, contributors=recorded)
        [result] = fetch(github(clock), [target("PyGithub/PyGithub")])
    assert result.snapshot is not None and result.snapshot.metrics["contributors"] == 389


def test_contributors_skipped_when_not_wanted(clock: Any, github_api: Any) -> None:
    platform = github(clock)
    with respx.mock(base_url=API, assert_all_called=False) as router:
        mock_rest_repo(router, github_api)
        [result] = fetch(platform, [target("PyGithub/PyGithub", want_contributors=False,
                                           known_releases=STORED_40)])
        paths = [c.request.url.path for c in router.calls]
    assert result.snapshot is not None and "contributors" not in result.snapshot.metrics
    assert platform.requests_made == 3 and len(paths) == 3
    assert not any(path.endswith("/contributors") for path in paths)


def test_empty_repository_answers_204_and_has_no_contributors(
    clock: Any, github_api: Any,
) -> None:
    with respx.mock(base_url=API) as router:
        mock_rest_repo(router, github_api, contributors=httpx.Response(204))
        [result] = fetch(github(clock), [target("PyGithub/PyGithub")])
    assert result.error is None and result.snapshot is not None
    assert result.snapshot.metrics["contributors"] == 0
    assert result.snapshot.metrics["stars"] > 0


def test_too_large_contributor_list_is_no_data_not_a_failure(
    clock: Any, github_api: Any,
) -> None:
    refused = httpx.Response(403, json={"message": (
        "The history or contributor list is too large to list contributors for this "
        "repository via the API.")})
    with respx.mock(base_url=API) as router:
        mock_rest_repo(router, github_api, contributors=refused)
        [result] = fetch(github(clock), [target("PyGithub/PyGithub")])
    assert result.snapshot is not None and "contributors" not in result.snapshot.metrics


ONE_RELEASE = {"tag_name": "v1", "name": None, "draft": False, "prerelease": False,
               "published_at": "2024-05-01T10:00:00Z", "html_url": None}


def test_second_cycle_is_answered_by_free_304s(clock: Any, cache: Any, github_api: Any) -> None:
    not_modified = github_api.response("not_modified_304_2013", 304)
    platform = github(clock, cache=cache)

    async def scenario() -> tuple[list[RepoResult], list[RepoResult]]:
        with respx.mock(base_url=API) as router:
            mock_rest_repo(router, github_api)
            for call in ("", "/pulls", "/releases", "/contributors"):
                router.get(f"/repos/PyGithub/PyGithub{call}").mock(
                    return_value=httpx.Response(200, json=[ONE_RELEASE], headers={"etag": '"v1"'})
                    if call else github_api.response(PYGITHUB))
            known = frozenset({"v1"})  # stored by an earlier cycle
            first = await platform.fetch([target("PyGithub/PyGithub", known_releases=known)])
            router.routes.clear()
            again = router.get(url__regex=r".*").mock(return_value=not_modified)
            second = await platform.fetch([target("PyGithub/PyGithub", known_releases=known)])
            assert again.call_count == 4
            assert all("if-none-match" in c.request.headers for c in again.calls)
        await platform.aclose()
        return first, second

    first, second = run(scenario())
    assert first[0].snapshot is not None and second[0].snapshot is not None
    assert second[0].snapshot.metrics == first[0].snapshot.metrics
    assert second[0].snapshot.metrics["watchers"] == 111
    assert platform.requests_made == 8


def test_renamed_repo_is_followed_by_id(clock: Any, github_api: Any) -> None:
    with respx.mock(base_url=API) as router:
        router.get("/repos/protoncoin/protoncoin").mock(
            return_value=github_api.response("redirect_301_renamed_repo", 301))
        router.get("/repositories/112116543").mock(
            return_value=github_api.response("redirect_301_followed_repositories-id"))
        router.get("/repos/padima2/protoncoin/pulls").mock(return_value=listing(3))
        router.get("/repos/padima2/protoncoin/releases").mock(
            return_value=httpx.Response(200, json=[]))
        router.get("/repos/padima2/protoncoin/contributors").mock(return_value=listing(9))
        [result] = fetch(github(clock), [target("protoncoin/protoncoin")])
    snapshot = result.snapshot
    assert snapshot is not None, result.error
    assert (snapshot.owner, snapshot.name, snapshot.platform_id) == (
        "padima2", "protoncoin", 112116543)
    assert snapshot.renamed
    assert snapshot.metrics["watchers"] == 7 and snapshot.metrics["stars"] == 5
    assert snapshot.metrics["open_issues"] == 0 and snapshot.metrics["releases"] == 0


def test_known_platform_id_survives_renames(clock: Any, github_api: Any) -> None:
    with respx.mock(base_url=API) as router:
        by_id = router.get("/repositories/112116543").mock(
            return_value=github_api.response("redirect_301_followed_repositories-id"))
        router.get("/repos/padima2/protoncoin/releases").mock(
            return_value=httpx.Response(200, json=[]))
        router.get(url__regex=r".*/repos/padima2/protoncoin/.*").mock(return_value=listing(2))
        [result] = fetch(github(clock), [target("protoncoin/protoncoin", platform_id=112116543)])
    assert by_id.call_count == 1
    assert result.snapshot is not None and result.snapshot.owner == "padima2"


@pytest.mark.parametrize(("stem", "status", "error", "words"), [
    ("error_404_not_found_2012", 404, NotFound, "not found"),
    ("error_451_dmca_repo_2024", 451, Blocked, "dmca"),
    ("error_401_bad_credentials_2012", 401, Unauthorized, "Bad credentials"),
])
def test_repo_errors_fail_only_that_repo(
    clock: Any, github_api: Any, stem: str, status: int, error: type, words: str,
) -> None:
    with respx.mock(base_url=API) as router:
        mock_rest_repo(router, github_api)
        router.get("/repos/gone/away").mock(return_value=github_api.response(stem, status))
        results = fetch(github(clock), [target("gone/away"), target("PyGithub/PyGithub")])
    assert isinstance(results[0].error, error) and words in str(results[0].error)
    assert "gone/away" in str(results[0].error)
    assert results[1].snapshot is not None


def test_malformed_body_fails_only_that_repo(clock: Any, github_api: Any) -> None:
    broken = {k: v for k, v in github_api.body(PYGITHUB).items() if k != "subscribers_count"}
    with respx.mock(base_url=API) as router:
        mock_rest_repo(router, github_api)
        router.get("/repos/bad/shape").mock(return_value=httpx.Response(200, json=broken))
        router.get("/repos/bad/text").mock(return_value=httpx.Response(200, text="<html>"))
        results = fetch(github(clock), [
            target("bad/shape"), target("bad/text"), target("PyGithub/PyGithub")])
    assert isinstance(results[0].error, MalformedResponse)
    assert "subscribers_count" in str(results[0].error)
    assert isinstance(results[1].error, MalformedResponse)
    assert results[2].snapshot is not None


def test_unavailable_after_retries_fails_only_that_repo(clock: Any, github_api: Any) -> None:
    with respx.mock(base_url=API) as router:
        mock_rest_repo(router, github_api)
        router.get("/repos/flaky/one").mock(return_value=httpx.Response(503))
        results = fetch(github(clock), [target("flaky/one"), target("PyGithub/PyGithub")])
    assert isinstance(results[0].error, Unavailable)
    assert results[1].snapshot is not None


def test_spent_rest_budget_defers_the_rest(clock: Any, github_api: Any) -> None:
    reset = str(int((clock.now() + timedelta(hours=1)).timestamp()))
    spent = github_api.response(
        "error_403_primary_rate_limit_unauth_2013", 403, x_ratelimit_reset=reset)
    platform = github(clock, concurrency=1)
    with respx.mock(base_url=API) as router:
        route = router.get(url__regex=r".*").mock(return_value=spent)
        results = fetch(platform, [target("a/one"), target("b/two"), target("c/three")])
    assert all(r.deferred and r.snapshot is None and isinstance(r.error, RateLimited)
               for r in results)  # the error says why: the budget is spent
    assert route.call_count == 1 and platform.requests_made == 1


def test_releases_are_paged_newest_first_without_drafts(clock: Any, github_api: Any) -> None:
    recorded = github_api.body("releases_list_edhollandAL-PyGithub_2015")
    newer = {**recorded[0], "tag_name": "v2", "published_at": "2016-01-01T00:00:00Z",
             "prerelease": True}
    draft = {**recorded[0], "tag_name": "v3-draft", "draft": True, "published_at": None}
    page2 = f"{API}/repositories/1/releases?per_page=100&page=2"
    first = httpx.Response(200, json=[draft, recorded[0]], headers={
        "link": f'<{page2}>; rel="next", <{page2}>; rel="last"', "etag": '"p1"'})
    platform = github(clock)

    async def scenario() -> list[Any]:
        with respx.mock(base_url=API) as router:
            router.get("/repos/edhollandAL/PyGithub/releases").mock(return_value=first)
            router.get("/repositories/1/releases").mock(
                return_value=httpx.Response(200, json=[newer]))
            found = await platform.releases(target("edhollandAL/PyGithub"))
            assert dict(router.calls[0].request.url.params) == {"per_page": "100"}
        await platform.aclose()
        return found

    found = run(scenario())
    assert [r.tag for r in found] == ["v2", "v1.25.2"]
    assert found[0].prerelease and not found[1].prerelease
    assert found[1].published_at == datetime(2015, 4, 24, 8, 36, 51, tzinfo=UTC)
    assert found[1].url == "https://github.com/edhollandAL/PyGithub/releases/tag/v1.25.2"
    assert all(r.published_at is not None and r.published_at.tzinfo is not None for r in found)


# ------------------------------------------------------------------------- GraphQL, token


def repo_node(db_id: int, name_with_owner: str, *, drafts: int = 0) -> dict[str, Any]:
    nodes = [{"tagName": f"d{i}", "name": None, "publishedAt": None, "isPrerelease": False,
              "isDraft": True, "url": None} for i in range(drafts)]
    nodes.append({"tagName": "v1.0", "name": "One", "publishedAt": "2024-05-01T10:00:00Z",
                  "isPrerelease": False, "isDraft": False,
                  "url": f"https://github.com/{name_with_owner}/releases/tag/v1.0"})
    return {
        "databaseId": db_id, "nameWithOwner": name_with_owner,
        "createdAt": "2020-01-02T03:04:05Z", "stargazerCount": 100 + db_id,
        "forkCount": 10, "watchers": {"totalCount": 7}, "issues": {"totalCount": 5},
        "pullRequests": {"totalCount": 2},
        "releases": {"totalCount": 3 + drafts, "nodes": nodes,
                     "pageInfo": {"hasNextPage": False, "endCursor": "Y3Vyc29yOjM="}},
    }


RATE = {"cost": 1, "remaining": 4990, "resetAt": "2025-01-07T08:00:00Z", "limit": 5000}
GQL_HEADERS = {"x-ratelimit-resource": "graphql", "x-ratelimit-limit": "5000",
               "x-ratelimit-remaining": "4990", "x-ratelimit-reset": "1736236800"}


def graphql_answer(request: httpx.Request, known: dict[str, dict[str, Any]]) -> httpx.Response:
    """Answer a batch as GitHub would: unknown repos are NOT_FOUND error entries."""
    payload = json.loads(request.content)
    assert not graphql.validate(schema(), graphql.parse(payload["query"]))
    variables = payload["variables"]
    data: dict[str, Any] = {"rateLimit": RATE}
    errors = []
    for i in range(len(variables) // 2):
        full = f"{variables[f'o{i}']}/{variables[f'n{i}']}"
        data[f"r{i}"] = known.get(full)
        if full not in known:
            errors.append({"type": "NOT_FOUND", "path": [f"r{i}"], "locations": [],
                           "message": f"Could not resolve to a Repository with the name '{full}'."})
    body: dict[str, Any] = {"data": data}
    if errors:
        body["errors"] = errors
    return httpx.Response(200, json=body, headers=GQL_HEADERS)


KNOWN = {
    "octo/one": repo_node(1, "octo/one"),
    "octo/two": repo_node(2, "octo/two", drafts=1),
    "octo/three": repo_node(3, "octo/three"),
    "octo/four": repo_node(4, "octo/four"),
}


def test_graphql_batch_with_one_missing_repo(clock: Any) -> None:
    platform = github(clock, TOKEN)
    targets = [target("octo/one"), target("octo/missing", want_contributors=False),
               target("octo/two", want_contributors=False)]
    with respx.mock(base_url=API) as router:
        post = router.post("/graphql").mock(side_effect=lambda r: graphql_answer(r, KNOWN))
        contributors = router.get("/repos/octo/one/contributors").mock(return_value=listing(42))
        results = fetch(platform, targets)
        assert post.call_count == 1 and contributors.call_count == 1
        request = post.calls[0].request
    assert platform.requests_made == 2
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "stargazers(" not in json.loads(request.content)["query"]
    one, missing, two = results
    assert one.snapshot is not None and one.snapshot.metrics == {
        "stars": 101, "forks": 10, "watchers": 7, "open_issues": 5, "open_prs": 2,
        "releases": 3, "contributors": 42}
    assert one.snapshot.created_at == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert isinstance(missing.error, NotFound) and "octo/missing" in str(missing.error)
    assert two.snapshot is not None and two.snapshot.metrics["releases"] == 3  # draft dropped
    assert [r.tag for r in two.snapshot.releases] == ["v1.0"]
    assert platform.budget.resource is not None
    for result in results:
        assert TOKEN not in repr(result)


def test_graphql_name_now_owned_by_another_repo(clock: Any) -> None:
    with respx.mock(base_url=API) as router:
        router.post("/graphql").mock(side_effect=lambda r: graphql_answer(r, KNOWN))
        [result] = fetch(github(clock, TOKEN), [
            target("octo/one", platform_id=999, want_contributors=False)])
    assert isinstance(result.error, NotFound) and "different repository" in str(result.error)


def test_graphql_rate_limited_defers_everything(clock: Any) -> None:
    reset = str(int((clock.now() + timedelta(hours=1)).timestamp()))
    spent = httpx.Response(200, json={"errors": [{
        "type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]},
        headers={**GQL_HEADERS, "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})
    platform = github(clock, TOKEN, batch_size=2)
    with respx.mock(base_url=API) as router:
        route = router.post("/graphql").mock(return_value=spent)
        results = fetch(platform, [target(n) for n in KNOWN])
    assert all(r.deferred for r in results)
    assert route.call_count == 1 and platform.requests_made == 1


def test_graphql_timeout_splits_the_batch(clock: Any) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if len(json.loads(request.content)["variables"]) > 4:  # more than two repos
            return httpx.Response(502, json={"message": "Something went wrong"})
        return graphql_answer(request, KNOWN)

    platform = github(clock, TOKEN)
    with respx.mock(base_url=API) as router:
        route = router.post("/graphql").mock(side_effect=answer)
        results = fetch(platform, [target(n, want_contributors=False) for n in KNOWN])
    assert route.call_count == 3  # 4 repos (502), then 2 + 2
    assert clock.waits == []  # split at once, no backoff on the charged query
    assert [r.snapshot.platform_id for r in results if r.snapshot] == [1, 2, 3, 4]


def test_graphql_single_repo_timeout_is_retried_then_unavailable(clock: Any) -> None:
    with respx.mock(base_url=API) as router:
        route = router.post("/graphql").mock(return_value=httpx.Response(504))
        [result] = fetch(github(clock, TOKEN), [target("octo/one")])
    assert isinstance(result.error, Unavailable) and route.call_count == 4


def test_graphql_bad_token_stops_every_batch(clock: Any, github_api: Any) -> None:
    refused = github_api.response("error_401_bad_credentials_2012", 401)
    platform = github(clock, TOKEN, batch_size=1)
    with respx.mock(base_url=API) as router:
        route = router.post("/graphql").mock(return_value=refused)
        results = fetch(platform, [target("octo/one"), target("octo/two")])
    assert all(isinstance(r.error, Unauthorized) for r in results)
    assert route.call_count == 1
    assert TOKEN not in str(results[0].error)


def test_graphql_malformed_node_fails_only_that_repo(clock: Any) -> None:
    known = {**KNOWN, "octo/one": {**KNOWN["octo/one"], "stargazerCount": None}}
    with respx.mock(base_url=API) as router:
        router.post("/graphql").mock(side_effect=lambda r: graphql_answer(r, known))
        one, two = fetch(github(clock, TOKEN), [
            target("octo/one", want_contributors=False), target("octo/two",
                                                                want_contributors=False)])
    assert isinstance(one.error, MalformedResponse) and two.snapshot is not None


def test_from_settings(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="sqlite://", github_token=Secret(TOKEN),
                        graphql_batch=7)
    platform = GitHub.from_settings(settings)
    assert platform.name == "github" and platform.requests_made == 0
    assert TOKEN not in repr(vars(platform))
    run(platform.aclose())


# ---------------------------------------------------------------- queries vs the schema


def schema() -> graphql.GraphQLSchema:
    return github_schema()


@pytest.mark.parametrize("count", [1, 2, 50, 100])
@pytest.mark.parametrize("recent", [1, gql.RECENT_RELEASES, 100])
def test_every_query_is_valid_against_githubs_schema(count: int, recent: int) -> None:
    query = gql.build_query(count, recent)
    assert graphql.validate(schema(), graphql.parse(query)) == []
    assert "stargazers(" not in query and "contributors" not in query


def test_the_release_page_back_query_is_valid_against_githubs_schema() -> None:
    assert graphql.validate(schema(), graphql.parse(gql.RELEASES_QUERY)) == []
