"""One daemon per database: a lock the operating system (or the server) releases on death.

SQLite: an exclusive ``fcntl.flock`` on a file next to the database (``monitor.db.lock``). The
kernel drops it when the process ends, however it ends (``kill -9`` included), so there is no
stale lock to clean up. PostgreSQL: ``pg_try_advisory_lock`` on a connection kept open for the
daemon's life; the server drops it when that session ends.

A second daemon gets :class:`AlreadyRunning` (a one-line message; the CLI exits 1).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import Any

from monitor.errors import MonitorError
from monitor.store.db import Database
from monitor.store.locks import DAEMON_LOCK_KEY, release_advisory_lock, try_advisory_lock

__all__ = ["PG_DAEMON_LOCK", "AlreadyRunning", "InstanceLock", "lock_path"]

#: PostgreSQL advisory lock key held by the running daemon ("aossd"; the migration lock differs).
PG_DAEMON_LOCK = DAEMON_LOCK_KEY


class AlreadyRunning(MonitorError):
    """Another daemon holds this database."""


def lock_path(database: Database) -> Path | None:
    """The lock file of a SQLite database file; None for PostgreSQL or an in-memory database."""
    path = database.path
    return path.with_name(path.name + ".lock") if path is not None else None


class InstanceLock:
    """``with InstanceLock(database):`` — held until the block ends or the process dies."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._fd: int | None = None
        self._connection: Any = None

    def acquire(self) -> None:
        path = lock_path(self._database)
        if path is not None:
            self._acquire_file(path)
        elif self._database.backend == "postgresql":
            self._acquire_advisory()

    def _acquire_file(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise AlreadyRunning(
                f"another aoss-monitor daemon is already running on this database{who}; "
                f"lock {path}"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd

    def _acquire_advisory(self) -> None:
        connection = self._database.engine.connect()
        try:
            got = try_advisory_lock(connection, PG_DAEMON_LOCK)
        except BaseException:
            connection.close()
            raise
        if not got:
            connection.close()
            raise AlreadyRunning(
                f"another aoss-monitor daemon is already running on database "
                f"{self._database.url}"
            )
        self._connection = connection

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._connection is not None:
            try:
                release_advisory_lock(self._connection, PG_DAEMON_LOCK)
            except Exception:  # the server went away: the lock went with the session
                pass
            finally:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
