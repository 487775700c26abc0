"""The simulation's one finding, alone: a GitHub star withdrawn deep in history must show in the
very next backfill, even when the newest collection's day already has stars of its own.

Both GitHub paths: with a token the backfill asks GraphQL for the stars now, without one a
conditional REST request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from monitor.store.models import Observation, Repo
from tests.fakes import FakeRepo
from tests.harness import Monitor
from tests.simulation.truth import daily_truth, zone_of

pytestmark = pytest.mark.simulation

T1 = datetime(2026, 10, 7, 10, 0, tzinfo=UTC)  # 03:00 in California


def test_a_deep_withdrawal_shows_though_today_has_stars(monitor: Monitor, mode: str) -> None:
    rocket: FakeRepo = monitor.fake.github.repo("acme/rocket")
    monitor.collect("github:acme/rocket", now=T1)
    monitor.backfill("github:acme/rocket", now=T1)
    t2 = T1 + timedelta(days=1)
    rocket.give_star(t2 - timedelta(hours=1))  # 02:00 in California: the collection's day
    oldest = min(rocket.star_times or [])
    rocket.withdraw_star(oldest)
    monitor.collect("github:acme/rocket", now=t2)
    monitor.backfill("github:acme/rocket", now=t2)
    stars = sorted(rocket.star_times or [])
    zone = zone_of("github")
    want = daily_truth(stars, zone, stars[0].astimezone(zone).date(), t2)
    assert stored_series(monitor, "github:acme/rocket") == want


def stored_series(monitor: Monitor, repo: str) -> list[tuple[datetime, int]]:
    """Every stored backfill row of stars (the export would hide the one of T1's day, which
    the collected row of T1 shadows)."""
    with monitor.database.session() as session:
        rows = session.exec(
            select(Observation.observed_at, Observation.value)
            .join(Repo, col(Repo.id) == col(Observation.repo_id))
            .where(Repo.config_key == repo, Observation.metric == "stars",
                   Observation.source == "backfill")
            .order_by(col(Observation.observed_at))
        )
        return [(at, value) for at, value in rows]
