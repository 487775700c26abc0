"""One daemon per database: a lock the operating system (or the server) releases on death.

SQLite: an exclusive ``fcntl.flock`` on a file next to the database (``monitor.db.lock``). The
kernel drops it when the process ends, however it ends (``kill -9`` included), so there is no
stale lock to clean up. PostgreSQL: ``pg_try_advisory_lock`` on a connection kept open for the
daemon's life; the server drops it when that session ends.

A lock can also go while its daemon lives: the server restarts or ends an idle session, or a
clean-up deletes the lock file (a flock on a deleted file guards nothing: the next daemon
creates a new file). The daemon calls :meth:`InstanceLock.verify` every cycle, which takes a
lost lock back when it is free.

A second daemon gets :class:`AlreadyRunning` (a one-line message; the CLI exits 1), and so does
:meth:`InstanceLock.verify` when another daemon took the lock meanwhile.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from monitor.errors import MonitorError
from monitor.store.db import Database
from monitor.store.locks import (
    DAEMON_LOCK_KEY,
    holds_advisory_lock,
    release_advisory_lock,
    try_advisory_lock,
)

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
        self._verifying = threading.Lock()  # verify() may run in a worker thread

    def acquire(self) -> None:
        path = lock_path(self._database)
        if path is not None:
            self._acquire_file(path)
        elif self._database.backend == "postgresql":
            self._acquire_advisory()

    def verify(self) -> bool:
        """Check the lock is still ours; take it back if it was lost and is free.

        Returns True when it had to be taken back. Raises :class:`AlreadyRunning` when another
        daemon holds it now, :class:`StorageError` when the server cannot be reached to tell
        (nobody can take the lock then; the next check tries again).
        """
        with self._verifying:
            path = lock_path(self._database)
            if path is not None:
                return self._verify_file(path)
            if self._database.backend == "postgresql":
                return self._verify_advisory()
            return False

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

    def _verify_file(self, path: Path) -> bool:
        old, self._fd = self._fd, None
        if old is not None:
            mine = os.fstat(old)
            with contextlib.suppress(FileNotFoundError):
                there = os.stat(path)
                if (there.st_dev, there.st_ino) == (mine.st_dev, mine.st_ino):
                    self._fd = old
                    return False
        # Deleted or replaced: the flock held is on a file no other daemon will open.
        try:
            self._acquire_file(path)
        finally:
            if old is not None:
                os.close(old)
        return True

    def _acquire_advisory(self) -> None:
        connection = self._database.own_connection()
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

    def _verify_advisory(self) -> bool:
        if self._connection is not None:
            try:
                if holds_advisory_lock(self._connection, PG_DAEMON_LOCK):
                    return False
            except SQLAlchemyError:
                pass  # the session ended (server restart, idle timeout): its lock went with it
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
        self._acquire_advisory()
        return True

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
