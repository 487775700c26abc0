"""Local fakes of the GitHub (REST + GraphQL) and Gitee v5 APIs for integration tests.

Usage::

    from tests.fakes import FakeGitHub, FakeGitee, FakeRepo, FakeRelease, FakeServer

    gh = FakeGitHub([FakeRepo(id=1, owner="acme", name="rocket", stars=10)])
    with FakeServer(github=gh) as fake:
        httpx.get(fake.github_api_url + "/repos/acme/rocket", headers={"User-Agent": "t"})
"""

from .gitee import FakeGitee
from .github import ADMIN_ONLY_KEYS, FakeGitHub, link_header, star_weeks
from .github_graphql import github_schema, query_cost
from .server import FakeServer, closed_port_url
from .state import Budget, FakeRelease, FakeRepo, LoggedRequest, etag_for

__all__ = [
    "ADMIN_ONLY_KEYS",
    "Budget",
    "FakeGitHub",
    "FakeGitee",
    "FakeRelease",
    "FakeRepo",
    "FakeServer",
    "LoggedRequest",
    "closed_port_url",
    "etag_for",
    "github_schema",
    "link_header",
    "query_cost",
    "star_weeks",
]
