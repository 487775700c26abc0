"""Never two daemons on one database: a second one is refused before it touches the schema."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.daemon.lock import InstanceLock
from monitor.store.db import open_database
from tests.daemon.harness_daemon import DaemonHome
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
