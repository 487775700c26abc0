"""The simulation's one finding, alone: a GitHub star withdrawn deep in history must show in the
very next backfill, even when the newest collection's day already has stars of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes import FakeRepo
from tests.harness import Monitor
from tests.simulation.truth import daily_truth, zone_of

pytestmark = pytest.mark.simulation

T1 = datetime(2026, 10, 7, 10, 0, tzinfo=UTC)  # 03:00 in California


@pytest.mark.xfail(strict=True, reason=(
    "known fault: monitor.history.within_collected allows for the stars of the newest "
    "collection's day, which hides a withdrawal as large; backfill keeps the withdrawn star "
    "until a later day"))
def test_a_deep_withdrawal_shows_though_today_has_stars(monitor: Monitor) -> None:
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
    got = [(r.observed_at, r.value) for r in monitor.rows("github:acme/rocket")
           if r.metric == "stars" and r.source == "backfill"]
    assert got == want
