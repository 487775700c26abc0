"""config/repos.toml with whole owners: ``orgs``, ``exclude``, ``forks`` and ``archived``,
loaded and validated with file:line like every other key."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.repos import Project, load_repos
from monitor.ids import RepoId
from tests.repos_toml import assert_error_at, owner, repo, write_repos

OWNERS = """\
[groups.china]
title = "Chinese AI open source"

# PaddlePaddle: the whole organisation on both platforms
[[projects]]
name = "PaddlePaddle"
groups = ["china"]
orgs = ["github:PaddlePaddle", "gitee:paddlepaddle"]
repos = ["github:someone/paddle-extra"]
exclude = ["github:PaddlePaddle/*-docs"]
forks = false
archived = false

# MindSpore: owners only
[[projects]]
name = "MindSpore"
orgs = [
    "gitee:mindspore",
    "github:mindspore-ai",
]
forks = true
archived = true

# Keras: one repo
[[projects]]
name = "Keras"
repos = ["github:keras-team/keras"]
"""


def project(path: Path, name: str) -> Project:
    found = load_repos(path).project(name)
    assert found is not None
    return found


# -- loading -----------------------------------------------------------------------------------


def test_orgs_load_in_file_order(tmp_path: Path) -> None:
    tracked = load_repos(write_repos(tmp_path, OWNERS))
    assert tracked.owners() == (
        owner("github:PaddlePaddle"),
        owner("gitee:paddlepaddle"),
        owner("gitee:mindspore"),
        owner("github:mindspore-ai"),
    )


def test_a_project_may_have_orgs_and_named_repos(tmp_path: Path) -> None:
    paddle = project(write_repos(tmp_path, OWNERS), "PaddlePaddle")
    assert paddle.orgs == (owner("github:PaddlePaddle"), owner("gitee:paddlepaddle"))
    assert paddle.repos == (repo("github:someone/paddle-extra"),)


def test_a_project_may_have_orgs_only(tmp_path: Path) -> None:
    assert project(write_repos(tmp_path, OWNERS), "MindSpore").repos == ()


def test_defaults_skip_forks_and_archived_and_exclude_nothing(tmp_path: Path) -> None:
    keras = project(write_repos(tmp_path, OWNERS), "Keras")
    assert (keras.orgs, keras.exclude, keras.forks, keras.archived) == ((), (), False, False)


def test_forks_and_archived_are_read(tmp_path: Path) -> None:
    mindspore = project(write_repos(tmp_path, OWNERS), "MindSpore")
    assert (mindspore.forks, mindspore.archived) == (True, True)


def test_named_repos_are_still_every_named_repo(tmp_path: Path) -> None:
    assert [str(r) for r in load_repos(write_repos(tmp_path, OWNERS)).repos()] == [
        "github:someone/paddle-extra", "github:keras-team/keras",
    ]


# -- exclude -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("excluded", "expected"),
    [
        ("github:PaddlePaddle/book-docs", True),
        ("github:paddlepaddle/BOOK-DOCS", True),  # ignoring case, as the platforms do
        ("github:PaddlePaddle/Paddle", False),
        ("gitee:paddlepaddle/book-docs", False),
    ],
)
def test_exclude_globs_match_repo_ids_ignoring_case(
    tmp_path: Path, excluded: str, expected: bool
) -> None:
    paddle = project(write_repos(tmp_path, OWNERS), "PaddlePaddle")
    assert paddle.excludes(repo(excluded)) is expected


@pytest.mark.parametrize(
    ("glob", "matches", "misses"),
    [
        ("github:a/?", "github:a/b", "github:a/bc"),
        ("github:a/[bc]*", "github:a/cat", "github:a/dog"),
        ("github:a/[!b]", "github:a/c", "github:a/b"),
        ("github:a/x[]]", "github:a/x]", "github:a/x"),
        ("*:a/*", "gitee:a/z", "github:b/z"),
    ],
)
def test_exclude_globs_are_shell_globs(glob: str, matches: str, misses: str) -> None:
    project = Project("P", (), (), exclude=(glob,))
    assert project.excludes(RepoId("x", "y", "z")) is False
    assert project.excludes(_loose(matches)) and not project.excludes(_loose(misses))


def _loose(text: str) -> RepoId:
    """A RepoId without the parser's checks (a `]` is not in any real name)."""
    platform, path = text.split(":")
    owner_, name = path.split("/")
    return RepoId(platform, owner_, name)


# -- errors, each with its line --------------------------------------------------------------


def test_orgs_must_be_a_list_of_strings(tmp_path: Path) -> None:
    text = OWNERS.replace('orgs = ["github:PaddlePaddle", "gitee:paddlepaddle"]',
                          'orgs = "github:PaddlePaddle"')
    assert_error_at(tmp_path, text, 8, 'orgs of project \'PaddlePaddle\' must be a list of '
                    'strings like "github:OWNER"')


def test_bad_owner_identifier(tmp_path: Path) -> None:
    text = OWNERS.replace('"github:mindspore-ai"', '"github:mindspore ai"')
    assert_error_at(tmp_path, text, 19, "bad owner identifier 'github:mindspore ai'")


def test_unknown_platform_in_orgs(tmp_path: Path) -> None:
    text = OWNERS.replace('"gitee:mindspore"', '"gitlab:mindspore"')
    assert_error_at(tmp_path, text, 18, "unknown platform 'gitlab' in 'gitlab:mindspore'")


def test_a_repo_in_orgs_says_it_goes_in_repos(tmp_path: Path) -> None:
    text = OWNERS.replace('"gitee:mindspore",', '"gitee:mindspore/mindspore",')
    assert_error_at(
        tmp_path, text, 18,
        "bad owner identifier 'gitee:mindspore/mindspore': expected PLATFORM:OWNER in project "
        "'MindSpore' (gitee:mindspore/mindspore is a repository: put it in `repos`)",
    )


def test_an_owner_in_repos_says_it_goes_in_orgs(tmp_path: Path) -> None:
    text = OWNERS.replace('repos = ["github:keras-team/keras"]', 'repos = ["github:keras-team"]')
    assert_error_at(
        tmp_path, text, 27,
        "bad repository identifier 'github:keras-team': expected PLATFORM:OWNER/NAME in project "
        "'Keras' (github:keras-team is an owner: put it in `orgs`)",
    )


def test_an_owner_in_two_projects_names_the_first(tmp_path: Path) -> None:
    text = OWNERS.replace('"github:mindspore-ai"', '"github:paddlepaddle"')
    assert_error_at(
        tmp_path, text, 19,
        "github:paddlepaddle is listed twice (first at line 8, in project 'PaddlePaddle')",
    )


def test_an_owner_twice_in_one_project(tmp_path: Path) -> None:
    text = OWNERS.replace('"github:mindspore-ai"', '"gitee:MindSpore"')
    assert_error_at(
        tmp_path, text, 19, "gitee:MindSpore is listed twice (first at line 18, in project"
    )


def test_a_project_with_neither_repos_nor_orgs(tmp_path: Path) -> None:
    text = OWNERS.replace('repos = ["github:keras-team/keras"]', 'orgs = []\nrepos = []')
    assert_error_at(
        tmp_path, text, 28, "project 'Keras' has no repos: it needs `repos`, `orgs` or both"
    )


def test_empty_repos_beside_orgs_is_allowed(tmp_path: Path) -> None:
    text = OWNERS.replace('name = "MindSpore"\n', 'name = "MindSpore"\nrepos = []\n')
    assert project(write_repos(tmp_path, text), "MindSpore").repos == ()


@pytest.mark.parametrize("glob", ["github:a/[b", "github:a/[!", "github:a/]", "", "github:a/[]"])
def test_a_bad_glob_in_exclude(tmp_path: Path, glob: str) -> None:
    text = OWNERS.replace('"github:PaddlePaddle/*-docs"', f'"github:x/y", "{glob}"')
    assert_error_at(tmp_path, text, 10, f"bad glob {glob!r} in exclude of project 'PaddlePaddle'")


def test_exclude_must_be_a_list_of_strings(tmp_path: Path) -> None:
    text = OWNERS.replace('exclude = ["github:PaddlePaddle/*-docs"]', "exclude = [1]")
    assert_error_at(tmp_path, text, 10, "exclude of project 'PaddlePaddle' must be a list of")


@pytest.mark.parametrize("key", ["forks", "archived"])
def test_forks_and_archived_must_be_true_or_false(tmp_path: Path, key: str) -> None:
    text = OWNERS.replace(f"{key} = true", f'{key} = "yes"')
    line = {"forks": 21, "archived": 22}[key]
    assert_error_at(tmp_path, text, line, f"{key} of project 'MindSpore' must be true or false")


def test_unknown_key_lists_the_new_keys(tmp_path: Path) -> None:
    text = OWNERS.replace("forks = true", "fork = true")
    assert_error_at(
        tmp_path, text, 21,
        "unknown key 'fork' in project 'MindSpore' (known: archived, exclude, forks, groups, "
        "name, orgs, repos)",
    )
