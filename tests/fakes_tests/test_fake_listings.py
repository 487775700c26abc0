"""The fakes' listings of an owner's repos: paging, flags, visibility, owners that move or go."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from tests.fakes import FakeGitee, FakeGitHub, FakeRepo, FakeServer
from tests.fakes_tests.conftest import recorded

TOKEN = {"Authorization": "Bearer tok-1"}
OWNER_QUERY = """
query Owner($login: String!, $after: String, $privacy: RepositoryPrivacy) {
  repositoryOwner(login: $login) {
    __typename login
    repositories(first: 100, after: $after, privacy: $privacy, ownerAffiliations: [OWNER],
                 orderBy: {field: NAME, direction: ASC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { databaseId nameWithOwner stargazerCount isFork isArchived isPrivate }
    }
  }
}
"""


def org_with(fake: FakeGitHub | FakeGitee, count: int = 250) -> None:
    fake.add_owner_repos("bigorg", count)
    fake.repo("bigorg/repo-0001").fork = True
    fake.repo("bigorg/repo-0002").archived = True
    secret = fake.repo("bigorg/repo-0003")
    secret.private, secret.readers = True, frozenset({"tok-1", "gitee-member"})


@pytest.fixture
def server() -> Any:
    github, gitee = FakeGitHub(), FakeGitee()
    org_with(github)
    org_with(gitee)
    github.add(FakeRepo(id=7, owner="alice", name="dots", owner_type="User"))
    gitee.add(FakeRepo(id=7, owner="alice", name="dots", owner_type="User"))
    with FakeServer(github=github, gitee=gitee) as fake:
        yield fake


def pages_of(client: httpx.Client, url: str, **headers: str) -> list[httpx.Response]:
    """Every page, following the Link header's next."""
    answers = [client.get(url, headers=headers)]
    while (link := answers[-1].links.get("next")) is not None:
        answers.append(client.get(link["url"], headers=headers))
    return answers


# -- GitHub REST --------------------------------------------------------------------------


def test_github_org_listing_pages_by_link_with_flags(
    server: FakeServer, client: httpx.Client,
) -> None:
    url = f"{server.github_api_url}/orgs/bigorg/repos?per_page=100&sort=full_name"
    answers = pages_of(client, url)
    assert [a.status_code for a in answers] == [200, 200, 200]
    items = [item for a in answers for item in a.json()]
    assert len(items) == 249  # the private one is not shown to an anonymous caller
    assert [i["name"] for i in items] == sorted(i["name"] for i in items)
    by_name = {i["name"]: i for i in items}
    assert by_name["repo-0001"]["fork"] and by_name["repo-0002"]["archived"]
    assert "repo-0003" not in by_name
    assert set(items[0]) == set(recorded("github/repo_PyGithub-PyGithub_2025-01.json")) - {
        "permissions", "temp_clone_token", "allow_squash_merge", "allow_merge_commit",
        "allow_rebase_merge", "allow_auto_merge", "delete_branch_on_merge",
        "allow_update_branch", "use_squash_pr_title_as_default", "squash_merge_commit_message",
        "squash_merge_commit_title", "merge_commit_message", "merge_commit_title",
        "security_and_analysis"}
    assert re.findall(r'rel="(\w+)"', answers[1].headers["link"]) == [
        "prev", "next", "last", "first"]


def test_github_private_repo_listed_only_to_its_readers(
    server: FakeServer, client: httpx.Client,
) -> None:
    url = f"{server.github_api_url}/orgs/bigorg/repos?per_page=100&page=1&sort=full_name"
    first = client.get(url, headers=TOKEN).json()
    secret = next(i for i in first if i["name"] == "repo-0003")
    assert secret["private"] is True and secret["visibility"] == "private"
    assert client.get(f"{server.github_api_url}/repos/bigorg/repo-0003").status_code == 404


def test_github_unchanged_listing_page_is_a_free_304(
    server: FakeServer, client: httpx.Client,
) -> None:
    url = f"{server.github_api_url}/orgs/bigorg/repos?per_page=100"
    first = client.get(url)
    used = server.github.budget().used
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["link"] == first.headers["link"]
    assert server.github.budget().used == used
    server.github.repo("bigorg/repo-0249").stars += 1  # the newest: first in created desc
    changed = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200


def test_github_orgs_endpoint_is_404_for_a_user_users_endpoint_serves_both(
    server: FakeServer, client: httpx.Client,
) -> None:
    api = server.github_api_url
    assert client.get(f"{api}/orgs/alice/repos").status_code == 404
    assert [i["full_name"] for i in client.get(f"{api}/users/alice/repos").json()] == [
        "alice/dots"]
    assert len(client.get(f"{api}/users/bigorg/repos?per_page=100").json()) == 100
    assert client.get(f"{api}/users/nobody/repos").status_code == 404
    assert client.get(f"{api}/orgs/nobody/repos").json()["message"] == "Not Found"


def test_transferred_and_deleted_repos_leave_the_listing(
    server: FakeServer, client: httpx.Client,
) -> None:
    github, api = server.github, server.github_api_url
    github.transfer("bigorg/repo-0010", "alice")
    github.remove("bigorg/repo-0011")
    names = {i["full_name"] for a in pages_of(client, f"{api}/orgs/bigorg/repos?per_page=100")
             for i in a.json()}
    assert len(names) == 247 and "bigorg/repo-0010" not in names
    assert "bigorg/repo-0011" not in names
    alice = [i["full_name"] for i in client.get(f"{api}/users/alice/repos").json()]
    assert alice == ["alice/dots", "alice/repo-0010"]
    moved = client.get(f"{api}/repos/bigorg/repo-0010")
    assert moved.status_code == 301  # the old name still leads to it


def test_an_owner_exists_without_repos() -> None:
    fake = FakeGitHub()
    fake.add_owner("emptyorg")
    fake.add_owner("newuser", kind="User")
    assert fake.owner_kind("EmptyOrg") == "Organization"
    assert fake.owner_kind("newuser") == "User" and fake.owner_kind("ghost") is None
    assert fake.owned("emptyorg") == []


def test_a_thousand_repos_are_cheap_to_make() -> None:
    fake = FakeGitHub()
    began = time.perf_counter()
    made = fake.add_owner_repos("huge", 1000, first_id=5_000_000)
    assert time.perf_counter() - began < 1.0
    assert len(made) == 1000 and made[-1].full_name == "huge/repo-0999"
    assert made[-1].id == 5_000_999 and len(fake.owned("huge")) == 1000


def test_a_failure_can_come_mid_listing(server: FakeServer, client: httpx.Client) -> None:
    server.github.fail_next(1, 503, path_pattern=r"^/orgs/", after=1)
    url = f"{server.github_api_url}/orgs/bigorg/repos?per_page=100"
    assert [client.get(f"{url}&page={n}").status_code for n in (1, 2, 3)] == [200, 503, 200]


# -- GitHub GraphQL -----------------------------------------------------------------------


def owner_page(
    client: httpx.Client, server: FakeServer, login: str, after: str | None = None,
    privacy: str | None = "PUBLIC",
) -> dict[str, Any]:
    variables = {"login": login, "after": after, "privacy": privacy}
    answer = client.post(server.github_graphql_url, headers=TOKEN,
                         json={"query": OWNER_QUERY, "variables": variables})
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def test_graphql_owner_repositories_page_by_cursor(
    server: FakeServer, client: httpx.Client,
) -> None:
    nodes, after, pages = [], None, 0
    while True:
        body = owner_page(client, server, "bigorg", after)
        owner = body["data"]["repositoryOwner"]
        assert owner["__typename"] == "Organization" and "errors" not in body
        connection = owner["repositories"]
        assert connection["totalCount"] == 249
        nodes += connection["nodes"]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert pages == 3 and len(nodes) == 249
    names = [n["nameWithOwner"] for n in nodes]
    assert names == sorted(names) and "bigorg/repo-0003" not in names
    flags = {n["nameWithOwner"]: (n["isFork"], n["isArchived"]) for n in nodes}
    assert flags["bigorg/repo-0001"] == (True, False)
    assert flags["bigorg/repo-0002"] == (False, True)


def test_graphql_privacy_public_hides_what_a_reader_sees_otherwise(
    server: FakeServer, client: httpx.Client,
) -> None:
    every = owner_page(client, server, "bigorg", privacy=None)["data"]["repositoryOwner"]
    assert every["repositories"]["totalCount"] == 250
    secret = [n for n in every["repositories"]["nodes"] if n["isPrivate"]]
    assert [n["nameWithOwner"] for n in secret] == ["bigorg/repo-0003"]


def test_graphql_owner_that_is_a_user_or_nobody(server: FakeServer, client: httpx.Client) -> None:
    user = owner_page(client, server, "alice")["data"]["repositoryOwner"]
    assert user["__typename"] == "User" and user["login"] == "alice"
    assert [n["nameWithOwner"] for n in user["repositories"]["nodes"]] == ["alice/dots"]
    body = owner_page(client, server, "ghost")
    assert body["data"] == {"repositoryOwner": None} and "errors" not in body


# -- Gitee --------------------------------------------------------------------------------


def test_gitee_org_listing_pages_by_total_page_with_flags(
    server: FakeServer, client: httpx.Client,
) -> None:
    url = f"{server.gitee_api_url}/orgs/bigorg/repos"
    answers = [client.get(url, params={"per_page": 100, "page": n}) for n in (1, 2, 3)]
    assert [(a.headers["total_count"], a.headers["total_page"]) for a in answers] == [
        ("249", "3")] * 3
    items = [item for a in answers for item in a.json()]
    by_path = {i["path"]: i for i in items}
    assert len(by_path) == 249 and "repo-0003" not in by_path
    assert by_path["repo-0001"]["fork"] is True
    assert by_path["repo-0002"]["status"] == "关闭" and by_path["repo-0004"]["status"] == "开始"
    real = recorded("gitee/repo_willemjiang-camel-on-cloud_2020_perceval.json")
    assert set(real) <= set(items[0])


def test_gitee_private_repo_listed_only_to_its_readers(
    server: FakeServer, client: httpx.Client,
) -> None:
    url = f"{server.gitee_api_url}/orgs/bigorg/repos"
    page = client.get(url, params={"per_page": 5, "access_token": "gitee-member"}).json()
    secret = next(i for i in page if i["path"] == "repo-0003")
    assert secret["private"] is True and secret["public"] is False


def test_gitee_unchanged_listing_page_is_a_304(server: FakeServer, client: httpx.Client) -> None:
    url = f"{server.gitee_api_url}/orgs/bigorg/repos?per_page=100&page=2"
    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["total_page"] == "3"


def test_gitee_orgs_and_users_endpoints_each_know_their_kind(
    server: FakeServer, client: httpx.Client,
) -> None:
    api = server.gitee_api_url
    assert client.get(f"{api}/orgs/alice/repos").status_code == 404
    assert client.get(f"{api}/users/bigorg/repos").status_code == 404
    assert client.get(f"{api}/users/ghost/repos").status_code == 404
    [dots] = client.get(f"{api}/users/alice/repos", params={"type": "personal"}).json()
    assert dots["full_name"] == "alice/dots" and dots["namespace"]["type"] == "personal"
