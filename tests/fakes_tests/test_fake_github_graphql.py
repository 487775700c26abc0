from __future__ import annotations

import httpx

from tests.fakes import FakeServer
from tests.fakes_tests.conftest import recorded

TOKEN = {"Authorization": "Bearer tok-g"}
QUERY = """
query Repos($o0: String!, $n0: String!, $o1: String!, $n1: String!) {
  r0: repository(owner: $o0, name: $n0) { ...RepoFields }
  r1: repository(owner: $o1, name: $n1) { ...RepoFields }
  rateLimit { cost remaining resetAt limit used nodeCount }
}
fragment RepoFields on Repository {
  databaseId id name nameWithOwner owner { login } createdAt stargazerCount forkCount
  watchers { totalCount }
  issues(states: [OPEN]) { totalCount }
  pullRequests(states: [OPEN]) { totalCount }
  releases(first: 10, orderBy: {field: CREATED_AT, direction: DESC}) {
    totalCount nodes { tagName name publishedAt isPrerelease isDraft url }
  }
  isEmpty isPrivate
}
"""


def post(
    client: httpx.Client, fake: FakeServer, body: dict[str, object], headers: dict[str, str] = TOKEN
) -> httpx.Response:
    return client.post(fake.github_graphql_url, json=body, headers=headers)


def test_requires_a_token(fake_server: FakeServer, client: httpx.Client) -> None:
    r = post(client, fake_server, {"query": "{ viewer { login } }"}, headers={})
    assert r.status_code == 401
    assert r.json()["message"] == "This endpoint requires you to be authenticated."


def test_batch_query_with_a_missing_repo(fake_server: FakeServer, client: httpx.Client) -> None:
    variables = {"o0": "acme", "n0": "rocket", "o1": "acme", "n1": "gone"}
    r = post(client, fake_server, {"query": QUERY, "variables": variables})
    assert r.status_code == 200
    assert r.headers["x-ratelimit-resource"] == "graphql"
    body = r.json()
    repo = body["data"]["r0"]
    assert repo["databaseId"] == 101 and repo["nameWithOwner"] == "acme/rocket"
    assert repo["stargazerCount"] == 42 and repo["watchers"]["totalCount"] == 5
    assert repo["issues"]["totalCount"] == 4 and repo["pullRequests"]["totalCount"] == 3
    assert repo["releases"]["totalCount"] == 3
    assert [n["tagName"] for n in repo["releases"]["nodes"]] == ["v1.1.0", "v1.1.0-rc1", "v1.0.0"]
    assert body["data"]["r1"] is None
    (err,) = body["errors"]
    assert list(err) == ["type", "path", "locations", "message"]
    assert err["type"] == "NOT_FOUND" and err["path"] == ["r1"]
    assert err["message"] == "Could not resolve to a Repository with the name 'acme/gone'."
    rate = body["data"]["rateLimit"]
    assert rate["cost"] == 1 and rate["remaining"] == 4999 and rate["limit"] == 5000
    assert r.headers["x-ratelimit-remaining"] == "4999"


def test_private_and_blocked(fake_server: FakeServer, client: httpx.Client) -> None:
    q = '{ a: repository(owner: "acme", name: "secret") { id } b: repository(owner: "acme", name: "banned") { id } }'  # noqa: E501
    body = post(client, fake_server, {"query": q}).json()
    assert body["data"] == {"a": None, "b": None}
    assert sorted(e["type"] for e in body["errors"]) == ["FORBIDDEN", "NOT_FOUND"]


def test_parse_error_shape(fake_server: FakeServer, client: httpx.Client) -> None:
    real = recorded("github/graphql_error_parse_perceval.json")
    r = post(client, fake_server, {"query": 'query { repository(owner: "a" name= "b") { id } }'})
    assert r.status_code == 200
    (err,) = r.json()["errors"]
    assert set(err) == set(real["errors"][0])
    assert err["message"].startswith('Parse error on "="')


def test_schema_validation(fake_server: FakeServer, client: httpx.Client) -> None:
    q = '{ repository(owner: "acme", name: "rocket") { stargazerCount starCount } }'
    body = post(client, fake_server, {"query": q}).json()
    assert "data" not in body and "starCount" in body["errors"][0]["message"]
    q = '{ repository(owner: "acme", name: "rocket") { releases { nodes { tagName } } } }'
    (err,) = post(client, fake_server, {"query": q}).json()["errors"]
    assert err["type"] == "MISSING_PAGINATION_BOUNDARIES"
    q = '{ repository(owner: "acme", name: "rocket") { releases(first: 101) { totalCount } } }'
    assert (
        post(client, fake_server, {"query": q}).json()["errors"][0]["type"]
        == "EXCESSIVE_PAGINATION"
    )


def test_cost_and_rate_limited(fake_server: FakeServer, client: httpx.Client) -> None:
    q = """{ repository(owner: "acme", name: "rocket") {
      releases(first: 100) { nodes { releaseAssets(first: 100) { totalCount } } } }
      rateLimit { cost nodeCount } }"""
    body = post(client, fake_server, {"query": q}).json()
    assert body["data"]["rateLimit"] == {"cost": 1, "nodeCount": 100}
    q2 = q.replace("releaseAssets(first: 100) { totalCount }",
                   "releaseAssets(first: 100) { nodes { name } }")  # fmt: skip
    assert (
        post(client, fake_server, {"query": q2}).json()["data"]["rateLimit"]["nodeCount"] == 10100
    )
    fake_server.github.set_budget("tok-g", resource="graphql", remaining=0)
    r = post(client, fake_server, {"query": q})
    assert r.status_code == 200
    (err,) = r.json()["errors"]
    assert err["type"] == "RATE_LIMITED" and "rate limit" in err["message"]
    assert r.headers["x-ratelimit-remaining"] == "0"


def test_renamed_repo_resolves(fake_server: FakeServer, client: httpx.Client) -> None:
    fake_server.github.rename("acme/rocket", "rocketeers", "rocket-ng")
    q = '{ repository(owner: "acme", name: "rocket") { databaseId nameWithOwner } }'
    data = post(client, fake_server, {"query": q}).json()["data"]
    assert data["repository"] == {"databaseId": 101, "nameWithOwner": "rocketeers/rocket-ng"}
    q = '{ repository(owner: "acme", name: "rocket", followRenames: false) { databaseId } }'
    assert post(client, fake_server, {"query": q}).json()["data"]["repository"] is None


def test_cursor_pagination(fake_server: FakeServer, client: httpx.Client) -> None:
    q = """query($after: String) { repository(owner: "acme", name: "rocket") {
      stargazers(first: 20, after: $after) { totalCount edges { starredAt node { login } }
      pageInfo { hasNextPage endCursor } } } }"""
    seen, after = [], None
    while True:
        body = post(client, fake_server, {"query": q, "variables": {"after": after}}).json()
        conn = body["data"]["repository"]["stargazers"]
        seen += [e["starredAt"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert len(seen) == conn["totalCount"] == 42 and seen == sorted(seen)


def test_slow_graphql_times_out(fake_server: FakeServer, client: httpx.Client) -> None:
    gh = fake_server.github
    gh.graphql_timeout_s = 0.2
    gh.slow_graphql(0.5)
    r = post(client, fake_server, {"query": "{ rateLimit { cost } }"})
    assert r.status_code == 502 and r.json()["data"] is None
    gh.slow_graphql(0.05)
    assert post(client, fake_server, {"query": "{ rateLimit { cost } }"}).status_code == 200
