"""The one failing-repo rule (store/failing.py) that ``status`` and reports share, and the aware
UTC times its aggregates come back as."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from monitor.ids import RepoId
from monitor.store import series
from monitor.store.db import Database
from monitor.store.failing import KEEP_ERRORS, FailingRepo, failing_repos, prune_errors
from monitor.store.models import RepoError
from monitor.store.series import ObservationIn

T0 = datetime(2024, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session


@pytest.fixture
def repo_id(session: Session) -> int:
    repo = series.sync_projects(session, [("p", [RepoId("github", "o", "n")])], T0)["github:o/n"]
    assert repo.id is not None
    return repo.id


def _fail(session: Session, repo_id: int, at: datetime, kind: str = "unavailable") -> None:
    run_id = series.start_run(session, "collect", started_at=at)
    series.record_repo_error(session, run_id, repo_id, kind, f"{kind} at {at}", occurred_at=at)


def failing(session: Session, repo_ids: Collection[int], as_of: datetime | None = None,
            metric: str | None = "stars") -> list[FailingRepo]:
    """The rule read on the session's connection (as reports do; ``status`` has no session)."""
    return failing_repos(session.connection(), repo_ids, as_of, metric)


def _collect(session: Session, repo_id: int, at: datetime, metric: str = "stars") -> None:
    series.write_observations(session, [ObservationIn(repo_id, metric, at, 1)])


def test_a_repo_whose_error_is_newer_than_its_collection_is_failing_since_the_first_error(
    session: Session, repo_id: int
) -> None:
    _collect(session, repo_id, T0)
    _fail(session, repo_id, T0 + HOUR)
    _fail(session, repo_id, T0 + 2 * HOUR, "not_found")
    [found] = failing(session, [repo_id])
    assert (found.kind, found.since, found.last_error_at, found.last_collected_at, found.job) == (
        "not_found", T0 + HOUR, T0 + 2 * HOUR, T0, "collect"
    )


def test_a_repo_collected_after_its_error_is_not_failing(session: Session, repo_id: int) -> None:
    _fail(session, repo_id, T0)
    _collect(session, repo_id, T0 + HOUR)
    assert failing(session, [repo_id]) == []


def test_as_of_ignores_what_happened_later(session: Session, repo_id: int) -> None:
    _fail(session, repo_id, T0)
    _collect(session, repo_id, T0 + HOUR)
    assert [f.repo_id for f in failing(session, [repo_id], T0 + HOUR / 2)] == [repo_id]


def test_without_a_metric_a_collection_of_any_metric_counts(
    session: Session, repo_id: int
) -> None:
    _fail(session, repo_id, T0)
    _collect(session, repo_id, T0 + HOUR, metric="forks")
    assert [f.repo_id for f in failing(session, [repo_id])] == [repo_id]  # by stars
    assert failing(session, [repo_id], metric=None) == []


def test_the_times_computed_in_sql_come_back_aware_utc(session: Session, repo_id: int) -> None:
    _collect(session, repo_id, T0)
    _fail(session, repo_id, T0 + HOUR)
    [found] = failing(session, [repo_id], metric=None)
    for at in (found.since, found.last_error_at, found.last_collected_at):
        assert at is not None and at.utcoffset() == timedelta(0)


# -- pruning: errors no answer of the rule needs any more go ---------------------------------


def _errors(session: Session, repo_id: int) -> list[datetime]:
    return sorted(e.occurred_at for e in session.exec(
        select(RepoError).where(RepoError.repo_id == repo_id)))


def test_an_error_a_collection_superseded_before_the_kept_window_is_pruned(
    session: Session, repo_id: int
) -> None:
    _fail(session, repo_id, T0)
    _collect(session, repo_id, T0 + HOUR)
    _fail(session, repo_id, T0 + 2 * HOUR)
    assert prune_errors(session, T0 + KEEP_ERRORS + HOUR) == 1
    assert _errors(session, repo_id) == [T0 + 2 * HOUR]
    [found] = failing(session, [repo_id])
    assert (found.since, found.last_error_at) == (T0 + 2 * HOUR, T0 + 2 * HOUR)


def test_a_repo_still_failing_keeps_every_error_since_its_last_collection(
    session: Session, repo_id: int
) -> None:
    _collect(session, repo_id, T0)
    for day in range(1, 30):
        _fail(session, repo_id, T0 + timedelta(days=day))
    assert prune_errors(session, T0 + KEEP_ERRORS + timedelta(days=60)) == 0
    assert len(_errors(session, repo_id)) == 29


def test_pruning_changes_no_answer_for_the_kept_window(session: Session, repo_id: int) -> None:
    """Fail and recover in turns for two years; every day of the last KEEP_ERRORS answers the
    same after pruning (what a report of any period ending then shows)."""
    start = T0
    for day in range(730):
        at = start + timedelta(days=day, hours=6)
        if day % 7 in (2, 3, 4) or day % 90 < 20:
            _fail(session, repo_id, at, "unavailable" if day % 2 else "not_found")
        else:
            _collect(session, repo_id, at)
    now = start + timedelta(days=730)
    window = [now - timedelta(days=d, hours=h) for d in range(KEEP_ERRORS.days) for h in (0, 9)]
    before = {at: failing(session, [repo_id], at) for at in window}
    assert prune_errors(session, now) > 0
    assert {at: failing(session, [repo_id], at) for at in window} == before
    assert min(_errors(session, repo_id)) > now - KEEP_ERRORS - timedelta(days=30)
