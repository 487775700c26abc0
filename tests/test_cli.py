"""The command line as users and scripts see it: output, exit statuses, files left alone."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.cli import main
from monitor.ids import RepoId
from monitor.store.db import open_database
from monitor.store.series import ObservationIn, export_rows, sync_projects, write_observations
from tests.harness import Run, cli_runner


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home; the environment cannot leak a real home, database or token in."""
    for name in ("MONITOR_HOME", "MONITOR_DATABASE_URL", "GITHUB_TOKEN", "GITEE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


@pytest.fixture
def run(home: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """``aoss-monitor --home HOME ARGS…`` in-process: (exit status, stdout, stderr)."""
    return cli_runner(home, capsys)


@pytest.fixture
def initialised(run: Run, home: Path) -> Path:
    status, _, err = run("init")
    assert status == 0, err
    return home


def _digest(paths: list[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _config_files(home: Path) -> list[Path]:
    return sorted((home / "config").glob("*.toml"))


def test_init_creates_the_default_files_and_database(run: Run, home: Path) -> None:
    status, out, _ = run("init")
    assert status == 0
    assert (home / "config" / "repos.toml").is_file()
    assert (home / "config" / "monitor.toml").is_file()
    assert (home / "storage" / "monitor.db").is_file()
    assert f"created {home / 'config' / 'repos.toml'}" in out


def test_init_again_changes_no_file(run: Run, initialised: Path) -> None:
    files = [*_config_files(initialised), initialised / "storage" / "monitor.db"]
    before = _digest(files)
    mtimes = {p: p.stat().st_mtime_ns for p in _config_files(initialised)}
    status, out, _ = run("init")
    assert status == 0
    assert "created" not in out
    assert _digest(files) == before
    assert {p: p.stat().st_mtime_ns for p in _config_files(initialised)} == mtimes


def test_init_never_overwrites_an_edited_file(run: Run, home: Path) -> None:
    (home / "config").mkdir(parents=True)
    mine = '[groups.x]\ntitle = "Mine"\n\n[[projects]]\nname = "A"\nrepos = ["github:a/a"]\n'
    (home / "config" / "repos.toml").write_text(mine)
    assert run("init")[0] == 0
    assert (home / "config" / "repos.toml").read_text() == mine


def test_repos_lists_the_default_projects(run: Run, initialised: Path) -> None:
    status, out, _ = run("repos")
    assert status == 0
    for name in ("PaddlePaddle", "MindSpore", "MegEngine", "Angel", "Alink", "OneFlow",
                 "Jittor", "TensorFlow", "PyTorch", "Keras", "Bazel"):
        assert name in out
    assert "github:alibaba/Alink" in out
    # An ecosystem's repos come with its owners' first listing (the first collection).
    assert "gitee:paddlepaddle (owner: no repos listed yet)" in out


def test_repos_json_lists_the_named_repo_and_the_owners_before_any_listing(
    run: Run, initialised: Path,
) -> None:
    status, out, _ = run("repos", "--json")
    assert status == 0
    projects = {p["name"]: p for p in json.loads(out)}
    paddle = projects["PaddlePaddle"]
    assert paddle["groups"] == ["china"]
    assert paddle["orgs"] == ["github:PaddlePaddle", "gitee:paddlepaddle"]
    assert paddle["repos"] == []
    assert projects["Alink"]["orgs"] == []
    assert projects["Alink"]["repos"] == [{
        "repo": "github:alibaba/Alink", "current_name": None, "notice": None,
        "last_collected_at": None, "values": {}, "via": None,
    }]


def test_repos_json_shows_latest_collected_values(run: Run, initialised: Path) -> None:
    url = f"sqlite:///{initialised / 'storage' / 'monitor.db'}"
    when = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    with open_database(url) as db, db.session() as session:
        rows = sync_projects(session, [("Alink", [RepoId.parse("github:alibaba/Alink")])], when)
        repo_id = rows["github:alibaba/alink"].id
        assert repo_id is not None
        write_observations(session, [ObservationIn(repo_id, "stars", when, 3600)])
    projects = json.loads(run("repos", "--json")[1])
    alink = next(p for p in projects if p["name"] == "Alink")["repos"][0]
    assert alink["last_collected_at"] == "2026-11-01T06:00:00Z"
    assert alink["values"] == {"stars": 3600}


def test_track_url_adds_the_short_form_and_keeps_comments(run: Run, initialised: Path) -> None:
    path = initialised / "config" / "repos.toml"
    comments = [line for line in path.read_text().splitlines() if line.startswith("#")]
    status, out, _ = run("track", "https://github.com/owner/name.git", "--group", "us")
    assert status == 0, out
    after = path.read_text()
    assert '"github:owner/name"' in after
    assert [line for line in after.splitlines() if line.startswith("#")] == comments
    projects = json.loads(run("repos", "--json")[1])
    added = next(p for p in projects if p["name"] == "name")
    assert added["groups"] == ["us"]


def test_untrack_removes_the_repo_and_keeps_its_history(run: Run, initialised: Path) -> None:
    original = (initialised / "config" / "repos.toml").read_bytes()
    assert run("track", "github:owner/name", "--group", "us")[0] == 0
    url = f"sqlite:///{initialised / 'storage' / 'monitor.db'}"
    with open_database(url) as db, db.session() as session:
        added = datetime(2026, 11, 1, tzinfo=UTC)
        repo_id = sync_projects(session, [("name", [RepoId.parse("github:owner/name")])],
                                added)["github:owner/name"].id
        assert repo_id is not None
        when = datetime(2026, 11, 1, tzinfo=UTC)
        write_observations(session, [ObservationIn(repo_id, "stars", when, 5)])
    status, _, _ = run("untrack", "github:owner/name")
    assert status == 0
    assert (initialised / "config" / "repos.toml").read_bytes() == original
    with open_database(url) as db, db.session() as session:
        assert [row.value for row in export_rows(session, repos=["github:owner/name"])] == [5]


def test_track_an_owner_url_adds_it_to_orgs_and_keeps_comments(
    run: Run, initialised: Path
) -> None:
    path = initialised / "config" / "repos.toml"
    comments = [line for line in path.read_text().splitlines() if line.startswith("#")]
    status, out, err = run("track", "https://github.com/Some-Org/", "--group", "us")
    assert status == 0, err
    assert out == "tracking every repo of github:Some-Org in new project 'Some-Org'\n"
    after = path.read_text()
    assert after.endswith('name = "Some-Org"\ngroups = ["us"]\norgs = ["github:Some-Org"]\n')
    assert [line for line in after.splitlines() if line.startswith("#")] == comments


def test_track_then_untrack_owners_and_repos_together_restores_the_file(
    run: Run, initialised: Path
) -> None:
    path = initialised / "config" / "repos.toml"
    original = path.read_bytes()
    targets = ("github:some-org", "gitee:some-org/mirror", "https://gitee.com/some-org")
    status, _, err = run("track", *targets, "--project", "Some")
    assert status == 0, err
    assert 'orgs = ["github:some-org", "gitee:some-org"]\nrepos = ["gitee:some-org/mirror"]' in (
        path.read_text()
    )
    status, out, err = run("untrack", *targets)
    assert status == 0, err
    assert out.splitlines()[-1] == "removed project 'Some': no repos or orgs left"
    assert path.read_bytes() == original


def test_track_an_owner_twice_is_refused_and_changes_nothing(
    run: Run, initialised: Path
) -> None:
    path = initialised / "config" / "repos.toml"
    assert run("track", "github:some-org")[0] == 0
    before = path.read_bytes()
    status, _, err = run("track", "https://github.com/SOME-ORG")
    assert status == 2
    assert "github:SOME-ORG is already tracked in project 'some-org'" in err
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("track", "github:b/a/d"), "bad repository identifier 'github:b/a/d'"),
        (("track", "github:"), "bad owner identifier 'github:'"),
        (("track", "https://gitlab.com/a"), "is not a GitHub or Gitee owner URL"),
        (("track", "pytorch"), "bad identifier 'pytorch'"),
        (("track", "gitlab:a/b"), "unknown platform 'gitlab'"),
        (("track", "https://gitlab.com/a/b"), "is not a GitHub or Gitee repository URL"),
        (("track", "github:a/b/c"), "bad repository identifier"),
        (("track", "github:Alibaba/alink"), "already tracked in project 'Alink'"),
        (("track", "github:a/b", "--group", "bad group"), "group"),
        (("untrack", "github:not/tracked"), "not tracked"),
        (("untrack", "github:nobody"), "github:nobody is not tracked"),
        (("track",), "Missing argument"),
        (("no-such-command",), "No such command"),
        (("repos", "--colour"), "No such option"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    run: Run, initialised: Path, args: tuple[str, ...], message: str
) -> None:
    before = _digest(_config_files(initialised))
    status, out, err = run(*args)
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out
    assert _digest(_config_files(initialised)) == before


def test_broken_repos_toml_names_file_and_line(run: Run, initialised: Path) -> None:
    path = initialised / "config" / "repos.toml"
    path.write_text(path.read_text() + '\n[[projects]]\nname = "X"\nrepos = ["github:x"]\n')
    status, _, err = run("repos")
    assert status == 2
    last_line = len(path.read_text().splitlines())
    assert err.strip() == (
        f"aoss-monitor: error: {path}:{last_line}: "
        "bad repository identifier 'github:x': expected PLATFORM:OWNER/NAME in project 'X' "
        "(github:x is an owner: put it in `orgs`)"
    )


def test_broken_monitor_toml_stops_every_command(run: Run, initialised: Path) -> None:
    (initialised / "config" / "monitor.toml").write_text('[schedule]\ncollect = "often"\n')
    status, _, err = run("repos")
    assert status == 2
    assert f"{initialised / 'config' / 'monitor.toml'}:2: schedule.collect" in err


def test_database_from_a_newer_version_is_refused(run: Run, initialised: Path) -> None:
    url = f"sqlite:///{initialised / 'storage' / 'monitor.db'}"
    with open_database(url) as db, db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    status, _, err = run("init")
    assert status == 1
    assert "database schema ffff_future is newer than this aoss-monitor" in err
    assert len(err.strip().splitlines()) == 1


def test_home_comes_from_monitor_home_when_no_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MONITOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("MONITOR_HOME", str(tmp_path / "elsewhere"))
    main(["init"])
    assert (tmp_path / "elsewhere" / "config" / "repos.toml").is_file()


def test_init_on_postgresql_via_environment(
    run: Run, home: Path, monkeypatch: pytest.MonkeyPatch, postgresql_url: str
) -> None:
    monkeypatch.setenv("MONITOR_DATABASE_URL", postgresql_url)
    status, out, err = run("init")
    assert status == 0, err
    assert "postgresql+psycopg://" in out
    assert not (home / "storage" / "monitor.db").exists()
    assert run("repos", "--json")[0] == 0


def test_python_dash_m_is_the_same_program(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--home", str(tmp_path), "track", "github:x"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("aoss-monitor: error: ")
    assert "Traceback" not in done.stderr
