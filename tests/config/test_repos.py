"""config/repos.toml: loading, validation with file:line, and comment-preserving edits."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from monitor.config.edit import add_repos, remove_repos
from monitor.config.repos import Group, load_repos
from monitor.errors import ConfigError, InputError
from tests.repos_toml import SAMPLE, assert_error_at, repo, write_repos

ROOT = Path(__file__).resolve().parents[2]

# SAMPLE, the file most tests here start from (the ``sample`` fixture writes it), is in
# tests/repos_toml.py, shared with the owners' tests.




# -- loading -----------------------------------------------------------------------------------


def test_shipped_file_loads_with_both_groups() -> None:
    tracked = load_repos(ROOT / "config" / "repos.toml")
    assert tracked.groups == {
        "china": Group("china", "Chinese AI open source"),
        "us": Group("us", "US AI open source"),
    }


def test_shipped_file_tracks_the_default_projects() -> None:
    tracked = load_repos(ROOT / "config" / "repos.toml")
    china = [p.name for p in tracked.projects if "china" in p.groups]
    us = [p.name for p in tracked.projects if "us" in p.groups]
    assert china == [
        "PaddlePaddle", "MindSpore", "MegEngine", "Angel", "Alink", "OneFlow", "Jittor"
    ]
    assert us == ["TensorFlow", "PyTorch", "Keras", "Bazel"]


def test_shipped_file_tracks_the_ecosystems_by_their_owners() -> None:
    tracked = load_repos(ROOT / "config" / "repos.toml")
    assert {p.name: [str(o) for o in p.orgs] for p in tracked.projects if p.orgs} == {
        "PaddlePaddle": ["github:PaddlePaddle", "gitee:paddlepaddle"],
        "MindSpore": ["gitee:mindspore", "github:mindspore-ai"],
        "MegEngine": ["github:MegEngine"],
        "Angel": ["github:Angel-ML"],
        "OneFlow": ["github:Oneflow-Inc"],
        "Jittor": ["github:Jittor"],
        "TensorFlow": ["github:tensorflow"],
        "PyTorch": ["github:pytorch"],
        "Keras": ["github:keras-team"],
        "Bazel": ["github:bazelbuild"],
    }
    assert all(not p.exclude and not p.forks and not p.archived for p in tracked.projects)


def test_shipped_file_keeps_alink_as_its_one_repo() -> None:
    """Alibaba's organisation is not one ecosystem: Alink is named, the owner is not."""
    tracked = load_repos(ROOT / "config" / "repos.toml")
    assert [str(r) for r in tracked.repos()] == ["github:alibaba/Alink"]
    alink = tracked.project("alink")
    assert alink is not None and alink.orgs == ()


def test_shipped_file_has_a_comment_above_every_project() -> None:
    lines = (ROOT / "config" / "repos.toml").read_text(encoding="utf-8").splitlines()
    above = [lines[i - 1] for i, line in enumerate(lines) if line == "[[projects]]"]
    assert len(above) == 11
    assert all(line.startswith("# ") for line in above)


def test_load_gives_repos_in_file_order(sample: Path) -> None:
    tracked = load_repos(sample)
    assert [str(r) for r in tracked.repos()] == [
        "github:PaddlePaddle/Paddle",
        "gitee:paddlepaddle/Paddle",
        "github:pytorch/pytorch",
        "github:pytorch/vision",
        "github:keras-team/keras",
    ]


def test_project_of_ignores_case(sample: Path) -> None:
    project = load_repos(sample).project_of(repo("github:PyTorch/Vision"))
    assert project is not None and project.name == "PyTorch"


def test_group_title_defaults_to_key(tmp_path: Path) -> None:
    path = write_repos(tmp_path, "[groups.eu]\n")
    assert load_repos(path).groups["eu"].title == "eu"


def test_project_without_groups_is_allowed(sample: Path) -> None:
    keras = load_repos(sample).project("Keras")
    assert keras is not None and keras.groups == ()


def test_missing_file_says_run_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not found; run `aoss-monitor init`"):
        load_repos(tmp_path / "repos.toml")


# -- validation: file:line of the first problem ---------------------------------------------


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    assert_error_at(tmp_path, '[groups.us]\ntitle = "US"\nname = \n', 3, "TOML syntax error")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    assert_error_at(tmp_path, '[groups.us]\n\n[settings]\nx = 1\n', 3, "unknown key 'settings'")


def test_unknown_top_level_value(tmp_path: Path) -> None:
    assert_error_at(tmp_path, 'version = 2\n[groups.us]\n', 1, "unknown key 'version'")


def test_groups_must_be_a_table(tmp_path: Path) -> None:
    assert_error_at(tmp_path, '# c\ngroups = ["us"]\n', 2, "groups must be a table")


def test_group_must_be_a_table(tmp_path: Path) -> None:
    assert_error_at(tmp_path, '[groups]\nus = "US"\n', 2, "group 'us' must be a table")


def test_bad_group_key(tmp_path: Path) -> None:
    assert_error_at(tmp_path, '[groups.ok]\n\n[groups."not ok"]\n', 3, "bad group key 'not ok'")


def test_unknown_key_in_group(tmp_path: Path) -> None:
    text = '[groups.us]\ntitle = "US"\ncolour = "red"\n'
    assert_error_at(tmp_path, text, 3, "unknown key 'colour' in group 'us'")


def test_group_title_must_be_a_string(tmp_path: Path) -> None:
    assert_error_at(tmp_path, '[groups.us]\ntitle = 1\n', 2, "title of group 'us'")


def test_projects_must_be_an_array_of_tables(tmp_path: Path) -> None:
    assert_error_at(tmp_path, '[groups.us]\n\n[projects]\nname = "x"\n', 3, "array of")


def test_unknown_key_in_project(tmp_path: Path) -> None:
    text = SAMPLE.replace('name = "Keras"\n', 'name = "Keras"\nhomepage = "keras.io"\n')
    assert_error_at(tmp_path, text, 27, "unknown key 'homepage' in project 'Keras'")


def test_project_without_name(tmp_path: Path) -> None:
    text = SAMPLE.replace('name = "Keras"\n', "")
    assert_error_at(tmp_path, text, 25, "project #3 has no name")


def test_project_name_must_be_a_string(tmp_path: Path) -> None:
    text = SAMPLE.replace('name = "Keras"', "name = 3")
    assert_error_at(tmp_path, text, 26, "name of project #3")


def test_project_name_must_not_be_empty(tmp_path: Path) -> None:
    text = SAMPLE.replace('name = "Keras"', 'name = " "')
    assert_error_at(tmp_path, text, 26, "non-empty")


def test_duplicate_project_name_ignores_case(tmp_path: Path) -> None:
    text = SAMPLE.replace('name = "Keras"', 'name = "pytorch"')
    assert_error_at(tmp_path, text, 26, "duplicate project name 'pytorch' (first at line 17)")


def test_project_groups_must_be_a_list(tmp_path: Path) -> None:
    text = SAMPLE.replace('groups = ["us"]', 'groups = "us"')
    assert_error_at(tmp_path, text, 18, "groups of project 'PyTorch' must be a list")


def test_undefined_group(tmp_path: Path) -> None:
    text = SAMPLE.replace('groups = ["us"]', 'groups = [\n  "us",\n  "eu",\n]')
    assert_error_at(tmp_path, text, 20, "group 'eu' is not defined")


def test_undefined_group_is_found_after_a_name_that_spells_it(tmp_path: Path) -> None:
    text = '[[projects]]\nname = "eu"\ngroups = ["eu"]\nrepos = ["github:a/b"]\n'
    assert_error_at(tmp_path, text, 3, "group 'eu' is not defined")


def test_project_without_repos_key(tmp_path: Path) -> None:
    text = SAMPLE.replace('repos = ["github:keras-team/keras"]\n', "")
    assert_error_at(tmp_path, text, 25, "project 'Keras' has no repos")


def test_project_with_empty_repos(tmp_path: Path) -> None:
    text = SAMPLE.replace('repos = ["github:keras-team/keras"]', "repos = []")
    assert_error_at(tmp_path, text, 27, "project 'Keras' has no repos")


def test_repos_must_be_strings(tmp_path: Path) -> None:
    text = SAMPLE.replace('repos = ["github:keras-team/keras"]', "repos = [1]")
    assert_error_at(tmp_path, text, 27, "must be a list of strings")


def test_bad_repo_identifier(tmp_path: Path) -> None:
    text = SAMPLE.replace('"github:pytorch/vision"', '"github:pytorch"')
    assert_error_at(tmp_path, text, 21, "bad repository identifier 'github:pytorch'")


def test_repo_url_is_refused_in_the_file(tmp_path: Path) -> None:
    text = SAMPLE.replace('"github:keras-team/keras"', '"https://github.com/keras-team/keras"')
    assert_error_at(tmp_path, text, 27, "bad repository identifier")


def test_unknown_platform(tmp_path: Path) -> None:
    text = SAMPLE.replace('"github:keras-team/keras"', '"gitlab:keras-team/keras"')
    assert_error_at(tmp_path, text, 27, "unknown platform 'gitlab'")


def test_duplicate_repo_across_projects_names_the_first(tmp_path: Path) -> None:
    text = SAMPLE.replace('"github:keras-team/keras"', '"github:PyTorch/Vision"')
    assert_error_at(
        tmp_path, text, 27, "github:PyTorch/Vision is listed twice (first at line 21, in project"
    )


def test_duplicate_repo_on_one_line_is_found(tmp_path: Path) -> None:
    text = '[[projects]]\nname = "A"\nrepos = ["github:a/b", "github:a/b"]\n'
    assert_error_at(tmp_path, text, 3, "listed twice (first at line 3")


def test_commented_out_repo_is_not_blamed(tmp_path: Path) -> None:
    text = (
        '[[projects]]\nname = "A"\nrepos = [\n  # "github:a/b" was here\n'
        '  "github:a/b",\n  "github:a/b",\n]\n'
    )
    assert_error_at(tmp_path, text, 6, "first at line 5")


# -- track -----------------------------------------------------------------------------------


def test_track_appends_to_a_one_line_array(sample: Path) -> None:
    add_repos(sample, [repo("gitee:PaddlePaddle/models")], project="PaddlePaddle")
    assert sample.read_text() == SAMPLE.replace(
        '"gitee:paddlepaddle/Paddle"]', '"gitee:paddlepaddle/Paddle", "gitee:PaddlePaddle/models"]'
    )


def test_track_adds_a_line_to_a_multiline_array(sample: Path) -> None:
    add_repos(sample, [repo("gitee:pytorch/pytorch")], project="PyTorch")
    assert sample.read_text() == SAMPLE.replace(
        '    "github:pytorch/vision",\n',
        '    "github:pytorch/vision",\n    "gitee:pytorch/pytorch",\n',
    )


def test_track_joins_the_project_named_like_the_repo(sample: Path) -> None:
    lines = add_repos(sample, [repo("gitee:mirrors/pytorch")])
    assert lines == ["tracking gitee:mirrors/pytorch in existing project 'PyTorch'"]
    project = load_repos(sample).project_of(repo("gitee:mirrors/pytorch"))
    assert project is not None and project.name == "PyTorch"


def test_track_project_option_ignores_case(sample: Path) -> None:
    add_repos(sample, [repo("github:keras-team/tf-keras")], project="KERAS")
    keras = load_repos(sample).project("Keras")
    assert keras is not None and len(keras.repos) == 2


def test_track_appends_a_new_project_at_the_end(sample: Path) -> None:
    lines = add_repos(sample, [repo("github:Jittor/jittor")], groups=["china"])
    assert lines == ["tracking github:Jittor/jittor in new project 'jittor'"]
    assert sample.read_text() == SAMPLE + (
        '\n[[projects]]\nname = "jittor"\ngroups = ["china"]\nrepos = ["github:Jittor/jittor"]\n'
    )


def test_track_new_project_without_groups_has_no_groups_key(sample: Path) -> None:
    add_repos(sample, [repo("github:a/b")], project="Mine")
    assert sample.read_text().endswith('\n\n[[projects]]\nname = "Mine"\nrepos = ["github:a/b"]\n')


def test_track_several_repos_into_one_project(sample: Path) -> None:
    add_repos(sample, [repo("github:a/x"), repo("gitee:a/x")], project="X")
    assert sample.read_text().endswith('repos = ["github:a/x", "gitee:a/x"]\n')


def test_track_creates_a_missing_group_after_the_last_group(sample: Path) -> None:
    lines = add_repos(sample, [repo("github:a/b")], groups=["eu"])
    assert "created group 'eu'" in lines
    text = sample.read_text()
    assert text.startswith(SAMPLE.split("# PaddlePaddle")[0].rstrip("\n") + (
        '\n\n[groups.eu]\ntitle = "eu"\n\n# PaddlePaddle'
    ))
    assert load_repos(sample).groups["eu"].title == "eu"


def test_track_creates_the_first_group_before_the_projects(tmp_path: Path) -> None:
    path = write_repos(tmp_path, '# mine\n[[projects]]\nname = "A"\nrepos = ["github:a/a"]\n')
    add_repos(path, [repo("github:a/b")], project="A", groups=["eu"])
    assert path.read_text() == (
        '[groups.eu]\ntitle = "eu"\n\n# mine\n[[projects]]\nname = "A"\n'
        'groups = ["eu"]\nrepos = ["github:a/a", "github:a/b"]\n'
    )


def test_track_into_an_empty_file(tmp_path: Path) -> None:
    path = write_repos(tmp_path, "")
    add_repos(path, [repo("github:a/b")], groups=["g"])
    assert path.read_text() == (
        '[groups.g]\ntitle = "g"\n\n[[projects]]\nname = "b"\ngroups = ["g"]\n'
        'repos = ["github:a/b"]\n'
    )


def test_track_adds_the_group_to_an_existing_project(sample: Path) -> None:
    add_repos(sample, [repo("gitee:pytorch/pytorch")], groups=["china"])
    assert 'name = "PyTorch"\ngroups = ["us", "china"]\n' in sample.read_text()


def test_track_writes_a_groups_key_above_repos_when_missing(sample: Path) -> None:
    add_repos(sample, [repo("gitee:keras/keras")], groups=["us"])
    assert sample.read_text() == SAMPLE.replace(
        'name = "Keras"\nrepos = ["github:keras-team/keras"]',
        'name = "Keras"\ngroups = ["us"]\nrepos = ["github:keras-team/keras", "gitee:keras/keras"]',
    )


def test_track_keeps_windows_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "repos.toml"
    path.write_bytes(SAMPLE.replace("\n", "\r\n").encode())
    add_repos(path, [repo("github:a/b")], groups=["eu"])
    data = path.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")


# -- track: bad input changes nothing ------------------------------------------------------


def test_track_refuses_a_tracked_repo_naming_where(sample: Path) -> None:
    where = re.escape(f"already tracked in project 'PyTorch' ({sample}:21)")
    with pytest.raises(InputError, match=where):
        add_repos(sample, [repo("github:a/new"), repo("github:PYTORCH/vision")])
    assert sample.read_text() == SAMPLE


def test_track_refuses_a_repo_given_twice(sample: Path) -> None:
    with pytest.raises(InputError, match="given twice"):
        add_repos(sample, [repo("github:a/b"), repo("github:A/B")])
    assert sample.read_text() == SAMPLE


def test_track_refuses_a_bad_group_key(sample: Path) -> None:
    with pytest.raises(InputError, match="bad group key"):
        add_repos(sample, [repo("github:a/b")], groups=["no spaces"])
    assert sample.read_text() == SAMPLE


def test_track_refuses_an_empty_project_name(sample: Path) -> None:
    with pytest.raises(InputError, match="bad project name"):
        add_repos(sample, [repo("github:a/b")], project=" ")
    assert sample.read_text() == SAMPLE


def test_track_refuses_to_edit_an_invalid_file(tmp_path: Path) -> None:
    text = SAMPLE.replace('groups = ["us"]', 'groups = ["nope"]')
    path = write_repos(tmp_path, text)
    with pytest.raises(ConfigError, match=re.escape(f"{path}:18: group 'nope'")):
        add_repos(path, [repo("github:a/b")])
    assert path.read_text() == text


def test_track_into_a_missing_file_says_run_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run `aoss-monitor init`"):
        add_repos(tmp_path / "repos.toml", [repo("github:a/b")])
    assert not (tmp_path / "repos.toml").exists()


# -- untrack ---------------------------------------------------------------------------------


def test_untrack_removes_from_a_one_line_array(sample: Path) -> None:
    lines = remove_repos(sample, [repo("gitee:paddlepaddle/Paddle")])
    assert lines == ["untracked gitee:paddlepaddle/Paddle from project 'PaddlePaddle'"]
    assert sample.read_text() == SAMPLE.replace(', "gitee:paddlepaddle/Paddle"', "")


def test_untrack_ignores_case(sample: Path) -> None:
    remove_repos(sample, [repo("github:PyTorch/Vision")])
    assert [str(r) for r in load_repos(sample).repos()][2:4] == [
        "github:pytorch/pytorch",
        "github:keras-team/keras",
    ]


def test_untrack_removes_a_line_from_a_multiline_array(sample: Path) -> None:
    remove_repos(sample, [repo("github:pytorch/vision")])
    assert sample.read_text() == SAMPLE.replace('    "github:pytorch/vision",\n', "")


def test_untrack_removes_an_emptied_project_with_its_comment(sample: Path) -> None:
    lines = remove_repos(sample, [repo("github:pytorch/pytorch"), repo("github:pytorch/vision")])
    assert "removed project 'PyTorch': no repos left" in lines
    start = SAMPLE.index("# PyTorch")
    end = SAMPLE.index("# Keras")
    assert sample.read_text() == SAMPLE[:start] + SAMPLE[end:]


def test_untrack_removes_the_last_project_without_trailing_blank_lines(sample: Path) -> None:
    remove_repos(sample, [repo("github:keras-team/keras")])
    assert sample.read_text() == SAMPLE[: SAMPLE.index("\n# Keras")]


def test_untrack_keeps_the_groups(sample: Path) -> None:
    remove_repos(sample, [repo("github:keras-team/keras")])
    assert set(load_repos(sample).groups) == {"china", "us"}


def test_untrack_refuses_an_untracked_repo(sample: Path) -> None:
    with pytest.raises(InputError, match="github:a/b is not tracked"):
        remove_repos(sample, [repo("github:pytorch/vision"), repo("github:a/b")])
    assert sample.read_text() == SAMPLE


def test_untrack_refuses_a_repo_given_twice(sample: Path) -> None:
    with pytest.raises(InputError, match="given twice"):
        remove_repos(sample, [repo("github:pytorch/vision"), repo("github:pytorch/Vision")])
    assert sample.read_text() == SAMPLE


def test_projects_written_inline_can_be_edited(tmp_path: Path) -> None:
    text = 'projects = [\n  {name = "A", repos = ["github:a/a", "github:a/b"]},  # A\n]\n'
    path = write_repos(tmp_path, text)
    add_repos(path, [repo("github:c/c")], project="C")
    remove_repos(path, [repo("github:a/b")])
    assert [p.name for p in load_repos(path).projects] == ["A", "C"]
    remove_repos(path, [repo("github:c/c")])
    assert path.read_text() == (
        'projects = [\n  {name = "A", repos = ["github:a/a"]},  # A\n]\n'
    )


# -- round trips and atomic writes ---------------------------------------------------------


@pytest.mark.parametrize("project", ["PaddlePaddle", "PyTorch", "Keras"])
def test_track_then_untrack_in_an_existing_project_restores_the_file(
    sample: Path, project: str
) -> None:
    add_repos(sample, [repo("gitee:someone/mirror")], project=project)
    remove_repos(sample, [repo("gitee:someone/mirror")])
    assert sample.read_bytes() == SAMPLE.encode()


def test_track_then_untrack_a_new_project_restores_the_file(sample: Path) -> None:
    add_repos(sample, [repo("github:a/b"), repo("gitee:a/b")])
    remove_repos(sample, [repo("github:a/b"), repo("gitee:a/b")])
    assert sample.read_bytes() == SAMPLE.encode()


def test_edit_leaves_no_temporary_files(sample: Path) -> None:
    add_repos(sample, [repo("github:a/b")], groups=["eu"])
    remove_repos(sample, [repo("github:a/b")])
    assert [p.name for p in sample.parent.iterdir()] == ["repos.toml"]


def test_edit_keeps_the_file_mode(sample: Path) -> None:
    sample.chmod(0o600)
    add_repos(sample, [repo("github:a/b")])
    assert stat.S_IMODE(sample.stat().st_mode) == 0o600


def test_failed_replace_keeps_the_original_and_no_temporary(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        add_repos(sample, [repo("github:a/b")])
    assert sample.read_text() == SAMPLE
    assert [p.name for p in sample.parent.iterdir()] == ["repos.toml"]


def test_edit_through_a_symlink_keeps_the_link(tmp_path: Path, sample: Path) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(sample)
    add_repos(link, [repo("github:a/b")])
    assert link.is_symlink()
    assert load_repos(sample).project("b") is not None
