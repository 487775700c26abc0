"""Genuine database faults, made by the database itself: triggers created in the test database.

``refuse_observations`` makes the database reject a repo's observations (a trigger raises, as a
CHECK violation would), ``stall_observations`` makes their insert hang until it is interrupted
(SQLite: a statement that never ends; PostgreSQL: a wait for an advisory lock the test holds),
as a rebuild stuck behind a slow disk or another session's lock would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

__all__ = ["STALL_LOCK", "refuse_observations", "stall_observations", "stalled"]

#: The advisory lock key the PostgreSQL stall waits for.
STALL_LOCK = 727


def _where(repo: str, source: str | None) -> str:
    """The condition, on ``NEW``, of an observation of *repo* (a config key) from *source*."""
    condition = f"NEW.repo_id IN (SELECT id FROM repo WHERE config_key = '{repo}')"
    if source is not None:
        condition += f" AND NEW.source = '{source}'"
    return condition


def refuse_observations(engine: Engine, repo: str, source: str | None = None) -> None:
    """Every insert of an observation of *repo* (from *source*) fails with "injected refusal"."""
    where = _where(repo, source)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                f"CREATE TRIGGER inject_refusal BEFORE INSERT ON observation WHEN {where} "
                "BEGIN SELECT RAISE(ABORT, 'injected refusal'); END"
            )
            return
        conn.exec_driver_sql(
            "CREATE FUNCTION inject_refusal() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF {where} THEN RAISE EXCEPTION 'injected refusal'; END IF; RETURN NEW; END $$"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER inject_refusal BEFORE INSERT ON observation "
            "FOR EACH ROW EXECUTE FUNCTION inject_refusal()"
        )


@contextmanager
def stall_observations(engine: Engine, repo: str, source: str | None = None) -> Iterator[None]:
    """Inside the block, an insert of an observation of *repo* (from *source*) never ends
    unless interrupted (on PostgreSQL it waits for :data:`STALL_LOCK`, held until the block
    ends); after it, inserts go through again."""
    where = _where(repo, source)
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE VIEW inject_forever AS WITH RECURSIVE f(n) AS "
                "(SELECT 1 UNION ALL SELECT n + 1 FROM f) SELECT n FROM f"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER inject_stall BEFORE INSERT ON observation WHEN {where} "
                "BEGIN SELECT count(*) FROM inject_forever; END"
            )
        try:
            yield
        finally:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP TRIGGER inject_stall")
                conn.exec_driver_sql("DROP VIEW inject_forever")
        return
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STALL_LOCK})
        holder.commit()
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE FUNCTION inject_stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {where} THEN PERFORM pg_advisory_xact_lock({STALL_LOCK}); END IF; "
                "RETURN NEW; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER inject_stall BEFORE INSERT ON observation "
                "FOR EACH ROW EXECUTE FUNCTION inject_stall()"
            )
        try:
            yield
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STALL_LOCK})
            holder.commit()


def stalled(engine: Engine) -> bool:
    """Whether an insert is stalled now: PostgreSQL, one waits for :data:`STALL_LOCK`; SQLite,
    a writer holds the write lock (the stalled insert's transaction: every other write of the
    daemon is over in milliseconds)."""
    if engine.dialect.name == "sqlite":
        import sqlite3

        path = engine.url.database
        assert path is not None
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    with engine.connect() as conn:
        waiting = conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND objid = :key"), {"key": STALL_LOCK}).scalar()
    return bool(waiting)
