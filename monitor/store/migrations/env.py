"""Alembic environment: migrates on the connection the caller hands in.

``Database.upgrade()`` passes its own connection as ``config.attributes["connection"]`` (so the
app and the tests migrate on their own engine, inside their own transaction and lock). For a
developer writing a new revision, a ``sqlalchemy.url`` main option works too. SQLite gets batch
mode, because it can only alter a table by copying it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from monitor.store.tables import metadata


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    if context.is_offline_mode():
        raise RuntimeError("aoss-monitor migrations run online only (no --sql mode)")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection: run migrations through monitor.store.db.Database")
    engine = create_engine(url)
    try:
        with engine.begin() as own:
            _migrate(own)
    finally:
        engine.dispose()


_run()
