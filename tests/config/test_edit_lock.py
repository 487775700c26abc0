"""Two ``track``/``untrack`` at once: each edit reads the file the other wrote, none is lost."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from monitor.config import edit
from monitor.config.edit import add_repos, remove_repos
from monitor.config.repos import load_repos, read_repos_text
from monitor.ids import RepoId

START = '[[projects]]\nname = "A"\nrepos = ["github:a/a", "github:a/old"]\n'


def _interleaved(
    monkeypatch: pytest.MonkeyPatch, path: Path, first: object, second: object
) -> None:
    """Run *first*; right after it has read the file, run *second* in another thread and give
    it time to finish before *first* writes (without a lock it does, and one edit is lost)."""
    errors: list[BaseException] = []

    def run(call: object) -> None:
        try:
            assert callable(call)
            call()
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    other = threading.Thread(target=run, args=(second,))

    def read_then_let_the_other_run(target: Path) -> str:
        text = read_repos_text(target)
        if not other.is_alive() and other.ident is None:
            other.start()
            other.join(timeout=0.5)  # done at once without a lock; blocked behind it with one
        return text

    monkeypatch.setattr(edit, "read_repos_text", read_then_let_the_other_run)
    run(first)
    other.join(timeout=30)
    assert not other.is_alive()
    assert not errors, errors


def test_two_tracks_at_once_both_land(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "repos.toml"
    path.write_text(START)
    _interleaved(
        monkeypatch, path,
        lambda: add_repos(path, [RepoId.parse("github:b/b")], project="B"),
        lambda: add_repos(path, [RepoId.parse("github:c/c")], project="C"),
    )
    tracked = {str(repo) for repo in load_repos(path).repos()}
    assert tracked == {"github:a/a", "github:a/old", "github:b/b", "github:c/c"}


def test_a_track_and_an_untrack_at_once_both_land(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "repos.toml"
    path.write_text(START)
    _interleaved(
        monkeypatch, path,
        lambda: remove_repos(path, [RepoId.parse("github:a/old")]),
        lambda: add_repos(path, [RepoId.parse("github:a/new")], project="A"),
    )
    assert {str(repo) for repo in load_repos(path).repos()} == {"github:a/a", "github:a/new"}
