from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import httpx
import pytest

from tests.fakes import ADMIN_ONLY_KEYS, FakeGitHub, FakeRepo, FakeServer
from tests.fakes_tests.conftest import recorded

TOKEN = {"Authorization": "Bearer tok-1"}


def test_repo_json_has_the_recorded_keys_and_counts(
    fake_server: FakeServer, client: httpx.Client
) -> None:
    real = recorded("github/repo_PyGithub-PyGithub_2025-01.json")
    anon = client.get(f"{fake_server.github_api_url}/repos/acme/rocket").json()
    assert set(anon) == set(real) - ADMIN_ONLY_KEYS - {"permissions"}
    authed = client.get(f"{fake_server.github_api_url}/repos/acme/rocket", headers=TOKEN).json()
    assert set(authed) == set(real) - ADMIN_ONLY_KEYS
    assert set(authed["owner"]) == set(real["owner"])
    assert anon["stargazers_count"] == anon["watchers_count"] == anon["watchers"] == 42
    assert anon["subscribers_count"] == 5
    assert anon["open_issues_count"] == anon["open_issues"] == 4 + 3
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", anon["created_at"])
    assert anon["id"] == 101 and anon["full_name"] == "acme/rocket"


def test_headers_like_github(fake_server: FakeServer, client: httpx.Client) -> None:
    r = client.get(f"{fake_server.github_api_url}/repos/acme/rocket")
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert re.fullmatch(r'"[0-9a-f]{64}"', r.headers["etag"])
    assert r.headers["x-ratelimit-limit"] == "60"
    assert r.headers["x-ratelimit-remaining"] == "59"
    assert r.headers["x-ratelimit-used"] == "1"
    assert r.headers["x-ratelimit-resource"] == "core"
    assert int(r.headers["x-ratelimit-reset"]) > time.time()
    assert r.headers["x-github-request-id"]
    assert r.headers["last-modified"].endswith(" GMT")
    r = client.get(f"{fake_server.github_api_url}/repos/acme/rocket", headers=TOKEN)
    assert r.headers["x-ratelimit-limit"] == "5000"


def test_etag_per_token_and_304_is_free(fake_server: FakeServer, client: httpx.Client) -> None:
    url = f"{fake_server.github_api_url}/repos/acme/rocket"
    a = client.get(url, headers=TOKEN)
    b = client.get(url, headers={"Authorization": "token tok-2"})
    assert a.content == b.content and a.headers["etag"] != b.headers["etag"]
    again = client.get(url, headers={**TOKEN, "If-None-Match": a.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == a.headers["etag"]
    assert again.headers["x-ratelimit-remaining"] == a.headers["x-ratelimit-remaining"]
    assert fake_server.github.budget("tok-1").used == 1
    fake_server.github.repo("acme/rocket").forks += 1
    changed = client.get(url, headers={**TOKEN, "If-None-Match": a.headers["etag"]})
    assert changed.status_code == 200 and changed.json()["forks_count"] == 8


def test_link_header_built_from_request_url(fake_server: FakeServer, client: httpx.Client) -> None:
    base = f"{fake_server.github_api_url}/repos/acme/rocket/contributors"
    r = client.get(f"{base}?per_page=1&anon=1")
    assert r.headers["link"] == (
        f'<{base}?per_page=1&anon=1&page=2>; rel="next", '
        f'<{base}?per_page=1&anon=1&page=12>; rel="last"'
    )
    mid = client.get(f"{base}?per_page=3&page=2&anon=1").headers["link"]
    assert [m for m in re.findall(r'rel="(\w+)"', mid)] == ["prev", "next", "last", "first"]
    assert f'<{base}?per_page=3&page=1&anon=1>; rel="prev"' in mid
    end = client.get(f"{base}?per_page=3&page=4&anon=1")
    assert re.findall(r'rel="(\w+)"', end.headers["link"]) == ["prev", "first"]
    people = client.get(f"{base}?per_page=100").json()
    everyone = client.get(f"{base}?per_page=100&anon=true").json()
    assert len(people) == 10 and len(everyone) == 12
    assert everyone[-1]["type"] == "Anonymous" and "login" not in everyone[-1]
    keys = set(recorded("github/contributors_PyGithub_2012.json")[0])
    assert keys <= set(people[0])


def test_empty_repo_contributors_is_204(fake_server: FakeServer, client: httpx.Client) -> None:
    r = client.get(f"{fake_server.github_api_url}/repos/acme/empty/contributors?anon=1")
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"{fake_server.github_api_url}/repos/acme/empty/releases").json() == []


def test_releases_newest_first_without_drafts(
    fake_server: FakeServer, client: httpx.Client
) -> None:
    r = client.get(f"{fake_server.github_api_url}/repos/acme/rocket/releases?per_page=100")
    tags = [x["tag_name"] for x in r.json()]
    assert tags == ["v1.1.0", "v1.1.0-rc1", "v1.0.0"]
    assert set(r.json()[0]) == set(
        recorded("github/release_latest_rickrickston123-RepoTest_2020.json")
    )
    assert "link" not in r.headers


def test_pulls_are_paged(fake_server: FakeServer, client: httpx.Client) -> None:
    url = f"{fake_server.github_api_url}/repos/acme/rocket/pulls?state=open&per_page=2"
    first = client.get(url)
    assert len(first.json()) == 2 and 'rel="last"' in first.headers["link"]
    second = client.get(url + "&page=2")
    assert len(second.json()) == 1
    assert all(p["state"] == "open" for p in first.json() + second.json())


def test_rename_answers_301_with_the_recorded_shape(
    fake_server: FakeServer, client: httpx.Client
) -> None:
    fake_server.github.rename("acme/rocket", "rocketeers", "rocket-ng")
    r = client.get(f"{fake_server.github_api_url}/repos/acme/rocket")
    assert r.status_code == 301
    real = recorded("github/redirect_301_renamed_repo.json")
    assert set(r.json()) == set(real)
    assert r.headers["location"] == f"{fake_server.github_api_url}/repositories/101"
    assert r.json()["url"] == r.headers["location"]
    assert r.headers["x-ratelimit-used"] == "1"  # charged, like the octokit recording
    followed = client.get(r.headers["location"])
    assert followed.status_code == 200 and followed.json()["full_name"] == "rocketeers/rocket-ng"
    assert client.get(f"{fake_server.github_api_url}/repos/rocketeers/rocket-ng").status_code == 200
    sub = client.get(f"{fake_server.github_api_url}/repos/acme/rocket/releases?per_page=1")
    assert sub.headers["location"].endswith("/repositories/101/releases?per_page=1")


def test_errors_404_451(fake_server: FakeServer, client: httpx.Client) -> None:
    for path in ("/repos/acme/nope", "/repos/acme/secret", "/repositories/999"):
        r = client.get(fake_server.github_api_url + path)
        assert r.status_code == 404 and r.json()["message"] == "Not Found"
        assert "documentation_url" in r.json()
    r = client.get(f"{fake_server.github_api_url}/repos/acme/banned")
    assert r.status_code == 451
    real = recorded("github/error_451_dmca_repo_2024.json")
    assert set(r.json()) == set(real) and set(r.json()["block"]) == set(real["block"])


def test_primary_budget_and_messages(fake_server: FakeServer, client: httpx.Client) -> None:
    gh, url = fake_server.github, f"{fake_server.github_api_url}/repos/acme/rocket"
    gh.set_budget(None, remaining=1)
    assert client.get(url).status_code == 200
    r = client.get(url)
    assert r.status_code == 403 and r.headers["x-ratelimit-remaining"] == "0"
    real = recorded("github/error_403_primary_rate_limit_unauth_2021.json")
    assert set(r.json()) == set(real)
    assert r.json()["message"].startswith("API rate limit exceeded for ")
    assert "Authenticated requests get a higher rate limit" in r.json()["message"]
    gh.set_budget("tok-1", remaining=0)
    r = client.get(url, headers=TOKEN)
    assert r.status_code == 403 and "user ID" in r.json()["message"]
    assert client.get(url, headers={"Authorization": "Bearer tok-3"}).status_code == 200


def test_bad_token_and_missing_user_agent(fake_server: FakeServer, client: httpx.Client) -> None:
    fake_server.github.bad_tokens.add("revoked")
    url = f"{fake_server.github_api_url}/repos/acme/rocket"
    r = client.get(url, headers={"Authorization": "Bearer revoked"})
    assert r.status_code == 401 and r.json()["message"] == "Bad credentials"
    bare = httpx.get(url, headers={"User-Agent": ""})
    assert bare.status_code == 403 and "User-Agent" in bare.text


def test_fault_switches(fake_server: FakeServer, client: httpx.Client) -> None:
    gh, url = fake_server.github, f"{fake_server.github_api_url}/repos/acme/rocket"
    gh.fail_next(2, status=503)
    assert [client.get(url).status_code for _ in range(3)] == [503, 503, 200]
    gh.fail_next(1, status=502, path_pattern=r"/releases$")
    assert client.get(url).status_code == 200
    assert client.get(url + "/releases").status_code == 502
    gh.secondary_limit_next(1, retry_after=7)
    r = client.get(url)
    assert r.status_code == 403 and r.headers["retry-after"] == "7"
    assert int(r.headers["x-ratelimit-remaining"]) > 0
    assert set(r.json()) == set(recorded("github/error_403_secondary_rate_limit_2022.json"))
    assert "secondary rate limit" in r.json()["message"]
    gh.malformed_next(1, path_pattern="/contributors")
    bad = client.get(url + "/contributors")
    assert bad.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad.content)
    assert client.get(url + "/contributors").json()


def test_rate_limit_endpoint_is_free(fake_server: FakeServer, client: httpx.Client) -> None:
    url = f"{fake_server.github_api_url}/rate_limit"
    real = recorded("github/rate_limit_2023.json")
    body = client.get(url, headers=TOKEN).json()
    assert set(body) == set(real) and set(body["resources"]) == set(real["resources"])
    assert body["resources"]["core"]["remaining"] == 5000
    new = client.get(url, headers={**TOKEN, "X-GitHub-Api-Version": "2026-03-10"}).json()
    assert "rate" not in new
    assert fake_server.github.budget("tok-1").used == 0


def test_stargazers_history_weeks(fake_server: FakeServer, client: httpx.Client) -> None:
    url = f"{fake_server.github_api_url}/repos/acme/rocket/stargazers/history"
    first = client.get(url)
    weeks = first.json()
    assert len(weeks) == 30 and 'rel="next"' in first.headers["link"]
    real = recorded("github/stargazers_history_page1_FIXTURE_ghchronicle.json")
    assert set(weeks[0]) == set(real[0])
    pages, page = [weeks], 2
    while 'rel="next"' in (link := client.get(f"{url}?page={page - 1}").headers.get("link", "")):
        pages.append(client.get(f"{url}?page={page}").json())
        page += 1
    assert link
    every = [w for p in pages for w in p]
    for w in every:  # labelled with the Sunday at 00:00Z, as measured (days are LA days)
        start = datetime.fromtimestamp(w["week"], UTC)
        assert (start.hour, start.minute, start.weekday()) == (0, 0, 6)
        assert sum(w["days"]) == w["total"] and len(w["days"]) == 7
    assert [w["week"] for w in every] == sorted((w["week"] for w in every), reverse=True)
    assert sum(w["total"] for w in every) == 42
    etag = first.headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_history_day_buckets_use_pacific_days() -> None:
    # 2024-03-10 06:30Z is Saturday 22:30 in Los Angeles (PST): last day of the previous week.
    stars = [datetime(2024, 3, 10, 6, 30, tzinfo=UTC), datetime(2024, 3, 10, 8, 30, tzinfo=UTC)]
    repo = FakeRepo(id=1, owner="o", name="r", created_at=datetime(2024, 3, 1, tzinfo=UTC),
                    star_times=stars)  # fmt: skip
    gh = FakeGitHub([repo], clock=lambda: datetime(2024, 3, 20, tzinfo=UTC))
    with FakeServer(github=gh) as fake:
        weeks = httpx.get(f"{fake.github_api_url}/repos/o/r/stargazers/history",
                          headers={"User-Agent": "t"}).json()  # fmt: skip
    by_start = {datetime.fromtimestamp(w["week"], UTC): w["days"] for w in weeks}
    # Weeks are labelled by their Sunday at 00:00Z; the days inside are Los Angeles days.
    assert by_start[datetime(2024, 3, 3, tzinfo=UTC)][6] == 1  # Saturday 03-09 in LA
    assert by_start[datetime(2024, 3, 10, tzinfo=UTC)][0] == 1  # 00:30 PST on 03-10, DST at 02:00
    assert datetime(2024, 3, 17, tzinfo=UTC) in by_start


def test_request_log_and_latency(client: httpx.Client) -> None:
    gh = FakeGitHub([FakeRepo(id=5, owner="o", name="r")])
    with FakeServer(github=gh, latency=0.05) as fake:
        t0 = time.perf_counter()
        client.get(f"{fake.github_api_url}/repos/o/r", headers=TOKEN)
        assert time.perf_counter() - t0 >= 0.05
        (entry,) = fake.requests_for("github")
        platform, method, path, query, status, headers = entry
        assert (platform, method, path, status) == ("github", "GET", "/github/repos/o/r", 200)
        assert headers["user-agent"] == "fake-tests/1.0" and "access_token" not in query
        assert headers["authorization"] == "Bearer tok-1"
        assert fake.url.startswith("http://127.0.0.1:")


def test_parallel_requests_overlap() -> None:
    from concurrent.futures import ThreadPoolExecutor

    gh = FakeGitHub([FakeRepo(id=5, owner="o", name="r")])
    with FakeServer(github=gh, latency=0.2) as fake, httpx.Client(headers={"User-Agent": "t"}) as c:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(10) as pool:
            codes = list(pool.map(lambda _: c.get(f"{fake.github_api_url}/repos/o/r").status_code,
                                  range(10)))  # fmt: skip
        assert codes == [200] * 10 and time.perf_counter() - t0 < 1.0
        assert gh.budget().used == 10 and len(fake.requests) == 10
