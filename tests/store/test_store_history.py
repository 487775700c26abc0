"""The backfill store: history pages, backfill progress and the rebuilt series, on each backend."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, col, select

from monitor.ids import RepoId
from monitor.store import history, series, tables
from monitor.store.db import Database
from monitor.store.history import BackfillState
from monitor.store.models import (
    BackfillStateRow,
    Observation,
    Repo,
    StarGiven,
    StarWeek,
)
from monitor.store.series import ObservationIn
from monitor.store.sql import table

T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)
PADDLE = RepoId("github", "PaddlePaddle", "Paddle")
TORCH = RepoId("github", "pytorch", "pytorch")


def days(n: int) -> datetime:
    return T0 + timedelta(days=n)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session


@pytest.fixture
def ids(session: Session) -> dict[str, int]:
    repos = series.sync_projects(session, [("Paddle", [PADDLE]), ("Torch", [TORCH])], T0)
    return {key: repo.id or 0 for key, repo in repos.items()}


def stored(session: Session, repo_id: int, metric: str, source: str) -> list[tuple[datetime, int]]:
    rows = session.exec(
        select(Observation)
        .where(
            Observation.repo_id == repo_id,
            Observation.metric == metric,
            Observation.source == source,
        )
        .order_by(Observation.observed_at)  # type: ignore[arg-type]
    )
    return [(row.observed_at, row.value) for row in rows]


# -- stored history -------------------------------------------------------------------------------


def test_weeks_are_kept_by_their_sunday_and_a_later_read_replaces_them(
    session: Session, ids: dict[str, int],
) -> None:
    """A page re-read after the weeks slid (or a star was withdrawn) updates exactly its weeks."""
    paddle, torch = ids[PADDLE.key], ids[TORCH.key]
    sunday = date(2020, 1, 5)
    history.save_week_days(session, paddle, {sunday: 1, date(2020, 1, 7): 3}, T0)
    history.save_week_days(session, paddle, {date(2019, 12, 31): 2}, T0)
    history.save_week_days(session, torch, {sunday: 9}, T0)
    stored = history.load_week_days(session, paddle)
    assert stored[sunday] == 1 and stored[date(2020, 1, 7)] == 3
    assert stored[date(2019, 12, 31)] == 2 and stored[date(2019, 12, 29)] == 0
    assert len(stored) == 14 and sum(stored.values()) == 6
    history.save_week_days(session, paddle, {sunday: 1, date(2020, 1, 7): 2}, days(7))
    again = history.load_week_days(session, paddle)
    assert again[date(2020, 1, 7)] == 2 and again[date(2019, 12, 31)] == 2
    assert history.week_of(date(2020, 1, 11)) == sunday == history.week_of(sunday)


def test_a_write_replaces_the_weeks_its_days_fall_in_and_no_other(
    session: Session, ids: dict[str, int],
) -> None:
    """Each week given is written whole (a day not given counts 0) with the new ``fetched_at``;
    the weeks not given keep theirs. Which weeks changed the caller knows (it holds them)."""
    paddle = ids[PADDLE.key]
    history.save_week_days(session, paddle, {date(2019, 12, 31): 2, date(2020, 1, 5): 1}, T0)
    history.save_week_days(session, paddle, {date(2020, 1, 7): 4}, days(2))
    written = session.exec(select(col(StarWeek.week), col(StarWeek.fetched_at))
                           .where(StarWeek.repo_id == paddle))
    assert dict(written.all()) == {date(2019, 12, 29): T0, date(2020, 1, 5): days(2)}
    stored = history.load_week_days(session, paddle)
    assert stored[date(2020, 1, 5)] == 0 and stored[date(2020, 1, 7)] == 4
    assert stored[date(2019, 12, 31)] == 2


def test_stars_are_kept_by_stargazer_and_deleted_by_id(
    session: Session, ids: dict[str, int],
) -> None:
    paddle, torch = ids[PADDLE.key], ids[TORCH.key]
    big = 2**40 + 7  # ids beyond 32 bits
    history.save_stars(session, paddle, [(1, T0), (big, days(1))])
    history.save_stars(session, torch, [(1, days(5))])
    history.save_stars(session, paddle, [(1, days(2))])  # unstarred and starred again
    assert history.load_stars(session, paddle) == {1: days(2), big: days(1)}
    assert all(at.tzinfo is UTC for at in history.load_stars(session, paddle).values())
    history.delete_stars(session, paddle, {big})
    assert history.load_stars(session, paddle) == {1: days(2)}
    assert history.load_stars(session, torch) == {1: days(5)}


def test_a_stargazer_given_twice_in_one_write_is_stored_once_as_last_given(
    session: Session, ids: dict[str, int],
) -> None:
    """A list that shifts while it is paged can show one stargazer twice; PostgreSQL refuses
    an upsert naming one row twice (CardinalityViolation)."""
    paddle = ids[PADDLE.key]
    history.save_stars(session, paddle, [(1, T0), (2, days(1)), (1, days(3))])
    assert history.load_stars(session, paddle) == {1: days(3), 2: days(1)}


def test_the_latest_collected_value_is_the_newest_collected_row(
    session: Session, ids: dict[str, int],
) -> None:
    paddle = ids[PADDLE.key]
    assert history.latest_collected(session, paddle, "stars") is None
    series.write_observations(session, [
        ObservationIn(paddle, "stars", T0, 5), ObservationIn(paddle, "stars", days(1), 7),
        ObservationIn(paddle, "forks", days(2), 1),
    ])
    history.replace_backfill(session, paddle, "stars", [(days(3), 9)])
    assert history.latest_collected(session, paddle, "stars") == (days(1), 7)


def test_unknown_metrics_are_refused(session: Session, ids: dict[str, int]) -> None:
    paddle = ids[PADDLE.key]
    with pytest.raises(ValueError, match="unknown metric"):
        history.latest_collected(session, paddle, "stargazers")
    with pytest.raises(ValueError, match="unknown metric"):
        BackfillState(paddle, "stargazers")
    with pytest.raises(ValueError, match="unknown metric"):
        history.replace_backfill(session, paddle, "stargazers", [])


# -- progress -------------------------------------------------------------------------------------


def test_state_save_load_refuse(session: Session, ids: dict[str, int]) -> None:
    paddle, torch = ids[PADDLE.key], ids[TORCH.key]
    assert history.get_state(session, paddle, "stars") is None
    assert history.states(session) == {}

    fresh = BackfillState.new(paddle, "stars")
    assert (fresh.next_page, fresh.pages, fresh.complete, fresh.refused_reason) == (
        1,
        None,
        False,
        None,
    )
    saved = history.save_state(session, replace(fresh, next_page=4, pages=40), T0)
    assert saved.updated_at is not None and saved.updated_at.tzinfo is UTC
    assert saved.completed_at is None
    assert history.get_state(session, paddle, "stars") == saved

    done = history.save_state(session, replace(saved, next_page=41, complete=True), T0)
    assert done.complete and done.completed_at is not None
    assert history.get_state(session, paddle, "stars") == done

    refused = history.refuse(session, paddle, "stars", "HTTP 422: too many stargazers to list", T0)
    assert refused.refused_reason == "HTTP 422: too many stargazers to list"
    assert (refused.next_page, refused.pages, refused.complete) == (41, 40, True)
    assert refused.completed_at == done.completed_at  # progress is kept
    assert history.get_state(session, paddle, "stars") == refused

    # History works again: saving a state without a reason clears it.
    again = history.save_state(session, replace(refused, refused_reason=None), T0)
    assert history.get_state(session, paddle, "stars") == again
    assert again.refused_reason is None

    # A refusal before any progress creates the state.
    first = history.refuse(session, torch, "stars", "HTTP 403", T0)
    assert (first.next_page, first.complete, first.refused_reason) == (1, False, "HTTP 403")
    history.save_state(session, BackfillState(torch, "releases", complete=True), T0)

    assert history.states(session) == {paddle: again, torch: first}
    assert set(history.states(session, "releases")) == {torch}


def test_state_times_are_kept_as_given(session: Session, ids: dict[str, int]) -> None:
    paddle = ids[PADDLE.key]
    state = BackfillState(
        paddle, "stars", next_page=2, complete=True, updated_at=days(1), completed_at=days(2)
    )
    assert history.save_state(session, state, T0) == state
    assert history.get_state(session, paddle, "stars") == state


# -- the rebuilt series ---------------------------------------------------------------------------


def test_replace_backfill_replaces_only_backfill_rows(
    session: Session, ids: dict[str, int]
) -> None:
    paddle, torch = ids[PADDLE.key], ids[TORCH.key]
    series.write_observations(
        session,
        [
            ObservationIn(paddle, "stars", days(0), 10),
            ObservationIn(paddle, "stars", days(0), 9, "backfill"),  # same instant, other source
            ObservationIn(paddle, "stars", days(1), 19, "backfill"),
            ObservationIn(paddle, "stars", days(9), 99, "backfill"),
            ObservationIn(paddle, "forks", days(1), 5, "backfill"),
            ObservationIn(torch, "stars", days(1), 7, "backfill"),
        ],
    )
    points = [(days(0), 8), (days(1), 18), (days(2), 28)]
    assert history.replace_backfill(session, paddle, "stars", points) == 3
    assert stored(session, paddle, "stars", "backfill") == points
    assert stored(session, paddle, "stars", "collected") == [(days(0), 10)]
    assert stored(session, paddle, "forks", "backfill") == [(days(1), 5)]
    assert stored(session, torch, "stars", "backfill") == [(days(1), 7)]

    # Idempotent: the same points again leave the same rows.
    assert history.replace_backfill(session, paddle, "stars", points) == 3
    assert stored(session, paddle, "stars", "backfill") == points

    # Other time zones are the same instants; nothing at all clears the series.
    pacific = ZoneInfo("America/Los_Angeles")
    assert history.replace_backfill(session, paddle, "stars", [(days(3).astimezone(pacific), 1)])
    assert stored(session, paddle, "stars", "backfill") == [(days(3), 1)]
    assert history.replace_backfill(session, paddle, "stars", []) == 0
    assert stored(session, paddle, "stars", "backfill") == []
    assert stored(session, paddle, "stars", "collected") == [(days(0), 10)]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([(datetime(2024, 3, 1), 1)], "naive"),
        ([(T0, 1.5)], "integer"),
        ([(T0, True)], "integer"),
        ([(T0, 1), (T0.astimezone(ZoneInfo("Asia/Shanghai")), 2)], "two backfill points"),
    ],
)
def test_replace_backfill_validates_points(
    session: Session, ids: dict[str, int], points: Any, message: str
) -> None:
    paddle = ids[PADDLE.key]
    history.replace_backfill(session, paddle, "stars", [(T0, 5)])
    with pytest.raises(ValueError, match=message):
        history.replace_backfill(session, paddle, "stars", points)
    assert stored(session, paddle, "stars", "backfill") == [(T0, 5)]  # untouched


def test_replace_backfill_is_one_transaction(database: Database) -> None:
    with database.session() as session:
        paddle = series.sync_projects(session, [("p", [PADDLE])], T0)[PADDLE.key].id or 0
        history.replace_backfill(session, paddle, "stars", [(T0, 5)])
    with pytest.raises(RuntimeError), database.session() as session, session.begin_nested():
        history.replace_backfill(session, paddle, "stars", [(days(1), 6), (days(2), 7)])
        raise RuntimeError("crash before the state was saved")
    with database.session() as session:
        assert stored(session, paddle, "stars", "backfill") == [(T0, 5)]


def test_replace_backfill_of_eight_years_of_days(
    session: Session, ids: dict[str, int], database: Database
) -> None:
    paddle = ids[PADDLE.key]
    points = [(days(i), i * 3) for i in range(3000)]
    started = time.perf_counter()
    assert history.replace_backfill(session, paddle, "stars", points) == 3000
    first = time.perf_counter() - started
    started = time.perf_counter()
    assert history.replace_backfill(session, paddle, "stars", points) == 3000
    second = time.perf_counter() - started
    print(f"{database.backend}: 3000 points in {first:.3f} s, replaced in {second:.3f} s")
    assert stored(session, paddle, "stars", "backfill") == points
    rows = list(series.export_rows(session))
    assert len(rows) == 3000 and rows[-1].value == 2999 * 3


# -- the repo row ---------------------------------------------------------------------------------


def test_pages_and_state_go_with_a_merged_repo_row(session: Session) -> None:
    """A rename merges two rows; the deleted row's pages and progress must not block it."""
    old_id, new_id = RepoId("github", "oldorg", "tool"), RepoId("github", "neworg", "tool")
    old = series.sync_projects(session, [("Tool", [old_id])], T0)[old_id.key]
    new = series.sync_projects(session, [("Tool", [new_id])], T0)[new_id.key]
    for repo in (old, new):
        history.save_week_days(session, repo.id or 0, {date(2020, 1, 1): 1}, T0)
        history.save_stars(session, repo.id or 0, [(1, T0)])
        history.save_state(session, BackfillState(repo.id or 0, "stars", next_page=2), T0)
    series.record_identity(session, old, 42, "neworg", "tool")
    survivor = series.record_identity(session, new, 42, "neworg", "tool")
    assert survivor.id == old.id
    assert set(history.states(session)) == {old.id}
    assert {r.repo_id for r in session.exec(select(StarWeek))} == {old.id}
    assert [r.repo_id for r in session.exec(select(StarGiven))] == [old.id]
    assert session.get(Repo, new.id) is None


def test_models_match_the_migrations(database: Database) -> None:
    """The models describe the schema the migrations create (here: the backfill tables too)."""
    with database.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), tables.metadata) == []
    assert {table(BackfillStateRow), table(StarWeek), table(StarGiven)} <= set(
        tables.metadata.tables.values()
    )
