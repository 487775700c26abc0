"""``backfill``: daily star and release history rebuilt from the platforms, over real HTTP.

The fakes know every star's time (FakeRepo.star_times): the expected series is computed here,
independently, from those times and the platform's calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from monitor.config.members import Assigned
from monitor.ids import OwnerId, RepoId
from monitor.platforms.http import UNREACHABLE_AFTER
from monitor.store import tables
from monitor.store.history import get_state, states
from monitor.store.members import sync_members
from tests.fakes import FakeRepo, closed_port_url
from tests.harness import Monitor
from tests.shared import Killed

NOW = datetime.now(UTC)
LA, SHANGHAI = ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Shanghai")


def expected(stars: list[datetime], zone: ZoneInfo, first: date) -> list[tuple[datetime, int]]:
    """The count at the end of each day of *zone*, from *first* to yesterday."""
    points, day = [], first
    last = NOW.astimezone(zone).date() - timedelta(days=1)
    while day <= last:
        end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
        points.append((end, sum(1 for s in stars if s < end)))
        day += timedelta(days=1)
    return points


def series(monitor: Monitor, repo: str, metric: str = "stars") -> list[tuple[datetime, int]]:
    return [(r.observed_at, r.value) for r in monitor.rows(repo)
            if r.metric == metric and r.source == "backfill"]


def fake_repo(monitor: Monitor, repo: str) -> FakeRepo:
    platform, full = repo.split(":")
    found: FakeRepo = getattr(monitor.fake, platform).repo(full)
    return found


def github_pages(monitor: Monitor) -> list[str]:
    return [r.query.get("page", "1") for r in monitor.fake.requests_for("github")
            if r.path.endswith("/stargazers/history")]


def test_github_stars_are_the_exact_daily_series_in_pacific_days(monitor: Monitor) -> None:
    monitor.collect("github:acme/rocket", now=NOW)  # learns the creation time
    summary = monitor.backfill("github:acme/rocket")
    assert [o.status for o in summary.outcomes] == ["complete"]
    rocket = fake_repo(monitor, "github:acme/rocket")
    assert rocket.star_times is not None
    want = expected(rocket.star_times, LA, min(rocket.star_times).astimezone(LA).date())
    got = series(monitor, "github:acme/rocket")
    assert got == want
    assert {t.astimezone(UTC).hour for t, _ in got} <= {7, 8}  # the end of a Pacific day
    assert got[-1][1] == 42


def test_gitee_stars_are_the_exact_daily_series_in_shanghai_days(monitor: Monitor) -> None:
    monitor.collect("gitee:acme/rocket", now=NOW)
    monitor.backfill("gitee:acme/rocket")
    rocket = fake_repo(monitor, "gitee:acme/rocket")
    assert rocket.star_times is not None
    want = expected(rocket.star_times, SHANGHAI,
                    min(rocket.star_times).astimezone(SHANGHAI).date())
    got = series(monitor, "gitee:acme/rocket")
    assert got == want
    assert {t.hour for t, _ in got} == {16}  # midnight in Shanghai


def test_first_github_backfill_reads_each_page_once(monitor: Monitor) -> None:
    monitor.backfill("github:acme/rocket")
    rocket = fake_repo(monitor, "github:acme/rocket")
    weeks = (NOW - rocket.created_at).days // 7 + 2
    assert len(github_pages(monitor)) in {-(-weeks // 30), -(-(weeks - 1) // 30)}
    assert sorted(github_pages(monitor), key=int) == [str(p) for p in
                                                      range(1, len(github_pages(monitor)) + 1)]


def test_an_incremental_backfill_reads_one_free_page(monitor: Monitor) -> None:
    monitor.backfill("github:acme/rocket", "gitee:acme/rocket")
    used = monitor.fake.github.budget().used
    monitor.fake.clear_log()
    summary = monitor.backfill("github:acme/rocket", "gitee:acme/rocket")
    assert [o.status for o in summary.outcomes] == ["unchanged", "unchanged"]
    assert github_pages(monitor) == ["1"]
    gitee = [r for r in monitor.fake.requests_for("gitee") if r.path.endswith("/stargazers")]
    assert len(gitee) == 1
    assert monitor.fake.github.budget().used == used  # a 304 is free


def test_a_new_star_is_picked_up_by_the_incremental_backfill(monitor: Monitor) -> None:
    monitor.backfill("github:acme/rocket")
    rocket = fake_repo(monitor, "github:acme/rocket")
    assert rocket.star_times is not None
    yesterday = NOW - timedelta(days=1, hours=1)
    rocket.star_times.append(yesterday)
    summary = monitor.backfill("github:acme/rocket")
    assert [o.status for o in summary.outcomes] == ["updated"]
    assert github_pages(monitor).count("1") == 2 and len(github_pages(monitor)) >= 3
    assert series(monitor, "github:acme/rocket")[-1][1] == 43


def test_a_first_backfill_split_by_the_budget_share_resumes_where_it_stopped(
    monitor: Monitor,
) -> None:
    monitor.fake.github.set_budget(None, remaining=4)  # half of it: 2 requests this run
    first = monitor.backfill("github:acme/rocket")
    assert [o.status for o in first.outcomes] == ["partial"]
    assert github_pages(monitor) == ["1", "2"]
    assert series(monitor, "github:acme/rocket") == []  # no value without every older star
    monitor.fake.github.set_budget(None, remaining=60)
    monitor.fake.clear_log()
    second = monitor.backfill("github:acme/rocket")
    assert [o.status for o in second.outcomes] == ["complete"]
    assert github_pages(monitor)[0] == "3"
    assert series(monitor, "github:acme/rocket")[-1][1] == 42


def test_a_backfill_killed_mid_way_resumes_at_the_next_page(
    monitor: Monitor, monkeypatch: pytest.MonkeyPatch, killed: Killed,
) -> None:
    from monitor.platforms.github import GitHub

    real = GitHub.star_history

    async def dies_on_page_3(self: GitHub, repo: object, page: int) -> object:
        if page == 3:
            raise KeyboardInterrupt
        return await real(self, repo, page)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(GitHub, "star_history", dies_on_page_3)
        with killed():
            monitor.backfill("github:acme/rocket")
    monitor.fake.clear_log()
    assert [o.status for o in monitor.backfill("github:acme/rocket").outcomes] == ["complete"]
    assert github_pages(monitor)[0] == "3"
    assert series(monitor, "github:acme/rocket")[-1][1] == 42


def test_the_budget_share_is_never_exceeded(monitor: Monitor) -> None:
    monitor.fake.github.set_budget(None, remaining=5)
    summary = monitor.backfill("github:acme/rocket", "github:acme/booster")
    assert summary.allowance["github"] == 2
    charged = [r for r in monitor.fake.requests_for("github") if r.status != 304
               and not r.path.endswith("/rate_limit")]
    assert len(charged) <= 2
    assert monitor.fake.github.budget().remaining >= 3


def test_a_refused_history_keeps_collected_data_and_says_why(monitor: Monitor) -> None:
    monitor.collect("github:acme/rocket", "gitee:acme/rocket", now=NOW)
    monitor.fake.github.history_available = False  # as on GitHub Enterprise Server
    summary = monitor.backfill("github:acme/rocket", "gitee:acme/rocket")
    assert [o.status for o in summary.outcomes] == ["refused", "complete"]
    assert "404" in (summary.outcomes[0].reason or "")
    with monitor.database.session() as session:
        repo: Any = session.connection().execute(tables.repo.select().where(
            tables.repo.c.config_key == "github:acme/rocket")).one()
        state = get_state(session, repo.id, "stars")
        assert state is not None and "404" in (state.refused_reason or "")
        assert repo.id in states(session)
    assert series(monitor, "github:acme/rocket") == []
    assert {r.metric for r in monitor.rows("github:acme/rocket")} >= {"stars", "forks"}


def test_backfilled_releases_count_by_publication_day(monitor: Monitor) -> None:
    monitor.collect("github:acme/rocket", now=NOW)
    monitor.backfill("github:acme/rocket")
    releases = series(monitor, "github:acme/rocket", "releases")
    published = [r.published_at for r in fake_repo(monitor, "github:acme/rocket").releases
                 if r.published_at is not None and not r.draft]
    assert releases[-1][1] == len(published) == 3
    for end, value in releases[:: max(len(releases) // 20, 1)]:
        assert value == sum(1 for p in published if p < end)


def test_new_only_skips_repos_already_started(monitor: Monitor) -> None:
    monitor.backfill("github:acme/rocket")
    monitor.fake.clear_log()
    summary = monitor.backfill("github:acme/rocket", "gitee:acme/rocket", new_only=True)
    assert [str(o.repo) for o in summary.outcomes] == ["gitee:acme/rocket"]
    assert github_pages(monitor) == []


def test_export_prefers_a_collected_value_on_the_same_day(monitor: Monitor) -> None:
    monitor.backfill("github:acme/rocket")
    last_end, _ = series(monitor, "github:acme/rocket")[-1]
    inside = last_end - timedelta(hours=3)
    monitor.collect("github:acme/rocket", now=inside)
    same_day = [r for r in monitor.rows("github:acme/rocket")
                if r.metric == "stars" and inside <= r.observed_at <= last_end]
    assert [(r.source, r.observed_at) for r in same_day] == [("collected", inside)]


def test_an_unreachable_platform_defers_its_backfill_after_a_few_connection_failures(
    monitor: Monitor,
) -> None:
    monitor.configure(concurrency=1)
    monitor.environ["MONITOR_GITHUB_API_URL"] = closed_port_url()
    summary = monitor.backfill("github:acme/rocket", "github:acme/booster", "gitee:acme/rocket")
    outcomes = {str(o.repo): o for o in summary.outcomes}
    assert {repo: o.status for repo, o in outcomes.items()} == {
        "github:acme/rocket": "deferred", "github:acme/booster": "deferred",
        "gitee:acme/rocket": "complete"}
    assert "github unreachable" in (outcomes["github:acme/rocket"].reason or "")
    assert summary.requests["github"] == UNREACHABLE_AFTER


def test_a_new_only_backfill_of_a_thousand_started_members_reads_them_in_a_few_statements(
    monitor: Monitor,
) -> None:
    """After every collection the daemon backfills the repos never backfilled: a statement
    for all the members' states, not one per member."""
    big = OwnerId("github", "big")
    (monitor.home / "config" / "repos.toml").write_text(
        '[[projects]]\nname = "Big"\norgs = ["github:big"]\n')
    with monitor.database.session() as session:
        rows = sync_members(session, {"Big": [
            Assigned(RepoId("github", "big", f"r{i}"), big, 1000 + i) for i in range(1000)]},
            (), NOW)
        session.connection().execute(tables.backfill_state.insert(), [
            {"repo_id": row.id, "metric": "stars", "updated_at": NOW} for row in rows.values()])
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(monitor.database.engine, "before_cursor_execute", record)
    try:
        summary = monitor.backfill(new_only=True)
    finally:
        event.remove(monitor.database.engine, "before_cursor_execute", record)
    assert summary.outcomes == []
    assert len(statements) <= 12
