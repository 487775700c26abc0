"""Ways a running daemon loses its single-instance lock without dying."""

from __future__ import annotations

from sqlalchemy import text

from monitor.daemon.lock import PG_DAEMON_LOCK, lock_path
from monitor.store.db import Database

__all__ = ["lose_lock"]

#: pg_locks shows a bigint advisory key as two 32-bit halves (and objsubid 1).
_HOLDER = text(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
    "AND classid::bigint = :high AND objid::bigint = :low "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def lock_holder(database: Database) -> int | None:
    """The backend pid holding the daemon's advisory lock on a PostgreSQL database, if any."""
    with database.engine.connect() as conn:
        pid = conn.execute(
            _HOLDER, {"high": PG_DAEMON_LOCK >> 32, "low": PG_DAEMON_LOCK & 0xFFFFFFFF}
        ).scalar()
    return int(pid) if pid is not None else None


def lose_lock(database: Database) -> None:
    """What a server restart or an idle timeout (PostgreSQL: the holding session is ended) or a
    clean-up script (SQLite: the lock file deleted) does to the lock of a live daemon."""
    if database.backend == "postgresql":
        pid = lock_holder(database)
        assert pid is not None, "nobody holds the daemon lock"
        with database.engine.connect() as conn:
            # Waits (up to 10 s) until the backend is gone, and its lock with it.
            ended = conn.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
            assert ended.scalar() is True
        return
    path = lock_path(database)
    assert path is not None
    path.unlink()
