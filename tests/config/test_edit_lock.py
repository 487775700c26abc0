"""Two ``track``/``untrack`` at once: each edit reads the file the other wrote, none is lost."""

from __future__ import annotations

import fcntl
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
    """Run *first*; right after it has read the file, run *second* in another thread, and let
    *first* write only once *second* is done (no lock: one edit is lost) or waits for the lock
    *first* holds (seen as the lock asked for and not free): no timing involved."""
    errors: list[BaseException] = []
    settled = threading.Event()  # the other edit is done, or waits for the lock

    def run(call: object) -> None:
        try:
            assert callable(call)
            call()
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            if threading.current_thread() is other:
                settled.set()

    other = threading.Thread(target=run, args=(second,))
    real_flock = fcntl.flock

    def flock(fd: int, operation: int) -> None:
        if threading.current_thread() is other and operation == fcntl.LOCK_EX:
            try:
                real_flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                settled.set()  # held by the first edit: wait for it as the code does
        real_flock(fd, operation)

    def read_then_let_the_other_run(target: Path) -> str:
        text = read_repos_text(target)
        if other.ident is None:
            other.start()
            assert settled.wait(timeout=30), "the other edit neither finished nor waited"
        return text

    monkeypatch.setattr(fcntl, "flock", flock)
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
