"""The single-instance lock, in-process, on both backends; and catch-up reports on start."""

from __future__ import annotations

import pytest

from monitor.daemon.lock import AlreadyRunning, InstanceLock, lock_path
from monitor.store.db import Database


def test_one_holder_at_a_time(database: Database) -> None:
    with InstanceLock(database), pytest.raises(AlreadyRunning, match="already running"):
        InstanceLock(database).acquire()
    # Released at the end of the block: the next daemon may start.
    with InstanceLock(database):
        pass


def test_sqlite_lock_file_sits_next_to_the_database(database: Database) -> None:
    path = lock_path(database)
    if database.backend != "sqlite":
        assert path is None
        return
    assert path is not None and path.name == "monitor.db.lock"
    with InstanceLock(database):
        assert path.read_text().strip().isdigit()
