"""``status``: the daemon, each job's last and next run, repos in trouble, API budgets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.cli.console import status_lines
from monitor.commands.init import init_home
from monitor.commands.status import NOT_RUNNING, gather_status
from monitor.config.members import Assigned
from monitor.config.settings import Settings, load_settings
from monitor.ids import OwnerId, RepoId
from monitor.store import history, series
from monitor.store.db import Database, open_database
from monitor.store.members import sync_members
from monitor.store.models import DaemonJob, DaemonRecord
from monitor.store.series import ObservationIn, RunPlatformIn

T0 = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=6)
NOW = T1 + timedelta(minutes=10)
RESET = T1 + timedelta(minutes=40)

REPOS_TOML = """\
[[projects]]
name = "Rocket"
repos = ["github:acme/rocket", "gitee:acme/rocket"]

[[projects]]
name = "Trouble"
repos = ["github:acme/gone", "github:acme/slow", "github:acme/healed"]
"""

#: Every key ``status --json`` promises (README "status --json").
TOP_KEYS = {"generated_at", "home", "database", "config_error", "daemon", "jobs", "failing",
            "deferred", "renamed", "left", "backfill_refused", "budgets", "backfill", "no_token"}
DAEMON_KEYS = {"running", "state", "pid", "host", "started_at", "heartbeat_at", "stopped_at",
               "config_error", "config_error_at"}
JOB_KEYS = {"schedule", "last_run", "last_success_at", "next_run_at", "next_run_note"}
RUN_KEYS = {"started_at", "finished_at", "outcome", "duration_seconds", "requests"}
PROBLEM_KEYS = {"repo", "kind", "message", "occurred_at", "job", "last_collected_at"}
BUDGET_KEYS = {"remaining", "limit", "reset_at", "as_of", "age_seconds"}


def make_home(root: Path) -> Path:
    (root / "config").mkdir(parents=True)
    (root / "config" / "repos.toml").write_text(REPOS_TOML)
    return root


def settings_for(home: Path, database_url: str) -> Settings:
    return load_settings(home, {"MONITOR_DATABASE_URL": database_url})


def seed(database: Database, *, heartbeat: datetime | None = NOW - timedelta(seconds=20),
         stopped: datetime | None = None) -> None:
    """Two collect runs, a failed backfill, a refusal, errors old and new, a daemon record."""
    ids = {key: RepoId.parse(key) for key in (
        "github:acme/rocket", "gitee:acme/rocket", "github:acme/gone", "github:acme/slow",
        "github:acme/healed", "github:old/untracked")}
    with database.session(write=True) as session:
        rows = series.sync_projects(session, [
            ("Rocket", [ids["github:acme/rocket"], ids["gitee:acme/rocket"]]),
            ("Trouble", [ids["github:acme/gone"], ids["github:acme/slow"],
                         ids["github:acme/healed"]]),
            ("Old", [ids["github:old/untracked"]]),
        ], T0)
        rid = {key: row.id or 0 for key, row in rows.items()}

        def observe(key: str, at: datetime, stars: int) -> None:
            series.write_observations(session, [
                ObservationIn(rid[key], "stars", at, stars, "collected"),
                ObservationIn(rid[key], "forks", at, stars // 10, "collected"),
            ])

        first = series.start_run(session, "collect", T0)
        for key in ("github:acme/rocket", "gitee:acme/rocket", "github:acme/slow"):
            observe(key, T0, 100)
        series.record_repo_error(session, first, rid["github:acme/healed"], "unavailable",
                                 "502 Bad Gateway", T0)
        series.record_repo_error(session, first, rid["github:old/untracked"], "not_found",
                                 "404", T0)
        series.finish_run(session, first, "partial", [
            RunPlatformIn("github", 10, 4990, 5000, T0 + timedelta(hours=1)),
            RunPlatformIn("gitee", 4),
        ], T0 + timedelta(seconds=30))

        second = series.start_run(session, "collect", T1)
        observe("github:acme/rocket", T1, 120)
        observe("gitee:acme/rocket", T1, 7)
        observe("github:acme/healed", T1, 50)
        series.record_repo_error(session, second, rid["github:acme/gone"], "not_found",
                                 "404 Not Found", T1)
        series.record_repo_error(session, second, rid["github:acme/slow"], "deferred",
                                 "rate limit spent; deferred to the next cycle", T1)
        series.finish_run(session, second, "partial", [
            RunPlatformIn("github", 3, 100, 5000, RESET),
            RunPlatformIn("gitee", 2, None, None, None),  # no figure: the older one stays
        ], T1 + timedelta(seconds=90))

        backfill = series.start_run(session, "backfill", T1 + timedelta(minutes=2))
        series.finish_run(session, backfill, "failed", [], T1 + timedelta(minutes=3))
        history.refuse(session, rid["github:acme/rocket"], "stars", "no star history on GHES", T0)
        history.refuse(session, rid["github:old/untracked"], "stars", "untracked: not shown", T0)

        if heartbeat is not None:
            session.add(DaemonRecord(pid=4321, host="box", started_at=T0 - timedelta(days=1),
                                     heartbeat_at=heartbeat, stopped_at=stopped,
                                     config_error="config/repos.toml:3: bad",
                                     config_error_at=T1))
            session.add(DaemonJob(name="collect", schedule="6h",
                                  next_run_at=T1 + timedelta(hours=6), updated_at=T1))
            session.add(DaemonJob(name="weekly_report", schedule="0 8 * * mon",
                                  next_run_at=datetime(2026, 11, 30, 8, tzinfo=UTC),
                                  updated_at=T1))


def test_freshly_initialised_home_reports_nothing_ran(tmp_path: Path) -> None:
    home = make_home(tmp_path / "home")
    settings = settings_for(home, f"sqlite:///{home / 'storage' / 'monitor.db'}")
    init_home(settings)  # status itself never creates or migrates the database
    status = gather_status(settings)
    assert status.daemon.state == "never ran" and not status.daemon.running
    assert [job.name for job in status.jobs] == [
        "collect", "backfill", "weekly_report", "monthly_report"]
    for job in status.jobs:
        assert job.last_run is None and job.next_run_at is None
        assert job.next_run_note == NOT_RUNNING
    assert status.job("collect").schedule == "6h"  # as configured, the daemon never said
    assert not status.failing and not status.deferred and not status.budgets
    text = "\n".join(status_lines(status))
    assert "never" in text and "no figures yet" in text


def test_status_of_a_seeded_store(tmp_path: Path, database: Database, database_url: str) -> None:
    seed(database)
    status = gather_status(settings_for(make_home(tmp_path / "home"), database_url), now=NOW)

    assert status.daemon.running and status.daemon.state == "running"
    assert (status.daemon.pid, status.daemon.host) == (4321, "box")
    assert status.daemon.config_error == "config/repos.toml:3: bad"

    collect = status.job("collect")
    assert collect.last_run is not None
    assert collect.last_run.started_at == T1 and collect.last_run.outcome == "partial"
    assert collect.last_run.duration == timedelta(seconds=90)
    assert collect.last_run.requests == 5  # summed over platforms
    assert collect.last_success_at == T1 + timedelta(seconds=90)
    assert collect.next_run_at == T1 + timedelta(hours=6) and collect.next_run_note is None
    backfill = status.job("backfill")
    assert backfill.last_run is not None and backfill.last_run.outcome == "failed"
    assert backfill.last_run.requests == 0 and backfill.last_success_at is None
    assert backfill.next_run_at is None and backfill.next_run_note == "not scheduled"
    assert status.job("weekly_report").next_run_at == datetime(2026, 11, 30, 8, tzinfo=UTC)

    # gone: failed, never collected; healed: failed at T0 but collected at T1 (not failing);
    # old/untracked: not tracked any more (not shown); slow: deferred after its last collection.
    assert [(p.repo, p.kind, p.job) for p in status.failing] == [
        ("github:acme/gone", "not_found", "collect")]
    assert status.failing[0].last_collected_at is None
    assert [(p.repo, p.kind) for p in status.deferred] == [("github:acme/slow", "deferred")]
    assert status.deferred[0].last_collected_at == T0

    assert [(r.repo, r.metric, r.reason) for r in status.backfill_refused] == [
        ("github:acme/rocket", "stars", "no star history on GHES")]

    budgets = {b.platform: b for b in status.budgets}
    assert set(budgets) == {"github"}  # gitee never reported a budget
    github = budgets["github"]
    assert (github.remaining, github.limit, github.reset_at) == (100, 5000, RESET)
    assert github.as_of == T1 + timedelta(seconds=90)
    assert github.age == NOW - (T1 + timedelta(seconds=90))

    text = "\n".join(status_lines(status))
    for expected in ("running, pid 4321 on box", "github:acme/gone: not_found: 404 Not Found",
                     "github:acme/slow", "github: 100/5000 left", "no star history on GHES",
                     "config error", "5 requests", "partial, took 1m 30s"):
        assert expected in text
    assert "untracked" not in text


def test_json_has_stable_keys(tmp_path: Path, database: Database, database_url: str) -> None:
    seed(database)
    data = gather_status(settings_for(make_home(tmp_path / "home"), database_url),
                         now=NOW).as_json()
    json.dumps(data)  # serialisable as is
    assert set(data) == TOP_KEYS
    assert set(data["daemon"]) == DAEMON_KEYS
    assert set(data["jobs"]) == {"collect", "backfill", "weekly_report", "monthly_report"}
    for job in data["jobs"].values():
        assert set(job) == JOB_KEYS
        assert job["last_run"] is None or set(job["last_run"]) == RUN_KEYS
    assert data["jobs"]["collect"]["last_run"] == {
        "started_at": "2026-11-26T06:00:00Z", "finished_at": "2026-11-26T06:01:30Z",
        "outcome": "partial", "duration_seconds": 90.0, "requests": 5}
    assert all(set(p) == PROBLEM_KEYS for p in data["failing"] + data["deferred"])
    assert data["budgets"]["github"] == {
        "remaining": 100, "limit": 5000, "reset_at": "2026-11-26T06:40:00Z",
        "as_of": "2026-11-26T06:01:30Z", "age_seconds": 510}


@pytest.mark.parametrize(("heartbeat", "stopped", "state"), [
    (NOW - timedelta(hours=1), None, "not responding"),
    (NOW - timedelta(seconds=5), NOW - timedelta(seconds=5), "stopped"),
])
def test_a_daemon_not_running_schedules_nothing(
    tmp_path: Path, database: Database, database_url: str,
    heartbeat: datetime, stopped: datetime | None, state: str,
) -> None:
    seed(database, heartbeat=heartbeat, stopped=stopped)
    status = gather_status(settings_for(make_home(tmp_path / "home"), database_url), now=NOW)
    assert status.daemon.state == state and not status.daemon.running
    assert all(job.next_run_at is None and job.next_run_note == NOT_RUNNING
               for job in status.jobs)
    assert status.job("collect").last_run is not None  # the past is still shown
    assert state in "\n".join(status_lines(status))


def test_a_broken_repos_toml_is_reported_not_fatal(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    seed(database)
    home = make_home(tmp_path / "home")
    (home / "config" / "repos.toml").write_text("[[projects]\n")
    status = gather_status(settings_for(home, database_url), now=NOW)
    assert status.config_error and "repos.toml" in status.config_error
    # Without the tracked list every repo's trouble is shown, the untracked one too.
    assert {p.repo for p in status.failing} == {"github:acme/gone", "github:old/untracked"}


ACME = OwnerId("github", "acme")


def leave_one_by_one(database: Database, count: int) -> None:
    """*count* repos listed by ``github:acme`` in Rocket at T0, then leaving an hour apart,
    tool00 first; one stays."""
    listed = [Assigned(RepoId("github", "acme", f"tool{i:02}"), ACME, 100 + i)
              for i in range(count + 1)]
    with database.session(write=True) as session:
        sync_members(session, {"Rocket": listed}, (), T0)
        for i in range(1, count + 1):
            sync_members(session, {"Rocket": listed[i:]}, (), T0 + timedelta(hours=i))


def test_repos_that_left_an_owners_listing_are_listed_with_the_date(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    leave_one_by_one(database, 2)
    status = gather_status(settings_for(make_home(tmp_path / "home"), database_url), now=NOW)
    assert [(r.repo, r.project, r.via, r.left_at) for r in status.left] == [
        ("github:acme/tool01", "Rocket", "github:acme", T0 + timedelta(hours=2)),
        ("github:acme/tool00", "Rocket", "github:acme", T0 + timedelta(hours=1)),
    ]
    assert status.as_json()["left"][0] == {
        "repo": "github:acme/tool01", "project": "Rocket", "via": "github:acme",
        "left_at": "2026-11-26T02:00:00Z"}
    text = "\n".join(status_lines(status))
    assert "left repos (2)" in text
    assert "github:acme/tool01 (Rocket, via github:acme): left 2026-11-26T02:00:00Z" in text


def test_status_shows_the_twenty_newest_repos_that_left_and_counts_the_rest(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    leave_one_by_one(database, 22)
    status = gather_status(settings_for(make_home(tmp_path / "home"), database_url), now=NOW)
    assert len(status.left) == 22 and len(status.as_json()["left"]) == 22
    text = "\n".join(status_lines(status))
    assert "github:acme/tool21" in text and "github:acme/tool02" in text
    assert "tool01" not in text and "tool00" not in text
    assert "2 more" in text


def test_a_named_repo_untracked_is_not_listed_as_having_left(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    seed(database)
    with database.session(write=True) as session:  # the user untracked github:old/untracked
        series.sync_projects(session, [("Rocket", [RepoId.parse("github:acme/rocket")])], T1)
    status = gather_status(settings_for(make_home(tmp_path / "home"), database_url), now=NOW)
    assert status.left == ()


def test_a_failing_repo_an_owner_lists_is_shown(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    with database.session(write=True) as session:
        listed = sync_members(session, {"Rocket": [
            Assigned(RepoId("github", "acme", "tool00"), ACME, 100)]}, (), T0)
        run = series.start_run(session, "collect", T1)
        series.record_repo_error(session, run, listed["github:acme/tool00"].id or 0,
                                 "blocked", "HTTP 451", T1)
    status = gather_status(settings_for(make_home(tmp_path / "home"), database_url), now=NOW)
    assert [(p.repo, p.kind) for p in status.failing] == [("github:acme/tool00", "blocked")]


def run_cli(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    try:
        main(["--home", str(home), "status", *args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().out


def test_cli_status_text_and_json(
    tmp_path: Path, database: Database, database_url: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    seed(database)
    home = make_home(tmp_path / "home")
    code, out = run_cli(home, database_url, monkeypatch, capsys)
    assert code == 0
    assert "jobs" in out and "github:acme/gone" in out and "API budget" in out
    code, out = run_cli(home, database_url, monkeypatch, capsys, "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == TOP_KEYS
    assert data["database"] == database.url  # the masked form
    assert [p["repo"] for p in data["failing"]] == ["github:acme/gone"]


def test_cli_status_on_a_freshly_initialised_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    home = make_home(tmp_path / "home")
    url = f"sqlite:///{home / 'storage' / 'monitor.db'}"
    init_home(settings_for(home, url))
    code, out = run_cli(home, url, monkeypatch, capsys, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["daemon"]["state"] == "never ran"
    assert data["jobs"]["collect"]["next_run_note"] == NOT_RUNNING


def test_the_database_password_is_masked() -> None:
    # status shows Database.url (asserted by the CLI test above), which hides the password.
    with open_database("postgresql+psycopg://user:s3cret@127.0.0.1:1/db") as database:
        assert "s3cret" not in database.url and "***" in database.url
