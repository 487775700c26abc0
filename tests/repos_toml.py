"""config/repos.toml as the tests write it: the sample list the config tests start from, one
writer for a bare file and a home's alike, and the check that a bad file fails at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.repos import load_repos
from monitor.errors import ConfigError
from monitor.ids import OwnerId, RepoId

__all__ = ["SAMPLE", "assert_error_at", "load_error", "owner", "repo", "write_repos"]

SAMPLE = """\
# Tracked projects: hand-written header.

[groups.china]
title = "Chinese AI open source"

[groups.us]
title = "US AI open source"

# PaddlePaddle: developed on GitHub, mirrored on Gitee
[[projects]]
name = "PaddlePaddle"
groups = ["china"]
repos = ["github:PaddlePaddle/Paddle", "gitee:paddlepaddle/Paddle"]

# PyTorch: one line per repo
[[projects]]
name = "PyTorch"
groups = ["us"]
repos = [
    "github:pytorch/pytorch",  # the main repo
    "github:pytorch/vision",
]

# Keras: no groups yet
[[projects]]
name = "Keras"
repos = ["github:keras-team/keras"]
"""


def write_repos(folder: Path, text: str) -> Path:
    """*text* as ``FOLDER/repos.toml`` (a home's is ``HOME/config``; made if missing): its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "repos.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(folder: Path, text: str) -> tuple[Path, str]:
    """The file *text* written to *folder*, and the one-line error loading it raises."""
    path = write_repos(folder, text)
    with pytest.raises(ConfigError) as info:
        load_repos(path)
    message = str(info.value)
    assert "\n" not in message
    return path, message


def assert_error_at(folder: Path, text: str, line: int, words: str) -> None:
    """Loading *text* fails at *line* of the file, saying *words*."""
    path, message = load_error(folder, text)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message, message


def repo(text: str) -> RepoId:
    return RepoId.parse(text)


def owner(text: str) -> OwnerId:
    return OwnerId.parse(text)
