"""Owner identifiers (``github:OWNER``) and how ``track`` tells an owner from a repo."""

from __future__ import annotations

import pytest

from monitor.errors import InputError
from monitor.ids import OwnerId, RepoId, parse_tracked


def test_short_form_parses() -> None:
    assert OwnerId.parse("github:PaddlePaddle") == OwnerId("github", "PaddlePaddle")


def test_str_is_the_canonical_short_form() -> None:
    assert str(OwnerId.parse(" gitee:mindspore ")) == "gitee:mindspore"


def test_key_ignores_case() -> None:
    assert OwnerId.parse("github:PyTorch").key == "github:pytorch"


def test_owns_the_repos_under_it_ignoring_case() -> None:
    owner = OwnerId.parse("github:PaddlePaddle")
    assert owner.owns(RepoId.parse("github:paddlepaddle/PaddleOCR"))


@pytest.mark.parametrize("repo", ["gitee:PaddlePaddle/Paddle", "github:PaddlePaddle2/Paddle"])
def test_owns_nothing_on_another_platform_or_owner(repo: str) -> None:
    assert not OwnerId.parse("github:PaddlePaddle").owns(RepoId.parse(repo))


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/pytorch",
        "https://github.com/pytorch/",
        "http://github.com/pytorch",
        "https://www.github.com/pytorch",
    ],
)
def test_github_url_forms_give_the_short_form(url: str) -> None:
    assert str(OwnerId.parse(url, allow_url=True)) == "github:pytorch"


def test_gitee_url_gives_the_short_form() -> None:
    assert str(OwnerId.parse("https://gitee.com/mindspore/", allow_url=True)) == "gitee:mindspore"


def test_url_is_refused_without_allow_url() -> None:
    with pytest.raises(InputError, match="bad owner identifier"):
        OwnerId.parse("https://github.com/pytorch")


def test_unknown_platform_is_refused() -> None:
    with pytest.raises(InputError, match="unknown platform 'gitlab' in 'gitlab:a'"):
        OwnerId.parse("gitlab:a")


@pytest.mark.parametrize(
    "text", ["github:", "github:a/b", "github:..", "github:.", "github:a b", "a", "", ":a"]
)
def test_bad_identifiers_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="bad owner identifier"):
        OwnerId.parse(text, allow_url=True)


@pytest.mark.parametrize("url", ["https://gitlab.com/a", "https://example.com/a/"])
def test_other_hosts_are_refused(url: str) -> None:
    with pytest.raises(InputError, match="not a GitHub or Gitee owner URL"):
        OwnerId.parse(url, allow_url=True)


def test_a_repo_url_is_not_an_owner() -> None:
    with pytest.raises(InputError, match="bad owner identifier"):
        OwnerId.parse("https://github.com/a/b", allow_url=True)


# -- parse_tracked: one argument of track/untrack ------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("github:pytorch", OwnerId("github", "pytorch")),
        ("github:pytorch/vision", RepoId("github", "pytorch", "vision")),
        ("https://gitee.com/mindspore", OwnerId("gitee", "mindspore")),
        ("https://gitee.com/mindspore/", OwnerId("gitee", "mindspore")),
        ("https://gitee.com/mindspore/mindspore.git", RepoId("gitee", "mindspore", "mindspore")),
    ],
)
def test_parse_tracked_tells_owners_from_repos(text: str, expected: RepoId | OwnerId) -> None:
    assert parse_tracked(text, allow_url=True) == expected


def test_parse_tracked_refuses_urls_unless_allowed() -> None:
    with pytest.raises(InputError, match="bad owner identifier"):
        parse_tracked("https://github.com/pytorch")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("github:a/b/c", "bad repository identifier 'github:a/b/c'"),
        ("github:", "bad owner identifier 'github:'"),
        ("gitlab:a", "unknown platform 'gitlab'"),
        ("gitlab:a/b", "unknown platform 'gitlab'"),
        ("https://gitlab.com/a", "not a GitHub or Gitee owner URL"),
        ("https://gitlab.com/a/b", "not a GitHub or Gitee repository URL"),
        ("pytorch", "bad identifier 'pytorch': expected PLATFORM:OWNER/NAME or PLATFORM:OWNER"),
    ],
)
def test_parse_tracked_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")) as info:
        parse_tracked(text, allow_url=True)
    assert "\n" not in str(info.value)
