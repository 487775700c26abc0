"""``status`` on what the budget allows: the tracked repos' first backfill (complete, in
progress, not started; requests and time left at the current budget) and, without a GitHub
token, what 60 requests an hour allow against what the tracked list needs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.cli.console import status_lines
from monitor.commands.outlook import schedule_every
from monitor.commands.status import gather_status
from monitor.config.members import Assigned
from monitor.config.settings import Settings, load_settings
from monitor.ids import OwnerId, RepoId
from monitor.store import history, series
from monitor.store.db import Database
from monitor.store.history import BackfillState
from monitor.store.members import sync_members
from monitor.store.series import ObservationIn, RunPlatformIn
from tests.rows import set_created_at

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(hours=6)

REPOS_TOML = """\
[[projects]]
name = "Rocket"
repos = ["github:acme/rocket", "gitee:acme/rocket", "gitee:acme/fresh", "github:acme/old"]
"""

#: ``status --json``'s ``backfill`` keys (README "status --json").
BACKFILL_KEYS = {"complete", "in_progress", "not_started", "refused", "owners_not_listed",
                 "requests_left", "time_left_seconds", "run_every_seconds", "platforms"}


def home_with(root: Path, repos_toml: str = REPOS_TOML) -> Path:
    (root / "config").mkdir(parents=True)
    (root / "config" / "repos.toml").write_text(repos_toml)
    return root


def settings_for(home: Path, database_url: str, **env: str) -> Settings:
    return load_settings(home, {"MONITOR_DATABASE_URL": database_url, **env})


def seed(database: Database) -> None:
    """github:acme/rocket complete; gitee:acme/rocket at page 3 of 10, 150 releases unread;
    gitee:acme/fresh not started, 250 stars; github:acme/old not started, created 20 years
    ago; GitHub's budget last seen at 60 an hour, Gitee's never told."""
    names = ("github:acme/rocket", "gitee:acme/rocket", "gitee:acme/fresh", "github:acme/old")
    with database.session(write=True) as session:
        rows = series.sync_projects(session, [("Rocket", [RepoId.parse(n) for n in names])], T0)
        rid = {key: row.id or 0 for key, row in rows.items()}
        set_created_at(session, rid["github:acme/old"], NOW - timedelta(days=20 * 365))
        for metric in ("stars", "releases"):
            history.save_state(session, BackfillState(rid["github:acme/rocket"], metric,
                                                      complete=True), T0)
        history.save_state(session, BackfillState(rid["gitee:acme/rocket"], "stars",
                                                  next_page=3, pages=10), T0)
        series.write_observations(session, [
            ObservationIn(rid["gitee:acme/rocket"], "releases", T0, 150, "collected"),
            ObservationIn(rid["gitee:acme/fresh"], "stars", T0, 250, "collected"),
        ])
        run = series.start_run(session, "collect", T0)
        series.finish_run(session, run, "ok", [
            RunPlatformIn("github", 3, 57, 60, T0 + timedelta(hours=1)),
            RunPlatformIn("gitee", 4),
        ], T0 + timedelta(seconds=30))


def test_status_counts_the_repos_by_backfill_stage_with_the_requests_left(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    seed(database)
    status = gather_status(settings_for(home_with(tmp_path / "home"), database_url), now=NOW)
    progress = status.backfill
    assert progress is not None
    assert (progress.complete, progress.in_progress, progress.not_started) == (1, 1, 2)
    # gitee: rocket's 8 pages left + 2 release pages; fresh: 3 pages + its releases.
    # github: old's 1,043 weeks are 35 pages, its releases, and its star count (no token).
    assert progress.requests == {"gitee": 10 + 4, "github": 35 + 1 + 1}
    assert progress.allowed == {"gitee": 1000, "github": 30}  # max_requests; half of 60
    assert progress.time_left == timedelta(days=2)  # GitHub: 37 requests at 30 a daily run


def test_status_says_the_time_left_is_unknown_while_a_repo_was_never_collected(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    seed(database)
    home = home_with(tmp_path / "home", REPOS_TOML.replace(
        '"github:acme/old"]', '"github:acme/old", "gitee:acme/unseen"]'))
    status = gather_status(settings_for(home, database_url), now=NOW)
    assert status.backfill is not None
    assert status.backfill.not_started == 3
    assert status.backfill.requests_left is None and status.backfill.time_left is None
    assert status.as_json()["backfill"]["time_left_seconds"] is None
    assert "requests and time left unknown until every repo was collected" in "\n".join(
        status_lines(status))


def test_status_text_shows_the_progress_and_the_time_left(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    seed(database)
    status = gather_status(settings_for(home_with(tmp_path / "home"), database_url), now=NOW)
    text = "\n".join(status_lines(status))
    assert "4 tracked repos: 1 complete, 1 in progress, 2 not started" in text
    assert "about 51 requests left (gitee 14 at 1,000 a run, github 37 at 30 a run)" in text
    assert "time left: about 2d at the current budget (a run every 1d)" in text


def test_status_json_has_the_backfill_progress(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    seed(database)
    data = gather_status(settings_for(home_with(tmp_path / "home"), database_url),
                         now=NOW).as_json()
    assert set(data["backfill"]) == BACKFILL_KEYS
    assert data["backfill"] == {
        "complete": 1, "in_progress": 1, "not_started": 2, "refused": 0, "owners_not_listed": 0,
        "requests_left": 51, "time_left_seconds": 2 * 86400, "run_every_seconds": 86400,
        "platforms": {"gitee": {"requests_left": 14, "per_run": 1000},
                      "github": {"requests_left": 37, "per_run": 30}},
    }


def test_every_history_complete_is_done(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    home = home_with(tmp_path / "home", '[[projects]]\nname = "R"\nrepos = ["gitee:a/b"]\n')
    with database.session(write=True) as session:
        rows = series.sync_projects(session, [("R", [RepoId.parse("gitee:a/b")])], T0)
        for metric in ("stars", "releases"):
            history.save_state(session, BackfillState(rows["gitee:a/b"].id or 0, metric,
                                                      complete=True), T0)
    status = gather_status(settings_for(home, database_url), now=NOW)
    assert status.backfill is not None and status.backfill.done
    assert status.backfill.time_left == timedelta(0)
    assert "every history is complete" in "\n".join(status_lines(status))


# -- without a GitHub token -----------------------------------------------------------------------


def test_without_a_token_status_says_what_the_budget_allows_and_a_token_unlocks(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    seed(database)
    status = gather_status(settings_for(home_with(tmp_path / "home"), database_url), now=NOW)
    assert status.no_token is not None
    message = ("github: no token: 60 requests an hour, at most 60 a cycle (collect every 6h); "
               "2 tracked GitHub repos need up to 7 requests a cycle; a token (GITHUB_TOKEN) "
               "allows 5,000 an hour")
    assert status.no_token.message == message
    assert f"  {message}" in status_lines(status)
    assert status.as_json()["no_token"]["needed_per_cycle"] == 7


def test_with_a_token_there_is_no_advice_and_the_backfill_batches_its_counts(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    seed(database)
    settings = settings_for(home_with(tmp_path / "home"), database_url, GITHUB_TOKEN="t0k3n")
    status = gather_status(settings, now=NOW)
    assert status.no_token is None and status.as_json()["no_token"] is None
    assert "no token" not in "\n".join(status_lines(status))
    assert status.backfill is not None
    assert status.backfill.requests["github"] == 35 + 1 + 1  # one query counts 50 repos


def test_an_owners_listed_repos_count_and_an_unlisted_owner_makes_a_lower_bound(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    home = home_with(tmp_path / "home", (
        '[[projects]]\nname = "Acme"\norgs = ["github:Acme"]\n\n'
        '[[projects]]\nname = "Other"\norgs = ["github:other"]\n'))
    acme = OwnerId("github", "Acme")
    listed = [Assigned(RepoId("github", "Acme", f"tool{i}"), acme, 100 + i) for i in range(5)]
    with database.session(write=True) as session:
        sync_members(session, {"Acme": listed, "Other": []}, (), T0)
    status = gather_status(settings_for(home, database_url), now=NOW)
    assert status.no_token is not None
    assert (status.no_token.repos, status.no_token.unlisted) == (5, 1)
    # a page each owner at least + a quarter of 5 x 3 details (read daily, collected every 6 h)
    # + a quarter of 5 contributors lists, rounded up
    assert "5 tracked GitHub repos and 1 owner not listed yet need at least 7 requests" \
        in status.no_token.message
    assert status.backfill is not None and status.backfill.not_started == 5
    assert status.backfill.owners_not_listed == 1  # github:other: its repos are unknown
    assert status.backfill.requests_left is None and status.backfill.time_left is None
    assert "5 tracked repos and 1 owner not listed yet: 0 complete" in "\n".join(
        status_lines(status))


@pytest.mark.parametrize("output", [[], ["--json"]])
def test_cli_status_shows_both(
    tmp_path: Path, database: Database, database_url: str, output: list[str],
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    seed(database)
    home = home_with(tmp_path / "home")
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    main(["--home", str(home), "status", *output])
    out = capsys.readouterr().out
    if output:
        data = json.loads(out)
        assert data["backfill"]["not_started"] == 2 and data["no_token"]["fits"] is True
    else:
        assert "backfill\n  4 tracked repos" in out and "github: no token: 60" in out


# -- what the tests above leave open --------------------------------------------------------------

TWO_GITHUB_TOML = '[[projects]]\nname = "Acme"\nrepos = ["github:acme/a", "github:acme/b"]\n'


def seed_two_github_repos(database: Database) -> None:
    """github:acme/a and /b, collected, created a week ago, not backfilled; no budget seen."""
    repos = [RepoId("github", "acme", "a"), RepoId("github", "acme", "b")]
    with database.session(write=True) as session:
        for row in series.sync_projects(session, [("Acme", repos)], T0).values():
            set_created_at(session, row.id, NOW - timedelta(days=7))


@pytest.mark.parametrize(("env", "allowed", "checks"), [
    ({}, 30, 2),  # half of 60 an hour; a star-count request each
    ({"GITHUB_TOKEN": "t0k3n"}, 2500, 1),  # half of 5,000; one query counts 50 repos
])
def test_a_github_budget_never_seen_is_the_documented_one_for_the_token_or_its_absence(
    tmp_path: Path, database: Database, database_url: str,
    env: dict[str, str], allowed: int, checks: int,
) -> None:
    seed_two_github_repos(database)
    home = home_with(tmp_path / "home", TWO_GITHUB_TOML)
    status = gather_status(settings_for(home, database_url, **env), now=NOW)
    assert status.backfill is not None
    assert status.backfill.allowed["github"] == allowed
    assert status.backfill.requests["github"] == 2 * (1 + 1) + checks  # a page, releases


def test_a_gitee_owner_counts_nothing_in_githubs_no_token_advice(
    tmp_path: Path, database: Database, database_url: str,
) -> None:
    home = home_with(tmp_path / "home", (
        '[[projects]]\nname = "Acme"\norgs = ["github:acme"]\n\n'
        '[[projects]]\nname = "Mirror"\norgs = ["gitee:acme"]\n'))
    github, gitee = OwnerId("github", "acme"), OwnerId("gitee", "acme")
    with database.session(write=True) as session:
        sync_members(session, {
            "Acme": [Assigned(RepoId("github", "acme", f"t{i}"), github, 100 + i)
                     for i in range(2)],
            "Mirror": [Assigned(RepoId("gitee", "acme", f"t{i}"), gitee, 200 + i)
                       for i in range(3)],
        }, (), T0)
    status = gather_status(settings_for(home, database_url), now=NOW)
    assert status.no_token is not None
    assert (status.no_token.repos, status.no_token.unlisted) == (2, 0)


def test_a_schedule_runs_as_often_as_written_or_its_crons_mean_gap() -> None:
    assert schedule_every("6h", "UTC", NOW) == timedelta(hours=6)
    assert schedule_every("0 */6 * * *", "UTC", NOW) == timedelta(hours=6)
    assert schedule_every("0 8 * * mon", "Asia/Shanghai", NOW) == timedelta(days=7)
