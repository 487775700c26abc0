from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.fakes import FakeServer
from tests.fakes_tests.conftest import recorded


def test_repo_json_shape(fake_server: FakeServer, client: httpx.Client) -> None:
    real = recorded("gitee/repo_willemjiang-camel-on-cloud_2020_perceval.json")
    r = client.get(f"{fake_server.gitee_api_url}/repos/acme/rocket")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(real) <= set(body)
    assert set(real["namespace"]) <= set(body["namespace"])
    assert set(real["owner"]) <= set(body["owner"])
    assert body["stargazers_count"] == 25 and body["watchers_count"] == 9
    assert body["forks_count"] == 2 and body["open_issues_count"] == 1  # issues only
    assert body["created_at"].endswith("+08:00") and body["html_url"].endswith(".git")
    assert not any(h.startswith("x-ratelimit") for h in r.headers)


def test_stargazers_oldest_first_with_total_headers(
    fake_server: FakeServer, client: httpx.Client
) -> None:
    url = f"{fake_server.gitee_api_url}/repos/acme/rocket/stargazers"
    r = client.get(url, params={"page": 1, "per_page": 10})
    assert r.headers["total_count"] == "25" and r.headers["total_page"] == "3"
    assert "link" not in r.headers
    first = r.json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", first[0]["star_at"])
    assert {"id", "login", "name", "html_url", "star_at"} <= set(first[0])
    big = client.get(url, params={"per_page": 500})
    assert len(big.json()) == 25 and big.headers["total_page"] == "1"  # clamped to 100
    times = [s["star_at"] for s in big.json()]
    assert times == sorted(times)
    assert client.get(url, params={"page": 9, "per_page": 10}).json() == []


def test_contributors_unpaged(fake_server: FakeServer, client: httpx.Client) -> None:
    url = f"{fake_server.gitee_api_url}/repos/acme/rocket/contributors"
    r = client.get(url, params={"per_page": 1, "page": 2, "type": "authors"})
    assert len(r.json()) == 5 and "total_count" not in r.headers
    assert set(r.json()[0]) == {"email", "name", "contributions"}
    assert client.get(f"{fake_server.gitee_api_url}/repos/acme/empty/contributors").json() == []


def test_releases_and_pulls(fake_server: FakeServer, client: httpx.Client) -> None:
    url = f"{fake_server.gitee_api_url}/repos/acme/rocket/releases"
    asc = [x["tag_name"] for x in client.get(url).json()]
    assert asc == ["v1.0.0", "v1.1.0-rc1", "v1.1.0"]
    desc = client.get(url, params={"direction": "desc", "per_page": 1})
    assert [x["tag_name"] for x in desc.json()] == ["v1.1.0"] and desc.headers["total_count"] == "3"
    pulls = client.get(f"{fake_server.gitee_api_url}/repos/acme/rocket/pulls?state=open")
    assert len(pulls.json()) == 2 and pulls.headers["total_count"] == "2"
    real = recorded("gitee/pulls_page1_willemjiang-camel-on-cloud_2020_perceval.json")[0]
    assert {"id", "number", "state", "created_at", "user", "head", "base"} <= set(real)
    assert {"id", "number", "state", "created_at", "user", "head", "base"} <= set(pulls.json()[0])


def test_not_found_private_renamed(fake_server: FakeServer, client: httpx.Client) -> None:
    api = fake_server.gitee_api_url
    assert client.get(f"{api}/repos/acme/nope").json() == {"message": "Not Found Project"}
    fake_server.gitee.repo("acme/empty").private = True
    assert client.get(f"{api}/repos/acme/empty").status_code == 404
    fake_server.gitee.rename("acme/rocket", "acme", "rocket2")
    assert client.get(f"{api}/repos/acme/rocket").status_code == 404
    assert client.get(f"{api}/repos/acme/rocket2").json()["id"] == 8725354


def test_tokens_budget_and_faults(fake_server: FakeServer, client: httpx.Client) -> None:
    gitee, url = fake_server.gitee, f"{fake_server.gitee_api_url}/repos/acme/rocket"
    assert client.get(url, params={"access_token": "gt"}).status_code == 200
    assert gitee.budget("gt").used == 1 and gitee.budget(None).used == 0
    (entry,) = fake_server.requests_for("gitee")
    assert entry.query == {"access_token": "gt"}
    gitee.bad_tokens.add("bad")
    assert client.get(url, params={"access_token": "bad"}).status_code == 401
    gitee.set_budget(None, remaining=0)
    r = client.get(url)
    assert r.status_code == 403 and "Rate Limit" in r.json()["message"]
    gitee.throttle_next(1, status=429, retry_after=3)
    r = client.get(url, params={"access_token": "gt"})
    assert r.status_code == 429 and r.headers["retry-after"] == "3"
    gitee.fail_next(1, status=500)
    assert client.get(url, params={"access_token": "gt"}).status_code == 500
    gitee.malformed_next(1)
    with pytest.raises(json.JSONDecodeError):
        json.loads(client.get(url, params={"access_token": "gt"}).content)
    ok = client.get(url, params={"access_token": "gt"})
    again = client.get(
        url, params={"access_token": "gt"}, headers={"If-None-Match": ok.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
