"""Schema 0006 upgrades a database in use: each platform's newest budget carried over, the HTTP
cache emptied into its new shape, each job's newest success found by an index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import inspect, text

from monitor.store import series
from monitor.store import status as store
from monitor.store._schema import alembic_config
from monitor.store.db import Database, open_database

T0 = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _at(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(sep=" ")


def _database_at_0005(url: str) -> Database:
    database = open_database(url)
    if database.path is not None:  # a SQLite file: its folder is made by the upgrade, as here
        database.path.parent.mkdir(parents=True, exist_ok=True)
    with database.engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0005")
    with database.engine.begin() as conn:
        runs = [  # id, started, finished: run 2 started before run 3 but ended after it
            (1, T0, T0 + HOUR), (2, T0 + 2 * HOUR, T0 + 9 * HOUR), (3, T0 + 3 * HOUR,
                                                                   T0 + 4 * HOUR),
        ]
        for run_id, started, finished in runs:
            conn.execute(
                text("INSERT INTO collection_run (id, kind, started_at, finished_at, outcome) "
                     "VALUES (:id, 'collect', :s, :f, 'ok')"),
                {"id": run_id, "s": _at(started), "f": _at(finished)},
            )
        budgets = [  # run, platform, remaining: gitee never told one
            (1, "github", 4000), (2, "github", 3000), (3, "github", 3500), (3, "gitee", None),
        ]
        for run_id, platform, remaining in budgets:
            conn.execute(
                text("INSERT INTO run_platform (run_id, platform, requests, budget_remaining, "
                     "budget_limit, budget_reset_at) VALUES (:r, :p, 1, :left, 5000, :reset)"),
                {"r": run_id, "p": platform, "left": remaining, "reset": _at(T0 + 10 * HOUR)},
            )
        conn.execute(text("INSERT INTO repo (id, platform, platform_id, owner, name, added_at) "
                          "VALUES (1, 'github', 7, 'o', 'n', :at)"), {"at": _at(T0)})
        observations = [  # the newest collected stars is 12 at T0 + 2h; forks never collected
            ("stars", T0, 10, "collected"), ("stars", T0 + 2 * HOUR, 12, "collected"),
            ("stars", T0 + 5 * HOUR, 99, "backfill"), ("forks", T0, 3, "backfill"),
        ]
        for metric, at, value, source in observations:
            conn.execute(
                text("INSERT INTO observation (repo_id, metric, observed_at, source, value) "
                     "VALUES (1, :m, :at, :s, :v)"),
                {"m": metric, "at": _at(at), "s": source, "v": value},
            )
        conn.execute(
            text("INSERT INTO http_cache (key, etag, last_modified, status, headers, body, "
                 "stored_at) VALUES ('https://api.github.com/repos/a/b', '\"e\"', NULL, 200, "
                 "'{}', :body, :at)"),
            {"body": b"{}", "at": _at(T0)},
        )
    return database


def test_upgrading_keeps_each_platforms_newest_budget(database_url: str) -> None:
    with _database_at_0005(database_url) as database:
        database.upgrade()
        with database.reading() as conn:
            found = [(b.platform, b.remaining, b.as_of) for b in store.budgets(conn)]
    assert found == [("github", 3000, T0 + 9 * HOUR)]  # the run that ended last


def test_upgrading_empties_the_http_cache_into_its_new_shape(database_url: str) -> None:
    with _database_at_0005(database_url) as database:
        database.upgrade()
        columns = {c["name"] for c in inspect(database.engine).get_columns("http_cache")}
        with database.engine.connect() as conn:
            rows = conn.execute(text("SELECT count(*) FROM http_cache")).scalar_one()
    assert {"repo", "used_at"} <= columns
    assert rows == 0


def test_upgrading_indexes_the_runs_by_their_end(database_url: str) -> None:
    with _database_at_0005(database_url) as database:
        database.upgrade()
        indexes = {i["name"] for i in inspect(database.engine).get_indexes("collection_run")}
    assert "ix_collection_run_kind_finished_at" in indexes


def test_upgrading_keeps_each_repos_newest_collected_values(database_url: str) -> None:
    with _database_at_0005(database_url) as database:
        database.upgrade()
        with database.session() as session:
            latest = series.latest_values(session)
    assert [(r, v.last_collected_at, dict(v.values)) for r, v in latest.items()] == [
        (1, T0 + 2 * HOUR, {"stars": 12})
    ]
