"""PostgreSQL session advisory locks: the SQL behind "one daemon per database".

A session-level advisory lock lives as long as the connection that took it (not the
transaction), and the server drops it when that connection dies, so a killed daemon never
leaves it behind. The connection is the caller's to keep open for the daemon's life.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

__all__ = [
    "DAEMON_LOCK_KEY",
    "holds_advisory_lock",
    "release_advisory_lock",
    "try_advisory_lock",
]

#: The daemon's advisory lock key ("aossd" in ASCII).
DAEMON_LOCK_KEY = 0x616F737364


def try_advisory_lock(connection: Connection, key: int = DAEMON_LOCK_KEY) -> bool:
    """Take the lock on *connection* unless another session holds it; True when taken."""
    got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
    connection.commit()  # the lock is session-level: it outlives the transaction
    return bool(got)


def release_advisory_lock(connection: Connection, key: int = DAEMON_LOCK_KEY) -> None:
    """Give the lock back (a no-op on the server if this session does not hold it)."""
    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    connection.commit()


def holds_advisory_lock(connection: Connection, key: int = DAEMON_LOCK_KEY) -> bool:
    """Whether the session of *connection* holds the lock (pg_locks shows a bigint key as two
    32-bit halves, ``objsubid`` 1). Raises if the session is gone, and its lock with it."""
    held = connection.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() AND objsubid = 1 "
            "AND classid::bigint = :high AND objid::bigint = :low)"
        ),
        {"high": key >> 32, "low": key & 0xFFFFFFFF},
    ).scalar()
    connection.commit()
    return bool(held)
