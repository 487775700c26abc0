"""The boundary lookup, property-based: ``values_at`` (a repo's value of a metric at or before an
instant, which reports start and end periods with) agrees with a brute-force scan in Python.

The rule the scan applies (``effective_observations`` and ``values_at``): a backfill row at *E*
describes the day from the previous backfill row of its series (24 hours before *E* for the first)
to *E*, and is dropped when a collected row of the series lies in ``(start, E]``; of what is left,
the newest row at or before the instant counts, a collected one winning a tie.

The observations are drawn on a coarse grid of a few days so that ties (between sources, with the
instant asked about, and across a backfill row's day) and shadowed rows are common.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlmodel import Session

from monitor.ids import RepoId
from monitor.store import series
from monitor.store.db import Database
from monitor.store.models import Observation
from monitor.store.series import ObservationIn, Point

T0 = datetime(2024, 3, 1, tzinfo=UTC)
REPOS = (
    RepoId("github", "acme", "rocket"),
    RepoId("gitee", "acme", "rocket"),
    RepoId("github", "acme", "sled"),
)
METRICS = ("stars", "forks")
SOURCES = ("collected", "backfill")

#: Four days, mostly at midnight (backfill rows' days meet there, exactly 24 hours apart) or an
#: hour either side of it, with an odd fraction of a second now and then.
instants = st.builds(
    lambda day, hour, micro: T0 + timedelta(days=day, hours=hour, microseconds=micro),
    st.integers(min_value=0, max_value=3),
    st.sampled_from([0, 0, 1, 23]),
    st.sampled_from([0, 0, 0, 250_000]),
)

#: Observations of the three repos, each named by its place in REPOS (the test swaps in the
#: database's ids), unique on the primary key as the store keeps them.
observations = st.lists(
    st.builds(
        ObservationIn,
        repo_id=st.integers(min_value=0, max_value=len(REPOS) - 1),
        metric=st.sampled_from(METRICS),
        observed_at=instants,
        value=st.integers(min_value=0, max_value=10**9),
        source=st.sampled_from(SOURCES),
    ),
    max_size=40,
    unique_by=lambda row: (row.repo_id, row.metric, row.observed_at, row.source),
)
#: Instants to ask about, besides every stored row's own.
moments = st.lists(instants, min_size=1, max_size=5)


def _shadowed(row: ObservationIn, rows: Sequence[ObservationIn]) -> bool:
    """A backfill row whose day holds a collected row of the same series."""
    if row.source != "backfill":
        return False
    same = [r for r in rows if (r.repo_id, r.metric) == (row.repo_id, row.metric)]
    backfilled = [r.observed_at for r in same if r.source == "backfill"]
    start = max(
        (at for at in backfilled if at < row.observed_at),
        default=row.observed_at - timedelta(hours=24),
    )
    return any(
        r.source == "collected" and start < r.observed_at <= row.observed_at for r in same
    )


def brute_force_values_at(
    rows: Sequence[ObservationIn],
    at: datetime,
    repo_ids: Collection[int] | None = None,
    metrics: Collection[str] | None = None,
) -> dict[tuple[int, str], Point]:
    """``values_at`` by scanning every row: newest unshadowed one at or before *at*, per series."""
    best: dict[tuple[int, str], ObservationIn] = {}
    for row in rows:
        if row.observed_at > at or _shadowed(row, rows):
            continue
        if repo_ids is not None and row.repo_id not in repo_ids:
            continue
        if metrics is not None and row.metric not in metrics:
            continue
        series_key = (row.repo_id, row.metric)
        rank = (row.observed_at, row.source == "collected")
        held = best.get(series_key)
        if held is None or rank > (held.observed_at, held.source == "collected"):
            best[series_key] = row
    return {k: Point(r.observed_at, r.value, r.source) for k, r in best.items()}


@pytest.fixture
def repo_ids(database: Database) -> list[int]:
    """Three repos (two projects), shared by a property's examples."""
    with database.session() as session:
        repos = series.sync_projects(session, [("Rocket", REPOS[:2]), ("Sled", REPOS[2:])],
                                     T0)
    ids = [repos[repo.key].id for repo in REPOS]
    return [i for i in ids if i is not None]


def _store(session: Session, rows: Sequence[ObservationIn]) -> None:
    """Replace whatever an earlier example stored with *rows*."""
    session.connection().execute(delete(Observation))
    session.commit()
    series.write_observations(session, rows)


def _with_ids(rows: Sequence[ObservationIn], repo_ids: Sequence[int]) -> list[ObservationIn]:
    return [replace(row, repo_id=repo_ids[row.repo_id]) for row in rows]


def _instants(rows: Sequence[ObservationIn], moments: Sequence[datetime]) -> list[datetime]:
    """The drawn instants and each stored row's own (a tie with the instant asked about)."""
    return sorted({row.observed_at for row in rows} | set(moments))


PROPERTY = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# The first backfill row's day is the 24 hours before it: the collected row an hour into that
# day shadows it, one at its very start does not.
FIRST_DAY = [
    ObservationIn(0, "stars", T0 + timedelta(days=1, hours=1), 5),
    ObservationIn(0, "stars", T0 + timedelta(days=2), 7, "backfill"),
    ObservationIn(1, "stars", T0 + timedelta(days=1), 5),
    ObservationIn(1, "stars", T0 + timedelta(days=2), 7, "backfill"),
]
# A later backfill row's day starts at the previous backfill row: a collected row at that same
# instant is outside it, one a moment later inside.
LATER_DAY = [
    ObservationIn(0, "forks", T0, 1, "backfill"),
    ObservationIn(0, "forks", T0, 2),
    ObservationIn(0, "forks", T0 + timedelta(days=1), 3, "backfill"),
    ObservationIn(2, "forks", T0, 1, "backfill"),
    ObservationIn(2, "forks", T0 + timedelta(microseconds=250_000), 2),
    ObservationIn(2, "forks", T0 + timedelta(days=1), 3, "backfill"),
]


@PROPERTY
@given(rows=observations, moments=moments)
@example(rows=FIRST_DAY, moments=[T0 + timedelta(days=3)])
@example(rows=LATER_DAY, moments=[T0 + timedelta(days=3)])
def test_values_at_equals_a_brute_force_scan(
    database: Database, repo_ids: list[int], rows: list[ObservationIn], moments: list[datetime]
) -> None:
    rows = _with_ids(rows, repo_ids)
    with database.session() as session:
        _store(session, rows)
        for at in _instants(rows, moments):
            assert series.values_at(session, at) == brute_force_values_at(rows, at)


@PROPERTY
@given(
    rows=observations,
    moments=moments,
    some_repos=st.sets(st.integers(min_value=0, max_value=len(REPOS) - 1)),
    some_metrics=st.sets(st.sampled_from(METRICS), min_size=1),
)
def test_values_at_for_some_repos_and_metrics_equals_the_scan_of_those(
    database: Database,
    repo_ids: list[int],
    rows: list[ObservationIn],
    moments: list[datetime],
    some_repos: set[int],
    some_metrics: set[str],
) -> None:
    rows = _with_ids(rows, repo_ids)
    wanted = {repo_ids[i] for i in some_repos}
    with database.session() as session:
        _store(session, rows)
        for at in _instants(rows, moments):
            found = series.values_at(session, at, wanted, some_metrics)
            assert found == brute_force_values_at(rows, at, wanted, some_metrics)
