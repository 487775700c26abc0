"""``aoss-monitor collect`` as a user runs it: summary, exit status, files and secrets."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import MetaData

from monitor.store.db import Database
from tests.harness import HEALTHY, TOKENS, Monitor, Run


def dump(database: Database) -> str:
    """Every value of every table, as text (bytes decoded), for searching."""
    tables = MetaData()
    tables.reflect(database.engine)
    cells = []
    with database.engine.connect() as conn:
        for table in tables.sorted_tables:
            for row in conn.execute(table.select()):
                cells += [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                          for v in row]
    return "\n".join(cells)


def test_collect_exits_1_when_a_repo_failed_and_stores_every_other(
    run: Run, monitor: Monitor
) -> None:
    status, out, _ = run("collect")
    assert status == 1
    assert out.splitlines()[0] == "collected 4, deferred 0, failed 3"  # the empty repo is fine
    assert "failed github:acme/banned: github:acme/banned: blocked for legal reasons" in out
    assert {r.repo for r in monitor.rows()} == {*HEALTHY, "github:acme/empty"}


def test_collect_summary_gives_requests_and_budget_left_per_platform(
    run: Run, monitor: Monitor
) -> None:
    status, out, _ = run("collect", *HEALTHY)
    assert status == 0
    left = monitor.fake.github.budget().remaining
    github = len(monitor.fake.requests_for("github"))
    gitee = len(monitor.fake.requests_for("gitee"))
    lines = out.splitlines()
    assert lines[0] == "collected 3, deferred 0, failed 0"
    assert lines[1] == f"gitee: {gitee} requests, budget not reported"
    assert lines[2].startswith(f"github: {github} requests, budget {left}/60 left, resets ")


def test_collect_named_repo_collects_that_repo_only(run: Run, monitor: Monitor) -> None:
    status, out, _ = run("collect", "https://gitee.com/acme/rocket")
    assert status == 0
    assert out.splitlines()[0] == "collected 1, deferred 0, failed 0"
    assert monitor.fake.requests_for("github") == []


def test_collect_of_an_untracked_repo_is_one_line_exit_2(run: Run, monitor: Monitor) -> None:
    status, _, err = run("collect", "github:not/tracked")
    assert status == 2
    assert err.strip().splitlines() == [
        "aoss-monitor: error: not tracked: github:not/tracked (add with `aoss-monitor track`)"
    ]
    assert monitor.fake.requests == []


def test_collect_exits_0_when_repos_were_only_deferred(run: Run, monitor: Monitor) -> None:
    monitor.fake.github.set_budget(remaining=0, reset=int(monitor.clock().timestamp()) + 3600)
    status, out, _ = run("collect", *HEALTHY)
    assert status == 0
    assert out.splitlines()[0] == "collected 1, deferred 2, failed 0"
    assert "deferred github:acme/rocket: rate limit spent; deferred to the next cycle" in out


def test_a_rename_is_shown_by_repos_and_leaves_repos_toml_alone(
    run: Run, monitor: Monitor
) -> None:
    repos_toml = monitor.home / "config" / "repos.toml"
    before = repos_toml.read_bytes()
    assert run("collect", *HEALTHY)[0] == 0
    monitor.fake.github.rename("acme/rocket", "acme", "rocket-ng")
    status, out, _ = run("collect", *HEALTHY)
    assert status == 0
    assert "renamed github:acme/rocket -> github:acme/rocket-ng" in out
    projects = json.loads(run("repos", "--json")[1])
    rocket = next(p for p in projects if p["name"] == "Rocket")["repos"][0]
    assert (rocket["repo"], rocket["current_name"]) == (
        "github:acme/rocket", "github:acme/rocket-ng")
    assert repos_toml.read_bytes() == before


RENAME_NOTICE = "github:acme/rocket is now github:acme/rocket-ng: update config/repos.toml"


def renamed_after_collecting(run: Run, monitor: Monitor) -> None:
    assert run("collect", *HEALTHY)[0] == 0
    monitor.fake.github.rename("acme/rocket", "acme", "rocket-ng")
    assert run("collect", *HEALTHY)[0] == 0


def test_repos_shows_a_renamed_repo_with_a_notice_to_update_repos_toml(
    run: Run, monitor: Monitor
) -> None:
    renamed_after_collecting(run, monitor)
    status, out, _ = run("repos")
    assert status == 0
    assert "github:acme/rocket (now github:acme/rocket-ng)" in out
    assert out.splitlines()[-1] == f"note: {RENAME_NOTICE}"
    projects = json.loads(run("repos", "--json")[1])
    rocket, mirror = next(p for p in projects if p["name"] == "Rocket")["repos"]
    assert (rocket["current_name"], rocket["notice"]) == ("github:acme/rocket-ng", RENAME_NOTICE)
    assert (mirror["current_name"], mirror["notice"]) == (None, None)


def test_status_shows_a_renamed_repo_with_a_notice_to_update_repos_toml(
    run: Run, monitor: Monitor
) -> None:
    renamed_after_collecting(run, monitor)
    status, out, _ = run("status")
    assert status == 0
    lines = out.splitlines()
    section = lines.index("renamed repos (1)")
    assert lines[section + 1] == f"  {RENAME_NOTICE}"
    data = json.loads(run("status", "--json")[1])
    assert data["renamed"] == [{"repo": "github:acme/rocket",
                                "current_name": "github:acme/rocket-ng",
                                "notice": RENAME_NOTICE}]


def test_status_lists_no_renamed_repo_when_none_moved(run: Run, monitor: Monitor) -> None:
    assert run("collect", *HEALTHY)[0] == 0
    assert "renamed repos" not in run("status")[1]
    assert json.loads(run("status", "--json")[1])["renamed"] == []


def test_tokens_appear_nowhere(
    run: Run, monitor: Monitor, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monitor.use_tokens()
    with (monitor.home / "config" / "repos.toml").open("a") as repos_toml:
        repos_toml.write('\n[[projects]]\nname = "Lost"\nrepos = ["gitee:acme/missing"]\n')
    # The CLI replaces the root handlers; records of monitor.* reach caplog unfiltered here.
    monkeypatch.setattr(logging.getLogger("monitor"), "handlers", [caplog.handler])
    caplog.set_level(logging.DEBUG, logger="monitor")
    status, out, err = run("-v", "collect")
    assert status == 1
    assert "collect.failed repo=gitee:acme/missing" in caplog.text
    assert "collect.failed repo=gitee:acme/missing" in err
    exports = [run("export", "--format", fmt)[1] for fmt in ("csv", "json")]
    stored = dump(monitor.database)
    assert "/gitee/api/v5/repos/acme/rocket/contributors" in stored  # the cache keys are there
    seen = "\n".join([out, err, caplog.text, *exports, stored])
    for token in TOKENS.values():
        assert token not in seen
