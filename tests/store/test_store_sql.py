"""``execute_many``: one compiled INSERT run for many rows by the driver; ``read_many``: rows
read with each distinct value converted once; on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlmodel import Session

from monitor.store import tables
from monitor.store.db import Database, dialect_insert
from monitor.store.sql import execute_many, read_many

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


def test_read_many_gives_the_rows_and_values_a_plain_read_gives(session: Session) -> None:
    r, o = tables.repo, tables.observation
    session.connection().execute(tables.repo.update().where(r.c.id == 2).values(
        created_at=T0 - timedelta(days=9), platform_id=22))
    stmt = dialect_insert(session, tables.observation).on_conflict_do_nothing()
    execute_many(session.connection(), stmt, [
        observation(1, "stars", T0, 5), observation(2, "stars", T0, 7),
        observation(2, "forks", T0 + timedelta(hours=1), 3)])
    joined = (select(r.c.name, r.c.platform_id, r.c.created_at, o.c.metric, o.c.observed_at)
              .select_from(r.join(o, o.c.repo_id == r.c.id))
              .where(o.c.value > 4).order_by(r.c.id))
    read = read_many(session.connection(), joined)
    assert read == [("r1", None, None, "stars", T0),
                    ("r2", 22, T0 - timedelta(days=9), "stars", T0)]
    assert read == [tuple(row) for row in session.connection().execute(joined)]
    assert all(at.tzinfo is UTC for *_, at in read)


def test_read_many_binds_the_statements_values_as_its_columns_types_do(
    session: Session,
) -> None:
    o = tables.observation
    stmt = dialect_insert(session, tables.observation).on_conflict_do_nothing()
    execute_many(session.connection(), stmt, [
        observation(1, "stars", T0, 5), observation(2, "stars", T0 + timedelta(hours=2), 7),
        observation(2, "forks", T0 + timedelta(hours=3), 3)])
    since = (T0 + timedelta(hours=1)).astimezone(PLUS_8)  # an aware time in another zone
    chosen = (select(o.c.repo_id, o.c.metric, o.c.value)
              .where(o.c.observed_at >= since, o.c.repo_id.in_([2, 3]), o.c.metric != "50%")
              .order_by(o.c.metric))
    assert read_many(session.connection(), chosen) == [(2, "forks", 3), (2, "stars", 7)]
    listed = select(o.c.repo_id, o.c.metric).where(
        o.c.observed_at.in_([T0.astimezone(PLUS_8), since + timedelta(hours=1)]))
    assert sorted(read_many(session.connection(), listed)) == [(1, "stars"), (2, "stars")]
