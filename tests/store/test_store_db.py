"""Opening, migrating and refusing databases: what ``init`` and every command rely on."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError, StatementError

from monitor.errors import SchemaTooNew, StorageError
from monitor.store.db import Database, head_revision, open_database
from monitor.store.models import Observation

TABLES = {
    "alembic_version",
    "backfill_state",
    "collection_run",
    "daemon",
    "daemon_job",
    "http_cache",
    "latest_value",
    "membership",
    "observation",
    "platform_budget",
    "project",
    "repo",
    "repo_error",
    "repo_release",
    "run_platform",
    "star_given",
    "star_week",
}


def test_upgrade_creates_schema(database: Database) -> None:
    assert set(inspect(database.engine).get_table_names()) == TABLES
    assert database.current_revision() == head_revision()
    database.check()


def test_upgrade_is_idempotent(database_url: str) -> None:
    with open_database(database_url) as db:
        assert db.current_revision() is None
        db.upgrade()
    with open_database(database_url) as db:
        db.upgrade()
        assert db.current_revision() == head_revision()


def test_upgrade_of_current_sqlite_database_leaves_the_file_alone(sqlite_url: str) -> None:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    with open_database(sqlite_url) as db:
        db.upgrade()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with open_database(sqlite_url) as db:
        db.upgrade()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_schema_from_a_newer_version_is_refused(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    expected = (
        f"database schema ffff_future is newer than this aoss-monitor "
        f"(knows up to {head_revision()}); upgrade aoss-monitor"
    )
    with pytest.raises(SchemaTooNew) as excinfo:
        database.check()
    assert str(excinfo.value) == expected
    with pytest.raises(SchemaTooNew):
        database.upgrade()
    with database.engine.connect() as conn:  # refused, not "fixed"
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "ffff_future"
        )


def test_sqlite_pragmas_are_on_for_every_connection(sqlite_url: str) -> None:
    with open_database(sqlite_url) as db:
        db.upgrade()
        for _ in range(2):  # a second, fresh connection gets them too
            with db.engine.connect() as conn:
                pragma = conn.exec_driver_sql
                assert pragma("PRAGMA journal_mode").scalar() == "wal"
                assert pragma("PRAGMA foreign_keys").scalar() == 1
                assert pragma("PRAGMA busy_timeout").scalar() == 5000
                assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
            db.engine.dispose()


def test_sqlite_directory_is_created(sqlite_url: str) -> None:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    assert not path.parent.exists()
    with open_database(sqlite_url) as db:
        db.upgrade()
    assert path.is_file()


def test_foreign_keys_are_enforced_and_a_refusal_is_a_storage_error(database: Database) -> None:
    refused = pytest.raises(StorageError, match="refused a statement")
    with refused as caught, database.session() as session:
        session.add(
            Observation(
                repo_id=12345, metric="stars", observed_at=_t(), value=1, source="collected"
            )
        )
    assert isinstance(caught.value.__cause__, IntegrityError)
    assert "\n" not in str(caught.value)


def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"), database.session() as session:
        session.add(
            Observation(
                repo_id=1,
                metric="stars",
                observed_at=datetime(2024, 1, 1),
                value=1,
                source="collected",
            )
        )


def test_observation_key_is_the_range_index(database: Database) -> None:
    pk = inspect(database.engine).get_pk_constraint("observation")
    assert pk["name"] == "pk_observation" or database.backend == "sqlite"  # SQLite drops PK names
    assert pk["constrained_columns"] == ["repo_id", "metric", "observed_at", "source"]
    query = (
        "SELECT observed_at, value FROM observation WHERE repo_id = 1 AND metric = 'stars' "
        "AND observed_at >= '2024-01-01' AND observed_at < '2024-02-01'"
    )
    with database.engine.connect() as conn:
        if database.backend == "sqlite":
            plan = " ".join(
                str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}")
            )
            assert "USING INDEX" in plan and "observed_at>?" in plan.replace(" ", "")
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")  # an empty table would be scanned
            plan = " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {query}"))
            assert "pk_observation" in plan


def test_unreachable_postgresql_is_one_clear_line() -> None:
    db = open_database("postgresql+psycopg://postgres:secret@127.0.0.1:1/test")
    for operation in (db.check, db.upgrade, db.current_revision):
        with pytest.raises(StorageError) as excinfo:
            operation()
        message = str(excinfo.value)
        assert "\n" not in message
        assert message.startswith(
            "cannot open database postgresql+psycopg://postgres:***@127.0.0.1:1"
        )
        assert "secret" not in message
    db.dispose()


def test_unusable_sqlite_path_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(StorageError, match="cannot create the directory"):
        open_database(f"sqlite:///{blocker / 'monitor.db'}").upgrade()


@pytest.mark.parametrize(
    ("url", "message"),
    [("not a url", "bad database URL"), ("nosuchdb://x/y", "unsupported database URL scheme")],
)
def test_bad_urls_are_storage_errors(url: str, message: str) -> None:
    with pytest.raises(StorageError, match=message):
        open_database(url)


def test_plain_postgresql_url_uses_psycopg() -> None:
    db = open_database("postgresql://u@localhost/db")
    assert db.engine.dialect.driver == "psycopg"
    db.dispose()


def _t() -> datetime:
    from datetime import UTC

    return datetime(2024, 1, 1, tzinfo=UTC)
