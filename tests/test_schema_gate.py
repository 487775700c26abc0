"""Only ``init`` and the daemon holding its lock migrate; every other command refuses a database
whose schema is not this version's, says what to run, and leaves it as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from monitor.daemon.lock import InstanceLock
from monitor.store.db import head_revision, open_database
from tests.harness import Run, cli_runner
from tests.old_schema import migrate_to_previous, stored_revision

REPOS_TOML = '[[projects]]\nname = "Rocket"\nrepos = ["github:acme/rocket"]\n'

#: Every command but init and run; none may reach a platform (their URLs answer nothing).
COMMANDS = [
    ("status",), ("repos",), ("export",), ("collect",), ("backfill",),
    ("report", "--period", "week"),
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    """A configured home on *database_url*, never initialised by this aoss-monitor."""
    for name in ("MONITOR_HOME", "GITHUB_TOKEN", "GITEE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    monkeypatch.setenv("MONITOR_GITHUB_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("MONITOR_GITEE_API_URL", "http://127.0.0.1:9")
    config = tmp_path / "home" / "config"
    config.mkdir(parents=True)
    (config / "repos.toml").write_text(REPOS_TOML)
    return config.parent


@pytest.fixture
def run(home: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return cli_runner(home, capsys)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_command_on_an_older_schema_says_to_run_init_and_migrates_nothing(
    run: Run, database_url: str, command: tuple[str, ...]
) -> None:
    old = migrate_to_previous(database_url)
    status, _, err = run(*command)
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "`aoss-monitor init`" in lines[0], err
    assert f"schema {old}" in lines[0]
    assert stored_revision(database_url) == old


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_command_on_a_database_never_initialised_says_to_run_init_and_creates_nothing(
    run: Run, database_url: str, command: tuple[str, ...]
) -> None:
    sqlite_file = make_url(database_url).database if database_url.startswith("sqlite") else None
    status, _, err = run(*command)
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "`aoss-monitor init`" in lines[0], err
    if sqlite_file is not None:
        assert not Path(sqlite_file).parent.exists()
    else:
        assert stored_revision(database_url) is None


def test_init_does_not_migrate_under_a_running_daemon(run: Run, database_url: str) -> None:
    old = migrate_to_previous(database_url)
    with open_database(database_url) as database, InstanceLock(database):
        status, _, err = run("init")
        assert status == 1, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "daemon" in lines[0] and "running" in lines[0], err
        assert stored_revision(database_url) == old
    status, _, err = run("init")  # the daemon gone, init migrates
    assert status == 0, err
    assert stored_revision(database_url) == head_revision()


def test_init_on_a_current_schema_runs_beside_a_daemon(run: Run, database_url: str) -> None:
    assert run("init")[0] == 0
    with open_database(database_url) as database, InstanceLock(database):
        status, _, err = run("init")
    assert status == 0, err
