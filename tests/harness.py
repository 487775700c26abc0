"""The collection and backfill tests' world: a home tracking the fakes' repos, and runners.

The runner calls :func:`monitor.commands.collect.collect` in-process, once per backend (the
``database`` fixture), with platforms opened from the settings as the program opens them, except
that their sleep only records what it was asked: retries and waits cost no time, and their length
can be asserted. One :class:`~monitor.clock.ManualClock` tells the monitor and the fakes the time:
a run at ``now=…`` sets it there first.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlmodel import col, select

from monitor.cli import main
from monitor.clock import Clock, ManualClock, system_clock
from monitor.commands.backfill import BackfillSummary, backfill
from monitor.commands.collect import CycleSummary, ProgressCallback, collect
from monitor.config.repos import load_repos
from monitor.config.settings import Settings, load_settings
from monitor.ids import parse_tracked
from monitor.platforms.base import Platform, ResponseCache
from monitor.platforms.gitee import Gitee
from monitor.platforms.github import GitHub
from monitor.store.db import Database
from monitor.store.models import CollectionRun, Repo, RepoError
from monitor.store.series import ExportRow, export_rows
from tests.fakes import FakeServer
from tests.shared import GITHUB_SCHEMA, require

#: The instant every cycle starts at unless a test says otherwise.
T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
TOKENS = {"GITHUB_TOKEN": "ghp_secret_value_123", "GITEE_TOKEN": "gitee_secret_456"}

REPOS_TOML = """\
# What the collection tests track (comments and layout must survive every command).
[groups.x]
title = "X"

[[projects]]
name = "Rocket"
groups = ["x"]
repos = ["github:acme/rocket", "gitee:acme/rocket"]

[[projects]]
name = "Booster"
repos = ["github:acme/booster"]

[[projects]]
name = "Broken"
repos = [
  "github:acme/gone",    # never existed: 404
  "github:acme/secret",  # private: 404
  "github:acme/banned",  # DMCA: 451
  "github:acme/empty",   # no commits
]
"""
HEALTHY = ("github:acme/rocket", "github:acme/booster", "gitee:acme/rocket")
#: What the fakes' healthy repos must be stored as (see tests/fakes/fixtures.py).
EXPECTED = {
    # watchers are subscribers (5, not the 42 stars); open issues exclude the 3 PRs;
    # contributors include the 2 anonymous; 3 releases, the draft left out.
    "github:acme/rocket": {"stars": 42, "forks": 7, "watchers": 5, "open_issues": 4,
                           "open_prs": 3, "contributors": 12, "releases": 3},
    "github:acme/booster": {"stars": 3, "forks": 1, "watchers": 2, "open_issues": 6,
                            "open_prs": 1, "contributors": 4, "releases": 0},
    # Gitee's watchers_count is people watching.
    "gitee:acme/rocket": {"stars": 25, "forks": 2, "watchers": 9, "open_issues": 1,
                          "open_prs": 2, "contributors": 5, "releases": 3},
}  # fmt: skip

T = TypeVar("T")

_CLASSES: dict[str, Any] = {"github": GitHub, "gitee": Gitee}


@dataclass
class Monitor:
    """A home with REPOS_TOML, pointed at the fake server and the test database."""

    home: Path
    fake: FakeServer
    database: Database
    environ: dict[str, str]
    clock: ManualClock  # the fakes' clock too
    sleeps: list[float] = field(default_factory=list)

    def settings(self) -> Settings:
        return load_settings(self.home, self.environ, clock=self.clock)

    def configure(self, table: str = "collect", **values: object) -> None:
        """Write one table (``[collect]`` by default) of config/monitor.toml."""
        lines = [f"[{table}]", *(f"{key} = {json.dumps(value)}" for key, value in values.items())]
        (self.home / "config" / "monitor.toml").write_text("\n".join(lines) + "\n")

    def use_tokens(self) -> None:
        """Token mode: GitHub over GraphQL, which the fake checks against GitHub's schema."""
        require(GITHUB_SCHEMA)
        self.environ.update(TOKENS)

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def open_platform(self, name: str, settings: Settings, cache: ResponseCache) -> Platform:
        """The platform factory of every run here (its sleeps recorded, not slept)."""
        platform: Platform = _CLASSES[name].from_settings(settings, cache, sleep=self._sleep)
        return platform

    def collect(
        self, *only: str, now: datetime = T0, progress: ProgressCallback | None = None,
        database: Database | None = None,
    ) -> CycleSummary:
        self.clock.set(now)
        settings = self.settings()
        return asyncio.run(collect(
            settings, database or self.database, load_repos(settings.repos_path),
            [parse_tracked(text) for text in only], platform_factory=self.open_platform,
            progress=progress,
        ))

    def backfill(
        self, *only: str, now: datetime | None = None, new_only: bool = False,
    ) -> BackfillSummary:
        if now is not None:
            self.clock.set(now)
        settings = self.settings()
        return asyncio.run(backfill(
            settings, self.database, load_repos(settings.repos_path),
            [parse_tracked(text) for text in only], new_only=new_only,
            platform_factory=self.open_platform,
        ))

    # -- what the store holds --------------------------------------------------------------

    def rows(self, *repos: str) -> list[ExportRow]:
        with self.database.session() as session:
            return list(export_rows(session, list(repos) or None))

    def values(self, repo: str, at: datetime = T0) -> dict[str, int]:
        return {r.metric: r.value for r in self.rows(repo) if r.observed_at == at}

    def errors(self, column: Any = RepoError.kind) -> dict[str, str]:
        """Each failed repo's configured id → the kind (or *column*) of its last error."""
        with self.database.session() as session:
            found = session.exec(
                select(Repo.config_key, column)
                .join(Repo, col(Repo.id) == col(RepoError.repo_id))
                .order_by(col(RepoError.id))
            )
            return {str(key): value for key, value in found}

    def runs(self) -> list[CollectionRun]:
        with self.database.session() as session:
            return list(session.exec(select(CollectionRun).order_by(col(CollectionRun.id))))


Run = Callable[..., tuple[int, str, str]]


def cli_runner(home: Path, capsys: pytest.CaptureFixture[str], clock: Clock = system_clock) -> Run:
    """``aoss-monitor --home HOME ARGS…`` in-process, on *clock*: (exit status, stdout, stderr)."""

    def invoke(*args: str) -> tuple[int, str, str]:
        try:
            main(["--home", str(home), *args], clock=clock)
            status = 0
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


def run_alone(job: Coroutine[Any, Any, T]) -> tuple[T, set[asyncio.Task[Any]]]:
    """Run *job* in a fresh event loop: its result, and the tasks still alive when it returned
    (a job must leave none behind: they would run on outside its lock, into the next job)."""

    async def main() -> tuple[T, set[asyncio.Task[Any]]]:
        result = await job
        return result, {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}

    return asyncio.run(main())
