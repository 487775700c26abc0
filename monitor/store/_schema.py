"""The schema's revisions, and the one transaction that migrates it, for :mod:`monitor.store.db`.

The revisions this version knows are read from the migration files' names (``NNNN_what.py`` is
revision ``NNNN``; a test holds them to Alembic's own reading), and the database's from
``alembic_version``, so checking a database loads no Alembic: ``status`` and the CLI start fast.
Alembic itself loads only when a migration runs (:func:`alembic_config`).

A migration runs in one transaction under a lock (SQLite ``BEGIN IMMEDIATE``, taken by the
connection's first statement; a PostgreSQL advisory lock), so two processes starting together do
not both migrate, and a failed migration leaves the previous schema intact
(:func:`migration_transaction`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from monitor.errors import SchemaTooNew, StorageError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "ensure_known",
    "head_revision",
    "known_revisions",
    "migration_transaction",
    "stored_revision",
]

#: The Alembic scripts ship inside the package, so an installed copy can migrate too.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Arbitrary but fixed: PostgreSQL advisory lock key that serialises concurrent upgrades.
_PG_MIGRATION_LOCK = 0x616F7373  # "aoss"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic without an alembic.ini: the script location is the package's own directory."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision this version of aoss-monitor knows."""
    return max(known_revisions())


def known_revisions() -> set[str]:
    """The revisions shipped, from the migration files' names (``0006_bounded.py``: 0006)."""
    found = {path.name.split("_", 1)[0] for path in (MIGRATIONS_DIR / "versions").glob("*_*.py")
             if path.name[0].isdigit()}
    assert found, "the package ships at least one migration"
    return found


def ensure_known(revision: str | None) -> None:
    """Refuse a schema migrated by a newer aoss-monitor (:class:`SchemaTooNew`)."""
    if revision is not None and revision not in known_revisions():
        raise SchemaTooNew(
            f"database schema {revision} is newer than this aoss-monitor "
            f"(knows up to {head_revision()}); upgrade aoss-monitor"
        )


def stored_revision(conn: Connection) -> str | None:
    """What Alembic recorded in ``alembic_version`` (one row: there are no branches)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    found: str | None = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return found


@contextmanager
def migration_transaction(conn: Connection, url: str) -> Iterator[None]:
    """The block on *conn* as one migrating transaction: committed at its end, rolled back if it
    raises. *conn* must begin with ``BEGIN IMMEDIATE`` on SQLite (its first statement then
    locks); on PostgreSQL the block runs under an advisory lock. *url* (masked) names the
    database in the error of a migration that broke SQLite's foreign keys."""
    sqlite = conn.dialect.name == "sqlite"
    raw = conn.connection.driver_connection if sqlite else None
    if raw is not None:
        # Batch migrations copy tables; with foreign keys on, dropping the old copy would
        # cascade or fail. Only settable outside a transaction, hence the raw connection.
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        if not sqlite:  # SQLite: the BEGIN IMMEDIATE of the first statement locks
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        yield
        if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
            raise StorageError(f"cannot upgrade database {url}: the migration broke foreign keys")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=ON")
