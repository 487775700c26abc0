"""``track``/``untrack`` of whole owners (``github:OWNER``): the owner goes in the project's
``orgs``, comments and layout are kept, and bad input changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.config.edit import add_repos, remove_repos
from monitor.config.repos import load_repos
from monitor.errors import InputError
from monitor.ids import OwnerId
from tests.repos_toml import SAMPLE, owner, repo, write_repos

OWNERS = """\
[groups.china]
title = "Chinese AI open source"

# MindSpore: the organisations on both platforms
[[projects]]
name = "MindSpore"
groups = ["china"]
orgs = [
    "gitee:mindspore",  # where it is developed
    "github:mindspore-ai",
]
forks = true

# Paddle: one named repo besides its organisation
[[projects]]
name = "Paddle"
orgs = ["github:PaddlePaddle"]
repos = ["github:someone/paddle-extra"]
"""


@pytest.fixture
def owners(tmp_path: Path) -> Path:
    return write_repos(tmp_path, OWNERS)


# -- track -----------------------------------------------------------------------------------


def test_track_an_owner_makes_a_project_named_like_it(sample: Path) -> None:
    lines = add_repos(sample, [owner("github:Jittor")], groups=["china"])
    assert lines == ["tracking every repo of github:Jittor in new project 'Jittor'"]
    assert sample.read_text() == SAMPLE + (
        '\n[[projects]]\nname = "Jittor"\ngroups = ["china"]\norgs = ["github:Jittor"]\n'
    )


def test_track_an_owner_into_a_project_with_repos_writes_orgs_above_repos(sample: Path) -> None:
    add_repos(sample, [owner("github:PaddlePaddle")], project="paddlepaddle")
    assert sample.read_text() == SAMPLE.replace(
        'groups = ["china"]\nrepos = [',
        'groups = ["china"]\norgs = ["github:PaddlePaddle"]\nrepos = [',
    )


def test_track_an_owner_appends_to_a_multiline_orgs(owners: Path) -> None:
    lines = add_repos(owners, [owner("gitee:mindspore-lab")], project="MindSpore")
    assert lines == ["tracking every repo of gitee:mindspore-lab in existing project 'MindSpore'"]
    assert owners.read_text() == OWNERS.replace(
        '    "github:mindspore-ai",\n', '    "github:mindspore-ai",\n    "gitee:mindspore-lab",\n'
    )


def test_track_a_repo_into_a_project_with_orgs_only_adds_repos(owners: Path) -> None:
    add_repos(owners, [repo("github:someone/ms-extra")], project="MindSpore")
    assert owners.read_text() == OWNERS.replace(
        "forks = true\n", 'forks = true\nrepos = ["github:someone/ms-extra"]\n'
    )
    mindspore = load_repos(owners).project("MindSpore")
    assert mindspore is not None and len(mindspore.orgs) == 2


def test_track_an_owner_url_stores_the_short_form(sample: Path) -> None:
    add_repos(sample, [OwnerId.parse("https://gitee.com/mindspore/", allow_url=True)])
    assert sample.read_text().endswith('name = "mindspore"\norgs = ["gitee:mindspore"]\n')


def test_track_repos_and_owners_in_one_command(sample: Path) -> None:
    lines = add_repos(sample, [owner("github:oneflow-inc"), repo("gitee:oneflow/oneflow")],
                      project="OneFlow")
    assert lines == [
        "tracking every repo of github:oneflow-inc in new project 'OneFlow'",
        "tracking gitee:oneflow/oneflow in new project 'OneFlow'",
    ]
    assert sample.read_text().endswith(
        'name = "OneFlow"\norgs = ["github:oneflow-inc"]\nrepos = ["gitee:oneflow/oneflow"]\n'
    )


def test_track_owners_each_into_their_own_default_project(sample: Path) -> None:
    add_repos(sample, [owner("github:a"), owner("gitee:b")])
    tracked = load_repos(sample)
    assert [(p.name, p.orgs) for p in tracked.projects[3:]] == [
        ("a", (owner("github:a"),)), ("b", (owner("gitee:b"),)),
    ]


def test_track_an_owner_adds_the_group_above_orgs(owners: Path) -> None:
    add_repos(owners, [owner("gitee:paddlepaddle")], project="Paddle", groups=["china"])
    assert (
        'name = "Paddle"\ngroups = ["china"]\norgs = ["github:PaddlePaddle", "gitee:paddlepaddle"]'
    ) in owners.read_text()


def test_track_a_repo_an_owner_lists_says_where_it_counts(owners: Path) -> None:
    lines = add_repos(owners, [repo("github:PaddlePaddle/PaddleOCR")])
    assert lines == [
        "tracking github:PaddlePaddle/PaddleOCR in new project 'PaddleOCR'",
        "note: github:PaddlePaddle/PaddleOCR's owner github:PaddlePaddle is tracked in project "
        "'Paddle'; named, the repo counts in 'PaddleOCR' only",
    ]


def test_projects_written_inline_take_owners(tmp_path: Path) -> None:
    path = write_repos(tmp_path, 'projects = [\n  {name = "A", repos = ["github:a/a"]},  # A\n]\n')
    add_repos(path, [owner("github:a")], project="A")
    add_repos(path, [owner("github:c")], project="C")
    tracked = load_repos(path)
    assert [(p.name, p.orgs) for p in tracked.projects] == [
        ("A", (owner("github:a"),)), ("C", (owner("github:c"),)),
    ]
    remove_repos(path, [owner("github:a"), owner("github:c")])
    # tomlkit leaves the space before a key it drops from an inline table: '"] },  # A'.
    assert path.read_text().replace(" }", "}") == (
        'projects = [\n  {name = "A", repos = ["github:a/a"]},  # A\n]\n'
    )


# -- track: bad input changes nothing ------------------------------------------------------


def test_track_refuses_a_tracked_owner_naming_where(owners: Path) -> None:
    where = re.escape(f"gitee:MindSpore is already tracked in project 'MindSpore' ({owners}:9)")
    with pytest.raises(InputError, match=where):
        add_repos(owners, [owner("github:new"), owner("gitee:MindSpore")])
    assert owners.read_text() == OWNERS


def test_track_refuses_an_owner_given_twice(owners: Path) -> None:
    with pytest.raises(InputError, match="github:A is given twice"):
        add_repos(owners, [owner("github:a"), owner("github:A")])
    assert owners.read_text() == OWNERS


# -- untrack ---------------------------------------------------------------------------------


def test_untrack_an_owner_removes_it_from_orgs(owners: Path) -> None:
    lines = remove_repos(owners, [owner("github:MindSpore-AI")])
    assert lines == ["untracked github:mindspore-ai from project 'MindSpore'"]
    assert owners.read_text() == OWNERS.replace('    "github:mindspore-ai",\n', "")


def test_untrack_the_last_owner_of_a_project_with_repos_drops_the_orgs_key(owners: Path) -> None:
    remove_repos(owners, [owner("github:PaddlePaddle")])
    assert owners.read_text() == OWNERS.replace('orgs = ["github:PaddlePaddle"]\n', "")


def test_untrack_the_last_repo_of_a_project_with_orgs_drops_the_repos_key(owners: Path) -> None:
    remove_repos(owners, [repo("github:someone/paddle-extra")])
    assert owners.read_text() == OWNERS.replace('repos = ["github:someone/paddle-extra"]\n', "")


def test_untrack_everything_of_a_project_removes_it_with_its_comment(owners: Path) -> None:
    lines = remove_repos(owners, [owner("gitee:mindspore"), owner("github:mindspore-ai")])
    assert lines[-1] == "removed project 'MindSpore': no repos or orgs left"
    assert owners.read_text() == OWNERS[: OWNERS.index("# MindSpore")] + OWNERS[
        OWNERS.index("# Paddle"):
    ]


def test_untrack_repos_and_owners_in_one_command(owners: Path) -> None:
    remove_repos(owners, [repo("github:someone/paddle-extra"), owner("github:PaddlePaddle")])
    assert [p.name for p in load_repos(owners).projects] == ["MindSpore"]


def test_untrack_refuses_an_untracked_owner(owners: Path) -> None:
    with pytest.raises(InputError, match="github:nobody is not tracked"):
        remove_repos(owners, [owner("gitee:mindspore"), owner("github:nobody")])
    assert owners.read_text() == OWNERS


def test_untrack_of_a_repo_that_comes_through_an_owner_says_to_exclude_it(owners: Path) -> None:
    message = re.escape(
        "github:PaddlePaddle/Paddle is not named in the tracked list; its owner "
        "github:PaddlePaddle is tracked (project 'Paddle'): to leave it out, add it to that "
        "project's `exclude`"
    )
    with pytest.raises(InputError, match=message):
        remove_repos(owners, [repo("github:PaddlePaddle/Paddle")])
    assert owners.read_text() == OWNERS


# -- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("project", ["MindSpore", "Paddle"])
def test_track_then_untrack_an_owner_restores_the_file(owners: Path, project: str) -> None:
    add_repos(owners, [owner("github:someone"), repo("gitee:someone/else")], project=project)
    remove_repos(owners, [owner("github:someone"), repo("gitee:someone/else")])
    assert owners.read_bytes() == OWNERS.encode()


def test_track_then_untrack_an_owner_in_a_repos_only_project_restores_the_file(
    sample: Path,
) -> None:
    add_repos(sample, [owner("github:keras-team")], project="Keras")
    remove_repos(sample, [owner("github:keras-team")])
    assert sample.read_bytes() == SAMPLE.encode()


def test_track_then_untrack_a_new_owner_project_restores_the_file(sample: Path) -> None:
    add_repos(sample, [owner("github:a"), owner("gitee:a")], project="A")
    remove_repos(sample, [owner("github:a"), owner("gitee:a")])
    assert sample.read_bytes() == SAMPLE.encode()
