"""Fixtures shared by every test package.

Database tests run twice, on SQLite and on PostgreSQL. PostgreSQL needs a server: point
``MONITOR_TEST_DATABASE_URL`` at any database on it (the tests create and drop a throwaway database
next to it, so the named one is never written); without it those tests skip, saying why.
"""

from __future__ import annotations

import gc
import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.store.db import Database, open_database
from tests.shared import Killed

_PG_ENV = "MONITOR_TEST_DATABASE_URL"
_PG_SKIP = (
    "PostgreSQL tests need MONITOR_TEST_DATABASE_URL "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file in a directory that does not exist yet (opening must create it)."""
    return f"sqlite:///{tmp_path / 'storage' / 'monitor.db'}"


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards (even with connections open).

    Its commits do not wait for the disk (``synchronous_commit`` off): a throwaway database
    needs no durability across a crash of the server, and transactions, locks and what every
    query sees stay exactly as they are, while each write commit no longer costs a flush
    (milliseconds each: most of the simulation's time on PostgreSQL).
    """
    import psycopg
    from sqlalchemy.engine import make_url

    server = os.environ.get(_PG_ENV)
    if not server:
        pytest.skip(_PG_SKIP)
    url = make_url(server)
    name = f"aoss_t_{secrets.token_hex(6)}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database, once per supported backend."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """An open database migrated to the newest schema."""
    db = open_database(database_url)
    db.upgrade()
    try:
        yield db
    finally:
        db.dispose()


# The local fake GitHub and Gitee (tests/fakes), served over real HTTP on 127.0.0.1.
pytest_plugins = ["tests.fakes.fixtures", "tests.world"]


@pytest.fixture
def killed() -> Iterator[Killed]:
    """``with killed(): ...`` expects the run inside to die as a killed process would
    (``KeyboardInterrupt``).

    ``asyncio.run`` leaves the dead task's exception unretrieved, and asyncio logs it ("Task
    exception was never retrieved") whenever the task is collected: after the test, that is done
    here, quietly, not into the output of a later test that reads its own."""
    yield lambda: pytest.raises(KeyboardInterrupt)
    asyncio_log = logging.getLogger("asyncio")
    level = asyncio_log.level
    asyncio_log.setLevel(logging.CRITICAL)
    try:
        gc.collect()
    finally:
        asyncio_log.setLevel(level)
