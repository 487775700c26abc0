"""Never two daemons on one database: a second one is refused before it touches the schema, and
a daemon that lost its lock (server restart, idle timeout, lock file deleted) takes it back or
exits non-zero so the service manager sees it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.daemon.lock import AlreadyRunning, InstanceLock
from monitor.store.db import open_database
from tests.daemon.harness_daemon import DaemonHome
from tests.daemon.lock_faults import lose_lock
from tests.fakes import FakeServer
from tests.old_schema import migrate_to_previous, stored_revision


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def home(
    request: pytest.FixtureRequest, tmp_path: Path, fakes: FakeServer
) -> Iterator[DaemonHome]:
    """A home collecting every 2 s, on each backend."""
    url = request.getfixturevalue(f"{request.param}_url")
    found = DaemonHome(tmp_path / "home", fakes, url)
    found.write_config()
    try:
        yield found
    finally:
        found.close()


def test_a_second_daemon_is_refused_before_it_migrates(home: DaemonHome) -> None:
    old = migrate_to_previous(home.database_url)
    with open_database(home.database_url) as database, InstanceLock(database):
        second = subprocess.run(
            [sys.executable, "-m", "monitor", "--home", str(home.home), "run"],
            env=home.env, capture_output=True, text=True, timeout=60,
        )
    assert second.returncode == 1
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "already running" in lines[0], second.stderr
    assert stored_revision(home.database_url) == old


def test_the_daemon_takes_back_a_lock_it_lost(home: DaemonHome) -> None:
    proc = home.start()
    home.wait_log("daemon.started")
    lose_lock(home.database)
    home.wait_log("daemon.lock_retaken")
    with pytest.raises(AlreadyRunning):
        InstanceLock(home.database).acquire()
    assert proc.poll() is None
    assert home.stop(proc)[0] == 0


def test_the_daemon_exits_non_zero_when_another_took_the_lock_it_lost(home: DaemonHome) -> None:
    proc = home.start()
    home.wait_log("daemon.started")
    other = InstanceLock(home.database)
    for attempt in range(1, 6):  # the daemon checks every 2 s: it rarely wins the race
        lose_lock(home.database)
        try:
            other.acquire()
            break
        except AlreadyRunning:
            home.wait_log("daemon.lock_retaken", count=attempt)
    try:
        status = proc.wait(timeout=20)
    finally:
        other.release()
    assert status == 1
    assert "daemon.lock_lost" in home.log()
