"""A monitor home pointed at the fakes and the test database (the world is in tests.harness).

Shared by the collection and backfill tests through ``pytest_plugins`` in tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.clock import ManualClock
from monitor.store.db import Database
from tests.fakes import FakeRepo, FakeServer
from tests.harness import REPOS_TOML, TOKENS, Monitor, Run, cli_runner
from tests.repos_toml import write_repos


@pytest.fixture
def fakes(fake_server: FakeServer) -> FakeServer:
    """The default fakes plus acme/booster, a second healthy GitHub repo."""
    fake_server.github.add(FakeRepo(
        id=105, owner="acme", name="booster", stars=3, forks=1, watchers=2, open_issues=6,
        open_prs=1, contributors=4,
    ))  # fmt: skip
    return fake_server


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    write_repos(home / "config", REPOS_TOML)
    return home


@pytest.fixture
def monitor(
    home: Path, fakes: FakeServer, database: Database, database_url: str,
    manual_clock: ManualClock,
) -> Monitor:
    """The home on *database*, its clock the fakes' one."""
    return Monitor(home, fakes, database,
                   {**fakes.env(), "MONITOR_DATABASE_URL": database_url}, manual_clock)


@pytest.fixture(params=["rest", "graphql"])
def mode(request: pytest.FixtureRequest, monitor: Monitor) -> str:
    """GitHub without a token (REST) and with one (GraphQL)."""
    if request.param == "graphql":
        monitor.use_tokens()
    return str(request.param)


@pytest.fixture
def run(
    monitor: Monitor, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> Run:
    """``aoss-monitor --home HOME ARGS…`` in-process with the monitor's environment:
    (exit status, stdout, stderr)."""
    for name in ("MONITOR_HOME", *TOKENS):
        monkeypatch.delenv(name, raising=False)
    runner = cli_runner(monitor.home, capsys, monitor.clock)

    def invoke(*args: str) -> tuple[int, str, str]:
        with monkeypatch.context() as patch:
            for name, value in monitor.environ.items():
                patch.setenv(name, value)
            return runner(*args)

    return invoke
