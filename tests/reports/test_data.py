"""Report data on a seeded store (tests/reports/conftest.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from monitor.config.members import Assigned
from monitor.config.repos import Project, Tracked
from monitor.errors import MonitorError, NoData
from monitor.ids import OwnerId, RepoId
from monitor.metrics import METRICS
from monitor.reports.data import build_report, load_report, project_members
from monitor.reports.membership import Member, configured_members
from monitor.reports.model import Change, Report
from monitor.reports.period import month, week
from monitor.reports.ranks import competition_ranks as _ranks
from monitor.store.members import sync_members
from monitor.store.models import Repo, RepoRow
from monitor.store.reports import points_at
from monitor.store.series import record_identity, values_at
from tests.reports.conftest import (
    BROKEN,
    MIND,
    N_END,
    N_START,
    PADDLE_GE,
    PADDLE_GH,
    TORCH,
    Seeded,
    at,
    value,
)


@pytest.fixture
def report(seeded: Seeded) -> Report:
    return load_report(seeded.database, seeded.tracked, seeded.period)


def project(report: Report, name: str):  # type: ignore[no-untyped-def]
    return next(p for p in report.projects if p.name == name)


def test_formulas_match_the_literal_golden_values(seeded: Seeded) -> None:
    stars = seeded.expected["stars"]
    assert stars["Paddle"] == (
        value(PADDLE_GH, "stars", N_START) + value(PADDLE_GE, "stars", N_START),
        value(PADDLE_GH, "stars", N_END) + value(PADDLE_GE, "stars", N_END),
    )
    assert stars["Torch"] == (value(TORCH, "stars", N_START), value(TORCH, "stars", N_END))
    assert stars["Mind"] == (value(MIND, "stars", N_START), value(MIND, "stars", 429))


def test_every_repo_metric_start_end_and_change(seeded: Seeded, report: Report) -> None:
    expected = seeded.expected["repos"]
    seen = {repo.repo: repo for p in report.projects for repo in p.repos}
    assert set(seen) == set(expected)
    for repo, metrics in expected.items():
        assert set(seen[repo].metrics) == set(METRICS)
        for metric, (start, end) in metrics.items():
            change = seen[repo].metrics[metric]
            assert (change.start, change.end) == (start, end), (repo, metric)
            if start is not None and end is not None:
                assert change.delta == end - start
                assert change.relative == ((end - start) / start if start else None)
            else:
                assert change.delta is None and change.relative is None


def test_collected_values_win_over_backfill(report: Report) -> None:
    # The backfill star series of Paddle's GitHub repo is 1,000 higher and newer each day.
    gh = project(report, "Paddle").repos[0]
    assert gh.metrics["stars"].start == 24_260
    assert gh.metrics["stars"].start_at == datetime(2025, 3, 2, 6, tzinfo=UTC)


def test_missing_and_stale_are_flagged_never_zero(report: Report) -> None:
    mind = project(report, "Mind").repos[0].metrics["stars"]
    assert mind.end == 33_580 and mind.end_stale and not mind.start_stale
    assert mind.end_at == datetime(2025, 3, 5, 6, tzinfo=UTC)
    broken = project(report, "Broken").repos[0].metrics["stars"]
    # Its last row is 10+ days before the start: too old to stand for it; stale, not 0.
    assert (broken.start, broken.end) == (None, None)
    assert broken.start_stale and broken.end_stale
    assert broken.start_at == datetime(2025, 2, 20, 6, tzinfo=UTC)
    newbie = project(report, "Newbie").repos[0].metrics["stars"]
    assert newbie == Change(None, None)  # never observed: missing, not stale
    assert report.stale_after == timedelta(days=2)
    assert report.missing_after == timedelta(days=7)


def test_project_stars_split_and_partial(seeded: Seeded, report: Report) -> None:
    for name, (start, end) in seeded.expected["stars"].items():
        stars = project(report, name).stars
        assert (stars.start, stars.end) == (start, end), name
    paddle = project(report, "Paddle")
    assert {k: (c.start, c.end) for k, c in paddle.split.items()} == seeded.expected["split"][
        "Paddle"
    ]
    assert paddle.stars.delta == 8_077 and not paddle.stars.partial
    assert project(report, "Torch").split == {}
    assert project(report, "Mind").stars.end_stale


def test_ranks_and_previous_ranks(seeded: Seeded, report: Report) -> None:
    for field in ("rank_stars", "rank_growth", "rank_stars_previous", "rank_growth_previous"):
        got = {p.name: getattr(p, field) for p in report.projects}
        assert got == seeded.expected[field], field
    assert [p.name for p in report.projects] == seeded.expected["order"]


def test_competition_ranking() -> None:
    assert _ranks({"a": 5, "b": 9, "c": 5, "d": None, "e": 1}) == {
        "a": 2, "b": 1, "c": 2, "d": None, "e": 4,
    }


def test_groups_totals_and_shares(seeded: Seeded, report: Report) -> None:
    groups = {g.key: g for g in report.groups}
    assert list(groups) == ["china", "us"]
    for key, (start, end, partial, share_start, share_end) in seeded.expected["groups"].items():
        group = groups[key]
        assert (group.stars.start, group.stars.end, group.stars.partial) == (start, end, partial)
        assert group.share_start == pytest.approx(share_start)
        assert group.share_end == pytest.approx(share_end)
        assert group.share_history and all(0 <= p.value <= 1000 for p in group.share_history)
    assert groups["china"].projects == 3 and groups["us"].projects == 3
    assert report.total_stars is not None
    assert (report.total_stars.start, report.total_stars.end) == seeded.expected["total"]


def test_releases_in_the_period(seeded: Seeded, report: Report) -> None:
    for name, tags in seeded.expected["releases"].items():
        assert [r.tag for r in project(report, name).releases] == tags, name
    paddle = project(report, "Paddle").releases
    assert paddle[0].repo == "gitee:paddlepaddle/Paddle" and paddle[0].prerelease
    assert paddle[0].url == "https://gitee.com/paddlepaddle/Paddle/releases/v3.0"
    assert project(report, "Torch").releases[0].url is None  # javascript: never survives


def test_failing_repos_are_listed_with_the_reason(seeded: Seeded, report: Report) -> None:
    got = {i.repo: (i.kind, i.since, i.last_collected_at) for i in report.issues}
    assert got == seeded.expected["issues"]
    broken = next(i for i in report.issues if i.repo == str(BROKEN))
    assert broken.message == "HTTP 451" and broken.project == "Broken"


def test_stars_history_is_weekly_and_uses_the_effective_series(report: Report) -> None:
    paddle = project(report, "Paddle").stars_history
    assert len(paddle) == 53
    assert paddle[-1].day == date(2025, 3, 10) and paddle[-1].value == 33_763
    # 2024-03-11: GitHub only has its backfill series then (n = 69, +1,000), Gitee collected.
    assert paddle[0].day == date(2024, 3, 11)
    assert paddle[0].value == (20_000 + 690 + 1_000) + (1_000 + 69)
    broken = project(report, "Broken").stars_history
    assert broken and broken[-1].day <= date(2025, 2, 24)  # no point once it stopped


def test_report_metadata_and_notable(report: Report) -> None:
    assert report.period.key == "2025-W10" and report.previous.key == "2025-W09"
    assert report.generated_from == datetime(2025, 3, 9, 6, tzinfo=UTC)
    assert report.mirrors_added
    assert "Paddle gained the most stars: +8,077 (+31.4%)." in report.notable
    assert "Torch passed 100,000 stars." in report.notable
    assert "Paddle moved up to #2 by stars (from #3)." in report.notable
    assert "Paddle released v3.0-gitee and 1 more." in report.notable


def test_without_mirrors_only_the_first_repo_counts(seeded: Seeded) -> None:
    report = load_report(seeded.database, seeded.tracked, seeded.period, mirrors_added=False)
    assert not report.mirrors_added
    paddle = project(report, "Paddle")
    assert (paddle.stars.start, paddle.stars.end) == (24_260, 24_330)
    assert set(paddle.split) == {"github", "gitee"}  # the split still shows both
    assert paddle.rank_stars == 3


def test_monthly_report(seeded: Seeded) -> None:
    report = load_report(seeded.database, seeded.tracked, month(2025, 2))
    torch = project(report, "Torch").stars
    # Start 2025-02-01 (row of 01-31, n = 396), end 2025-03-01 (row of 02-28, n = 424).
    assert (torch.start, torch.end) == (57_000 + 39_600, 57_000 + 42_400)
    broken = project(report, "Broken").stars
    # Month tolerance: stale after 7 days, missing after the month's length (28 days).
    assert broken.end == 4_000 + 3 * 416 and broken.end_stale


def test_a_period_without_data_is_a_clear_error(seeded: Seeded) -> None:
    with pytest.raises(NoData, match=r"no data for the week 2023-W10 .*run `aoss-monitor collect"):
        load_report(seeded.database, seeded.tracked, week(2023, 10))
    with pytest.raises(NoData, match="too old"):
        load_report(seeded.database, seeded.tracked, week(2026, 10))
    with pytest.raises(NoData, match="nothing is tracked"):
        load_report(seeded.database, Tracked({}, ()), seeded.period)
    assert issubclass(NoData, MonitorError)


def test_boundary_queries_equal_values_at(seeded: Seeded) -> None:
    """The index-seek query answers exactly as the store's values_at, shadowing included."""
    ids = list(seeded.ids.values())
    instants = [
        datetime(2024, 6, 1, tzinfo=UTC),
        datetime(2024, 12, 31, 7, 59, tzinfo=UTC),
        datetime(2025, 1, 1, 6, tzinfo=UTC),  # a collected row's own instant
        datetime(2025, 1, 1, 8, tzinfo=UTC),  # a shadowed backfill row's instant
        datetime(2025, 1, 2, 7, tzinfo=UTC),
        seeded.period.start,
        seeded.period.end,
        datetime(2030, 1, 1, tzinfo=UTC),
        datetime(2020, 1, 1, tzinfo=UTC),
    ]
    with seeded.database.session() as session:
        fast = points_at(session, instants, ids, METRICS)
        for instant in instants:
            slow = values_at(session, instant, ids, METRICS)
            got = {(r, m): p for (r, m, a), p in fast.items() if a == instant}
            assert got == slow, instant


def test_boundary_queries_seek_the_index(seeded: Seeded) -> None:
    """On SQLite, no step of the boundary query scans the observation table."""
    from sqlalchemy.dialects import sqlite

    from monitor.store.reports import _points_statement

    if seeded.database.backend != "sqlite":
        pytest.skip("the plan check reads SQLite's EXPLAIN QUERY PLAN")
    stmt = _points_statement([seeded.period.end], list(seeded.ids.values()), list(METRICS))
    compiled = stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    with seeded.database.engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
    scans = [step for step in plan if step.startswith("SCAN") and "observation" in step
             and "USING" not in step]
    assert not scans, plan


# -- ecosystems: membership, creation dates, the top-repos setting ---------------------------


def test_every_repo_keeps_its_creation_time_from_the_platform(seeded: Seeded) -> None:
    created = datetime(2025, 3, 5, 9, tzinfo=UTC)
    with seeded.database.session(write=True) as session:
        row = session.get(Repo, seeded.ids[TORCH.key])
        assert row is not None
        record_identity(session, RepoRow.of(row), 1234, "pytorch", "pytorch", created)
    report = load_report(seeded.database, seeded.tracked, seeded.period)
    assert project(report, "Torch").repos[0].created_at == created
    assert project(report, "Paddle").repos[0].created_at is None  # not known: None


def test_the_report_carries_how_many_repos_a_table_shows(seeded: Seeded) -> None:
    assert load_report(seeded.database, seeded.tracked, seeded.period).top_repos == 10
    report = load_report(seeded.database, seeded.tracked, seeded.period, top_repos=3)
    assert report.top_repos == 3
    assert report.membership_rule.startswith("A project's history is the history of the repos")


def test_the_membership_is_the_stored_one(seeded: Seeded, report: Report) -> None:
    joined = at(date(2025, 1, 1))  # when the seed first synced the projects
    with seeded.database.session() as session:
        assert project_members(session, seeded.tracked) == {
            p.name: tuple(Member(r, joined_at=joined) for r in p.repos)
            for p in seeded.tracked.projects
        }
    assert all(p.joined == () and p.left == () for p in report.projects)


def test_a_project_never_synced_has_its_configured_repos(seeded: Seeded) -> None:
    fresh = Project("Fresh", ("us",), (RepoId.parse("github:fresh/one"),))
    tracked = replace(seeded.tracked, projects=(*seeded.tracked.projects, fresh))
    with seeded.database.session() as session:
        assert project_members(session, tracked)["Fresh"] == (Member(fresh.repos[0]),)


def test_the_stored_moves_are_the_reports(seeded: Seeded) -> None:
    """Gitee's Paddle left the project in the period and a new repo joined Torch: the report
    reads today's members in every period and names the moves, in the project's order."""
    org = OwnerId("github", "pytorch")
    extra = RepoId.parse("github:pytorch/vision")
    moved = seeded.period.start + timedelta(days=2)
    assigned = {p.name: [Assigned(r, None) for r in p.repos if r != PADDLE_GE]
                for p in seeded.tracked.projects}
    assigned["Torch"].append(Assigned(extra, org, 5))
    with seeded.database.session() as session:
        sync_members(session, assigned, (), moved)
        report = build_report(session, seeded.tracked, seeded.period)
    paddle = project(report, "Paddle")
    assert [r.repo for r in paddle.repos] == [str(PADDLE_GH)]
    assert paddle.left == (str(PADDLE_GE),) and paddle.split == {}
    torch = project(report, "Torch")
    assert [r.repo for r in torch.repos] == [str(TORCH), str(extra)]
    assert torch.joined == (str(extra),)


def test_a_membership_source_decides_the_repos_read_and_names_the_moves(seeded: Seeded) -> None:
    start = seeded.period.start
    members = configured_members(seeded.tracked)
    members["Paddle"] = (Member(PADDLE_GH),
                         Member(PADDLE_GE, left_at=start + timedelta(days=2)))
    members["Torch"] = (Member(TORCH, joined_at=start + timedelta(days=1)),)
    with seeded.database.session() as session:
        report = build_report(session, seeded.tracked, seeded.period, members=members)
    paddle = project(report, "Paddle")
    # Gitee's repo left: its history is no longer the project's, in this period or any other.
    assert [r.repo for r in paddle.repos] == [str(PADDLE_GH)]
    assert (paddle.stars.start, paddle.stars.end) == (24_260, 24_330)
    assert paddle.split == {} and paddle.left == (str(PADDLE_GE),) and paddle.joined == ()
    assert paddle.stars_history[-1].value == 24_330
    torch = project(report, "Torch")
    assert torch.joined == (str(TORCH),) and torch.stars.end == 100_300
    # The releases of a repo that left are not the project's any more.
    assert [r.tag for r in paddle.releases] == ["v3.0"]
