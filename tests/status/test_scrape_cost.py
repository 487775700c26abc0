"""A Prometheus scrape and ``status`` cost what the tracked repos cost, not what history holds:
every statement they run finds its rows of the history tables by an index seek, never a scan."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from monitor.config.repos import Tracked, load_repos
from monitor.daemon.prometheus import MonitorCollector
from monitor.store import series
from monitor.store.db import Database
from monitor.store.models import Repo
from monitor.store.series import ObservationIn, RunPlatformIn
from tests.status.test_status import NOW, T0, make_home, seed

#: The tables that grow with time; each may be searched, never scanned.
HISTORY = ("observation", "repo_error", "collection_run", "run_platform", "repo_release")
SCAN = re.compile(rf"^SCAN ({'|'.join(HISTORY)})\b")


@pytest.fixture
def tracked(tmp_path: Path) -> Tracked:
    return load_repos(make_home(tmp_path / "home") / "config" / "repos.toml")


def add_history(database: Database, days: int, before: int = 0) -> None:
    """*days* of daily collections, backfill rows and failures, ending *before* days before the
    seeded ones."""
    with database.session(write=True) as session:
        repos = {row.config_key: row.id or 0 for row in session.query(Repo)}
        for day in range(before + days, before, -1):
            at = T0 - timedelta(days=day)
            run = series.start_run(session, "collect", at)
            series.write_observations(session, [
                ObservationIn(repo_id, metric, at + offset, day, source)
                for repo_id in repos.values()
                for metric in ("stars", "forks")
                for offset, source in ((timedelta(0), "collected"),
                                       (timedelta(hours=1), "backfill"))
            ])
            series.record_repo_error(session, run, repos["github:acme/gone"], "not_found",
                                     "404", at)
            series.finish_run(session, run, "ok", [RunPlatformIn("github", 1, 4000, 5000, at)],
                              at + timedelta(minutes=1))


@pytest.fixture
def statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """Every statement sent to the database while the block runs."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def full_scans(database: Database, statements: list[tuple[str, Any]]) -> list[str]:
    found = []
    with database.engine.connect() as conn:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            found += [f"{row[-1]} in: {statement[:120]}" for row in plan if SCAN.match(row[-1])]
    return found


def test_every_statement_of_a_scrape_seeks_the_history_tables(
    database: Database, tracked: Tracked, statements: list[tuple[str, Any]],
) -> None:
    if database.backend != "sqlite":
        pytest.skip("the plan check reads SQLite's EXPLAIN QUERY PLAN")
    seed(database)
    add_history(database, 60)
    statements.clear()
    families = list(MonitorCollector(database, lambda: tracked, lambda: NOW).collect())
    assert next(f.samples for f in families if f.name == "aoss_store_up")[0].value == 1
    assert statements
    assert full_scans(database, statements) == []


def scrape_steps(database: Database, tracked: Tracked) -> int:
    """SQLite virtual-machine steps one scrape costs: its work, untimed. Every step is counted:
    counted by the hundred, a prepared statement SQLite keeps carries its remainder from one
    run to the next, and the count of a scrape then moves by a few hundred with no more work."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    def watch(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.set_progress_handler(count, 1)

    def unwatch(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.set_progress_handler(None, 0)

    event.listen(database.engine, "checkout", watch)
    event.listen(database.engine, "checkin", unwatch)
    try:
        list(MonitorCollector(database, lambda: tracked, lambda: NOW).collect())
    finally:
        event.remove(database.engine, "checkout", watch)
        event.remove(database.engine, "checkin", unwatch)
    return steps[0]


def test_a_scrape_costs_the_same_with_ten_times_the_history(
    database: Database, tracked: Tracked,
) -> None:
    if database.backend != "sqlite":
        pytest.skip("counts SQLite's virtual-machine steps")
    seed(database)
    add_history(database, 30)
    short = scrape_steps(database, tracked)
    add_history(database, 270, before=30)
    long = scrape_steps(database, tracked)
    assert long <= short * 1.25, (short, long)  # a deeper index, not more rows
