"""``latest_value`` always says what a scan of the observations would: the newest collected value
of each repo and metric, whatever order and mix the observations were written in."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from monitor.ids import RepoId
from monitor.metrics import METRICS
from monitor.store import series
from monitor.store.db import Database
from monitor.store.models import LatestValue, Observation, RepoRow
from monitor.store.series import ObservationIn

T0 = datetime(2025, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)
Newest = dict[tuple[int, str], tuple[datetime, int]]


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session


def _repos(session: Session, *names: str) -> list[RepoRow]:
    ids = [RepoId("github", "o", name) for name in names]
    rows = series.sync_projects(session, [("p", ids)], T0)
    return [rows[repo.key] for repo in ids]


def _scanned(session: Session) -> Newest:
    """The newest collected value of each repo and metric, read from every observation."""
    found: Newest = {}
    for row in session.exec(select(Observation).where(Observation.source == "collected")):
        seen = found.get((row.repo_id, row.metric))
        if seen is None or row.observed_at > seen[0]:
            found[(row.repo_id, row.metric)] = (row.observed_at, row.value)
    return found


def _kept(session: Session) -> Newest:
    return {(r.repo_id, r.metric): (r.observed_at, r.value)
            for r in session.exec(select(LatestValue))}


def test_the_latest_values_are_the_newest_collected_rows_however_written(
    session: Session,
) -> None:
    ids = [repo.id or 0 for repo in _repos(session, "a", "b")]
    rng = random.Random(11)
    for _ in range(12):  # batches out of time order, backfill rows newer than collected ones
        series.write_observations(session, [
            ObservationIn(rng.choice(ids), rng.choice(METRICS[:3]), T0 + rng.randrange(200) * DAY,
                          rng.randrange(1000), rng.choice(("collected", "collected", "backfill")))
            for _ in range(40)
        ])
    scanned = _scanned(session)
    assert _kept(session) == scanned
    latest = series.latest_values(session)
    for repo_id in ids:
        mine = {m: seen for (r, m), seen in scanned.items() if r == repo_id}
        assert dict(latest[repo_id].values) == {m: v for m, (_, v) in mine.items()}
        assert latest[repo_id].last_collected_at == max(at for at, _ in mine.values())
    assert series.last_observed(session).get("stars", {}) == {
        r: at for (r, m), (at, _) in scanned.items() if m == "stars"}


def test_an_observation_written_again_leaves_the_latest_value_as_stored(
    session: Session,
) -> None:
    [repo] = _repos(session, "a")
    assert repo.id is not None
    series.write_observations(session, [ObservationIn(repo.id, "stars", T0, 5)])
    series.write_observations(session, [ObservationIn(repo.id, "stars", T0, 9)])  # skipped
    assert _kept(session) == {(repo.id, "stars"): (T0, 5)} == _scanned(session)


def test_merging_a_renamed_repos_two_rows_keeps_the_newer_latest_values(
    session: Session,
) -> None:
    old, new = _repos(session, "old", "new")
    assert old.id is not None and new.id is not None
    series.write_observations(session, [
        ObservationIn(old.id, "stars", T0, 1), ObservationIn(old.id, "forks", T0 + 2 * DAY, 7),
        ObservationIn(new.id, "stars", T0 + DAY, 2), ObservationIn(new.id, "forks", T0, 3),
    ])
    series.record_identity(session, old, 42, "o", "new")
    survivor = series.record_identity(session, new, 42, "o", "new")  # the same repo: merged
    assert survivor.id == old.id
    assert _kept(session) == {(old.id, "stars"): (T0 + DAY, 2),
                              (old.id, "forks"): (T0 + 2 * DAY, 7)} == _scanned(session)
