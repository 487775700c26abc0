"""Repository identifiers: the short form, the URL forms track accepts, and what is refused."""

from __future__ import annotations

import pytest

from monitor.errors import InputError
from monitor.ids import RepoId, web_base


def test_short_form_parses() -> None:
    assert RepoId.parse("github:PaddlePaddle/Paddle") == RepoId("github", "PaddlePaddle", "Paddle")


def test_gitee_short_form_parses() -> None:
    assert RepoId.parse("gitee:mindspore/mindspore").platform == "gitee"


def test_str_is_the_canonical_short_form() -> None:
    assert str(RepoId.parse(" github:a-b/c.d_e ")) == "github:a-b/c.d_e"


def test_key_ignores_case() -> None:
    assert RepoId.parse("github:PyTorch/PyTorch").key == RepoId.parse("github:pytorch/pytorch").key


def test_url_is_the_web_page() -> None:
    assert RepoId.parse("gitee:a/b").url == "https://gitee.com/a/b"


def test_url_is_on_the_web_base_given() -> None:
    repo = RepoId.parse("github:a/b")
    assert repo.web_url("https://ghe.example.com") == "https://ghe.example.com/a/b"


@pytest.mark.parametrize(("platform", "api", "web"), [
    ("github", "https://api.github.com", "https://github.com"),
    ("github", "https://api.github.com/", "https://github.com"),
    ("github", "https://ghe.example.com/api/v3", "https://ghe.example.com"),  # Enterprise Server
    ("github", "https://ghe.example.com/api/v3/", "https://ghe.example.com"),
    ("github", "http://git.corp:8080/api/v3", "http://git.corp:8080"),
    ("github", "https://api.octo.ghe.com", "https://octo.ghe.com"),  # Enterprise Cloud (GHE.com)
    ("gitee", "https://gitee.com/api/v5", "https://gitee.com"),
    ("github", "http://127.0.0.1:8080/github", "https://github.com"),  # a proxy: the public host
    ("gitee", "http://127.0.0.1:8080/gitee/api/v5", "http://127.0.0.1:8080/gitee"),
])
def test_web_base_follows_the_api_base(platform: str, api: str, web: str) -> None:
    assert web_base(platform, api) == web


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/pytorch/pytorch",
        "https://github.com/pytorch/pytorch/",
        "https://github.com/pytorch/pytorch.git",
        "https://github.com/pytorch/pytorch.git/",
        "http://github.com/pytorch/pytorch",
        "https://www.github.com/pytorch/pytorch",
    ],
)
def test_github_url_forms_give_the_short_form(url: str) -> None:
    assert str(RepoId.parse(url, allow_url=True)) == "github:pytorch/pytorch"


@pytest.mark.parametrize(
    "url", ["https://gitee.com/mindspore/mindspore.git", "http://gitee.com/mindspore/mindspore/"]
)
def test_gitee_url_forms_give_the_short_form(url: str) -> None:
    assert str(RepoId.parse(url, allow_url=True)) == "gitee:mindspore/mindspore"


def test_url_is_refused_without_allow_url() -> None:
    with pytest.raises(InputError, match="bad repository identifier"):
        RepoId.parse("https://github.com/pytorch/pytorch")


def test_unknown_platform_is_refused() -> None:
    with pytest.raises(InputError, match="unknown platform 'gitlab'"):
        RepoId.parse("gitlab:a/b")


@pytest.mark.parametrize(
    "text", ["github:foo", "github:a/b/c", "github:../x", "github:./x", "github:a/..", "github:",
             "a/b", "github:a b/c", ""],
)
def test_bad_identifiers_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="bad repository identifier"):
        RepoId.parse(text, allow_url=True)


@pytest.mark.parametrize(
    "url", ["https://gitlab.com/a/b", "https://gitlab.com/a/b.git", "https://example.com/a/b"]
)
def test_other_hosts_are_refused(url: str) -> None:
    with pytest.raises(InputError, match="not a GitHub or Gitee repository URL"):
        RepoId.parse(url, allow_url=True)


@pytest.mark.parametrize(
    "url", ["https://github.com/a", "https://github.com/a/b/tree/main", "ftp://github.com/a/b"]
)
def test_urls_that_are_not_a_repo_are_refused(url: str) -> None:
    with pytest.raises(InputError, match="bad repository identifier"):
        RepoId.parse(url, allow_url=True)


def test_url_ending_in_bare_git_is_refused() -> None:
    with pytest.raises(InputError, match="bad repository identifier"):
        RepoId.parse("https://github.com/a/.git", allow_url=True)
