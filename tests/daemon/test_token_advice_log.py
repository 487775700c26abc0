"""``run`` without a GitHub token says what 60 requests an hour allow and what a token would
unlock: a line at start, then after a cycle only when the figures changed; never the same line
twice in a row, nothing with a token."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.clock import ManualClock
from monitor.config.members import Assigned
from monitor.config.repos import load_repos
from monitor.config.settings import Settings, load_settings
from monitor.daemon.advice import TokenAdvice
from monitor.ids import OwnerId, RepoId
from monitor.store.db import Database, open_database
from monitor.store.members import sync_members

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ACME = OwnerId("github", "acme")
REPOS_TOML = '[[projects]]\nname = "Acme"\nrepos = ["github:acme/rocket"]\norgs = ["github:acme"]\n'


def settings_for(tmp_path: Path, database_url: str, **env: str) -> Settings:
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "repos.toml").write_text(REPOS_TOML)
    return load_settings(tmp_path, {"MONITOR_DATABASE_URL": database_url, **env},
                         clock=ManualClock(NOW))


def told(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records
            if r.getMessage().startswith("github.no_token")]


def list_acme(database: Database, count: int) -> None:
    members = [Assigned(RepoId("github", "acme", f"tool{i}"), ACME, 100 + i)
               for i in range(count)]
    with database.session(write=True) as session:
        sync_members(session, {"Acme": members}, (), NOW)


def test_the_same_figures_are_told_once(
    tmp_path: Path, database: Database, database_url: str, caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_for(tmp_path, database_url)
    tracked, advice = load_repos(settings.repos_path), TokenAdvice()
    with caplog.at_level(logging.INFO, logger="monitor"):
        for _ in range(3):  # start, then two cycles that changed nothing
            asyncio.run(advice.tell(settings, database, tracked))
    assert told(caplog) == [(logging.INFO, (
        "github.no_token github: no token: 60 requests an hour, at most 60 a cycle "
        "(collect every 6h); 1 tracked GitHub repo and 1 owner not listed yet need at least 5 "
        "requests a cycle; "
        "a token (GITHUB_TOKEN) allows 5,000 an hour"))]


def test_new_figures_after_a_cycle_are_told_again_as_a_warning_when_they_do_not_fit(
    tmp_path: Path, database: Database, database_url: str, caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_for(tmp_path, database_url)
    tracked, advice = load_repos(settings.repos_path), TokenAdvice()
    with caplog.at_level(logging.INFO, logger="monitor"):
        asyncio.run(advice.tell(settings, database, tracked))
        list_acme(database, 300)  # the owner's listing brought 300 repos
        asyncio.run(advice.tell(settings, database, tracked))
        asyncio.run(advice.tell(settings, database, tracked))
    [(_, first), (level, second)] = told(caplog)
    assert "at least" in first
    assert level == logging.WARNING
    assert "301 tracked GitHub repos need up to" in second
    assert "so what a cycle cannot pay is deferred to later cycles" in second


def test_with_a_token_nothing_is_told(
    tmp_path: Path, database: Database, database_url: str, caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_for(tmp_path, database_url, GITHUB_TOKEN="t0k3n")
    with caplog.at_level(logging.DEBUG, logger="monitor"):
        asyncio.run(TokenAdvice().tell(settings, database, load_repos(settings.repos_path)))
    assert told(caplog) == []


def test_a_store_that_cannot_answer_costs_a_debug_line_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"  # no schema: every read fails
    settings = settings_for(tmp_path, empty)
    with open_database(empty) as database, caplog.at_level(logging.DEBUG, logger="monitor"):
        asyncio.run(TokenAdvice().tell(settings, database, load_repos(settings.repos_path)))
    assert [r.getMessage().split()[0] for r in caplog.records] == ["github.no_token_unknown"]
