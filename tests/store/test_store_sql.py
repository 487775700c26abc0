"""``execute_many``: one compiled INSERT run for many rows by the driver, on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlmodel import Session

from monitor.store import tables
from monitor.store.db import Database, dialect_insert
from monitor.store.sql import execute_many

T0 = datetime(2024, 3, 1, tzinfo=UTC)
PLUS_8 = timezone(timedelta(hours=8))


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        session.connection().execute(tables.repo.insert(), [
            {"id": rid, "platform": "github", "owner": "o", "name": f"r{rid}", "added_at": T0}
            for rid in (1, 2)])
        yield session


def stored(session: Session) -> list[tuple[int, str, datetime, int]]:
    o = tables.observation
    rows = session.connection().execute(
        select(o.c.repo_id, o.c.metric, o.c.observed_at, o.c.value)
        .order_by(o.c.repo_id, o.c.metric, o.c.observed_at))
    return [tuple(row) for row in rows]


def observation(repo_id: int, metric: str, at: datetime, value: int) -> dict[str, object]:
    return {"repo_id": repo_id, "metric": metric, "observed_at": at, "value": value,
            "source": "collected"}


def test_every_row_is_stored_with_its_values_converted_by_their_column_types(
    session: Session,
) -> None:
    stmt = dialect_insert(session, tables.observation).on_conflict_do_nothing()
    rows = [observation(1, "stars", T0, 5), observation(2, "stars", T0, 7),
            observation(1, "forks", T0.astimezone(PLUS_8) + timedelta(hours=1), 3)]
    assert execute_many(session.connection(), stmt, rows) == 3
    assert stored(session) == [(1, "forks", T0 + timedelta(hours=1), 3),
                               (1, "stars", T0, 5), (2, "stars", T0, 7)]


def test_the_count_is_of_rows_changed_not_of_rows_given(session: Session) -> None:
    stmt = dialect_insert(session, tables.observation).on_conflict_do_nothing()
    execute_many(session.connection(), stmt, [observation(1, "stars", T0, 5)])
    again = [observation(1, "stars", T0, 6), observation(2, "stars", T0, 7)]
    assert execute_many(session.connection(), stmt, again) == 1
    assert stored(session) == [(1, "stars", T0, 5), (2, "stars", T0, 7)]


def test_an_upsert_updates_the_rows_it_conflicts_with(session: Session) -> None:
    lv = tables.latest_value
    stmt = dialect_insert(session, lv)
    stmt = stmt.on_conflict_do_update(index_elements=["repo_id", "metric"],
                                      set_={"value": stmt.excluded.value})
    first = [{"repo_id": 1, "metric": "stars", "observed_at": T0, "value": 5}]
    execute_many(session.connection(), stmt, first)
    later = [{"repo_id": 1, "metric": "stars", "observed_at": T0, "value": 9}]
    assert execute_many(session.connection(), stmt, later) == 1
    assert session.connection().execute(select(lv.c.value)).scalar_one() == 9


def test_no_rows_run_nothing(session: Session) -> None:
    stmt = dialect_insert(session, tables.observation).on_conflict_do_nothing()
    assert execute_many(session.connection(), stmt, []) == 0
    assert stored(session) == []
