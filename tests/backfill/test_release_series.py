"""The daily ``releases`` series follows the stored release list: rebuilt when the list a
backfill reads completes, even when the star history had nothing new that run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakes import FakeRelease
from tests.harness import T0, Monitor

ROCKET = "gitee:acme/rocket"
LATER = T0 + timedelta(days=1)


def series(monitor: Monitor, metric: str) -> list[tuple[datetime, int]]:
    return [(r.observed_at, r.value) for r in monitor.rows(ROCKET)
            if r.metric == metric and r.source == "backfill"]


def test_the_release_series_is_rebuilt_when_a_split_release_list_completes(
    monitor: Monitor,
) -> None:
    fake = monitor.fake.gitee.repo("acme/rocket")
    fake.releases = [FakeRelease("v1", "1", datetime(2024, 1, 10, tzinfo=UTC))]
    monitor.collect(ROCKET, now=T0)  # stores v1
    fake.releases += [FakeRelease(f"v1.{i}", None, datetime(2025, 1, 10 + i, tzinfo=UTC))
                      for i in range(1, 5)]
    monitor.configure("backfill", max_requests=1)  # the star page only: no release list yet
    first = monitor.backfill(ROCKET, now=LATER)
    assert [o.status for o in first.outcomes] == ["complete"]
    assert series(monitor, "releases")[-1][1] == 1
    monitor.configure("backfill", max_requests=100)
    monitor.backfill(ROCKET, now=LATER)
    points = series(monitor, "releases")
    assert points[-1][1] == 5
    assert points[-1][0] == series(monitor, "stars")[-1][0]
    for end, value in points:
        assert value == sum(1 for r in fake.releases if r.published_at and r.published_at < end)


def test_the_release_series_is_not_rewritten_when_nothing_changed(monitor: Monitor) -> None:
    monitor.backfill(ROCKET, now=LATER)
    before = series(monitor, "releases")
    assert before and before[-1][1] == 3
    monitor.fake.clear_log()
    summary = monitor.backfill(ROCKET, now=LATER)
    assert [o.status for o in summary.outcomes] == ["unchanged"]
    assert series(monitor, "releases") == before
    assert not [r for r in monitor.fake.requests_for("gitee") if r.path.endswith("/releases")]
