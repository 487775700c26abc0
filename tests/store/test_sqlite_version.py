"""A SQLite library too old for the SQL the store writes is refused when the database is opened,
in one clear line, instead of a crash in the middle of a cycle."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.errors import StorageError
from monitor.store import db
from monitor.store.db import open_database


def test_sqlite_older_than_3_35_is_refused_on_open(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "sqlite_library_version", lambda: "3.34.1")
    with pytest.raises(StorageError) as excinfo:
        open_database(sqlite_url)
    message = str(excinfo.value)
    assert "SQLite 3.34.1" in message and "3.35" in message
    assert "\n" not in message


def test_sqlite_3_35_is_accepted(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "sqlite_library_version", lambda: "3.35.0")
    with open_database(sqlite_url) as database:
        database.upgrade()


def test_postgresql_does_not_look_at_the_sqlite_library(
    postgresql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "sqlite_library_version", lambda: "3.7.17")
    with open_database(postgresql_url) as database:
        database.upgrade()


def test_the_daemon_stops_at_start_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MONITOR_DATABASE_URL", raising=False)
    monkeypatch.setattr(db, "sqlite_library_version", lambda: "3.31.1")
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        with pytest.raises(SystemExit) as exited:
            main(["--home", str(tmp_path / "home"), "run"])
    finally:  # run() installs its own handlers first
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    assert exited.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "SQLite 3.31.1" in err[0], err
