"""The daemon's jobs read "now" from the settings' clock: a report job run at a ManualClock
instant far from today records itself at that instant and reports the period before it."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from monitor.clock import ManualClock
from monitor.config.repos import load_repos
from monitor.config.settings import load_settings
from monitor.daemon.jobs import run_report
from monitor.store.db import Database
from monitor.store.models import CollectionRun

MONDAY = datetime(2021, 1, 4, 8, 0, tzinfo=UTC)


def test_a_report_job_runs_at_the_clock_instant(
    tmp_path: Path, database: Database, database_url: str, caplog: pytest.LogCaptureFixture,
) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "repos.toml").write_text("")
    settings = load_settings(tmp_path, {"MONITOR_DATABASE_URL": database_url},
                             clock=ManualClock(MONDAY))
    with caplog.at_level(logging.INFO, logger="monitor"):
        asyncio.run(run_report(settings, database, load_repos(settings.repos_path), "week"))
    assert "period=2020-W53" in caplog.text  # the week that ended yesterday, by the clock
    with database.session() as session:
        [run] = session.exec(select(CollectionRun)).all()
    assert (run.kind, run.started_at, run.finished_at) == ("weekly_report", MONDAY, MONDAY)
