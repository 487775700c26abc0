"""The single-instance lock, in-process, on both backends; and catch-up reports on start."""

from __future__ import annotations

import pytest

from monitor.daemon.lock import AlreadyRunning, InstanceLock, lock_path
from monitor.store.db import Database
from tests.daemon.lock_faults import lose_lock


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


def test_a_held_lock_verifies_as_held(database: Database) -> None:
    with InstanceLock(database) as lock:
        assert lock.verify() is False  # nothing had to be taken back


def test_a_lost_lock_is_taken_back_when_free(database: Database) -> None:
    with InstanceLock(database) as lock:
        lose_lock(database)
        assert lock.verify() is True
        with pytest.raises(AlreadyRunning):  # held again: a second daemon is refused
            InstanceLock(database).acquire()
        assert lock.verify() is False


def test_a_lost_lock_another_instance_took_is_reported(database: Database) -> None:
    with InstanceLock(database) as lock:
        lose_lock(database)
        with (
            InstanceLock(database),  # a second daemon started meanwhile
            pytest.raises(AlreadyRunning, match="already running"),
        ):
            lock.verify()
