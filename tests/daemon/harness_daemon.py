"""The daemon as a real subprocess (``python -m monitor --home H run``) against the fakes.

:class:`DaemonHome` writes a home that tracks the fakes' healthy repos with a schedule of
seconds, starts and signals the daemon, and reads what it stored and logged.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from monitor.store.db import Database, open_database
from tests.fakes import FakeServer

ROOT = Path(__file__).resolve().parents[2]

REPOS_TOML = """\
# The daemon tests' tracked list.
[[projects]]
name = "Rocket"
repos = ["github:acme/rocket", "gitee:acme/rocket"]
"""

SCHEDULE = """\
[schedule]
collect = "{collect}"
backfill = "1h"
weekly_report = "0 8 * * mon"
monthly_report = "0 8 1 * *"
timezone = "UTC"
"""

#: Only Gitee gets a token: GitHub stays on REST (no GraphQL schema needed), and the log can
#: still be searched for a token.
SECRET = "gitee_secret_token_987"


def wait_for(check: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll *check* until it returns something truthy; fail after *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except OperationalError:  # the daemon has not created the schema yet
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


@dataclass
class DaemonHome:
    home: Path
    fake: FakeServer
    database_url: str
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _db: Database | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GITEE_TOKEN")}
        env.update(self.fake.env())
        env["MONITOR_DATABASE_URL"] = self.database_url
        env["GITEE_TOKEN"] = SECRET
        env["PYTHONPATH"] = str(ROOT)
        return env

    def write_config(self, *, collect: str = "2s", repos: str = REPOS_TOML) -> None:
        config = self.home / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "monitor.toml").write_text(SCHEDULE.format(collect=collect))
        (config / "repos.toml").write_text(repos)

    def start(self, *run_args: str, log_name: str = "daemon.log") -> subprocess.Popen[bytes]:
        """``python -m monitor --home H run RUN_ARGS…``, its stdout and stderr to the log."""
        log = open(self.home.parent / log_name, "ab")  # noqa: SIM115 - kept by the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--home", str(self.home), "run", *run_args],
            env=self.env, stdout=log, stderr=log, cwd=self.home.parent,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def log(self, name: str = "daemon.log") -> str:
        path = self.home.parent / name
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_log(self, needle: str, count: int = 1, timeout: float = 15.0) -> None:
        wait_for(lambda: self.log().count(needle) >= count, timeout, f"{needle!r} x{count} in "
                 f"the log:\n{self.log()[-3000:]}")

    def stop(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> tuple[int, float]:
        """Signal *proc*; its exit status and how long it took to exit."""
        started = time.monotonic()
        proc.send_signal(sig)
        status = proc.wait(timeout=15)
        return status, time.monotonic() - started

    @property
    def database(self) -> Database:
        if self._db is None:
            self._db = open_database(self.database_url)
        return self._db

    def query(self, sql: str, **params: Any) -> list[Any]:
        with self.database.engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    def runs(self, kind: str = "collect", outcome: str | None = None) -> int:
        sql = "SELECT count(*) FROM collection_run WHERE kind = :kind"
        if outcome is not None:
            sql += " AND outcome = :outcome"
        return int(self.query(sql, kind=kind, outcome=outcome)[0][0])

    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    def integrity(self) -> str:
        with sqlite3.connect(self.sqlite_path()) as conn:
            return str(conn.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        if self._db is not None:
            self._db.dispose()


@pytest.fixture
def daemon_home(tmp_path: Path, fakes: FakeServer, sqlite_url: str) -> Iterator[DaemonHome]:
    """A SQLite home tracking the Rocket project, collecting every 2 s."""
    home = DaemonHome(tmp_path / "home", fakes, sqlite_url)
    home.write_config()
    try:
        yield home
    finally:
        home.close()
