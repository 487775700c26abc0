"""``repos``: each project's repos now, named ones and those an owner's listing brings, marked
with the owner they come through."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.commands.init import init_home
from monitor.commands.repos import tracked_overview
from monitor.config.members import Assigned
from monitor.config.settings import Settings, load_settings
from monitor.ids import OwnerId, RepoId
from monitor.store.db import open_database
from monitor.store.members import sync_members
from monitor.store.series import ObservationIn, write_observations
from monitor.store.status import repos_by_id

T0 = datetime(2026, 11, 1, 6, tzinfo=UTC)
ACME = OwnerId("github", "acme")
ROCKET = RepoId("github", "acme", "rocket")
TOOL = RepoId("github", "acme", "Tool")
GONE = RepoId("github", "acme", "gone")

REPOS_TOML = """\
[[projects]]
name = "Rocket"
repos = ["github:acme/rocket", "gitee:acme/rocket"]

[[projects]]
name = "Empty"
repos = ["github:other/empty"]
"""


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "repos.toml").write_text(REPOS_TOML)
    settings = load_settings(home, {"MONITOR_DATABASE_URL": database_url})
    init_home(settings)
    return settings


def collect_listing(settings: Settings) -> None:
    """What a collection leaves: rocket named, Tool brought by github:acme (and collected),
    gone listed once and not since."""
    rocket, tool, gone = Assigned(ROCKET, None), Assigned(TOOL, ACME, 7), Assigned(GONE, ACME, 8)
    with open_database(settings.database_url) as database, database.session() as session:
        sync_members(session, {"Rocket": [rocket, tool, gone]}, (), T0 - timedelta(days=1))
        rows = sync_members(session, {"Rocket": [rocket, tool]}, (), T0)
        write_observations(session, [ObservationIn(rows[TOOL.key].id or 0, "stars", T0, 42)])


def test_owner_listed_repos_follow_the_named_ones_with_their_owner(settings: Settings) -> None:
    collect_listing(settings)
    rocket = next(p for p in tracked_overview(settings) if p.name == "Rocket")
    assert [(str(r.repo), r.via) for r in rocket.repos] == [
        ("github:acme/rocket", None), ("gitee:acme/rocket", None), ("github:acme/Tool", ACME),
    ]
    tool = rocket.repos[2]
    assert tool.values == {"stars": 42} and tool.last_collected_at == T0
    assert tool.as_json()["via"] == "github:acme" and rocket.repos[0].as_json()["via"] is None


def test_named_repos_show_before_any_collection_and_nothing_is_written(
    settings: Settings,
) -> None:
    projects = tracked_overview(settings)
    assert [(p.name, [str(r.repo) for r in p.repos]) for p in projects] == [
        ("Rocket", ["github:acme/rocket", "gitee:acme/rocket"]),
        ("Empty", ["github:other/empty"]),
    ]
    with open_database(settings.database_url) as database, database.session() as session:
        assert repos_by_id(session.connection()) == {}  # `repos` stored no row


def test_cli_marks_each_listed_repo_with_its_owner(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    collect_listing(settings)
    monkeypatch.setenv("MONITOR_DATABASE_URL", settings.database_url)
    main(["--home", str(settings.home), "repos"])
    out = capsys.readouterr().out
    assert "github:acme/Tool (via github:acme)" in out and "gone" not in out
    main(["--home", str(settings.home), "repos", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert [(r["repo"], r["via"]) for r in data[0]["repos"]] == [
        ("github:acme/rocket", None), ("gitee:acme/rocket", None),
        ("github:acme/Tool", "github:acme"),
    ]


def test_an_owner_no_repo_came_through_yet_is_shown_as_such(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    named = 'repos = ["github:acme/rocket", "gitee:acme/rocket"]'
    settings.repos_path.write_text(REPOS_TOML.replace(
        named, named + '\norgs = ["github:acme", "gitee:acme"]'))
    collect_listing(settings)  # github:acme's listing brought Tool; gitee:acme's nothing yet
    rocket = next(p for p in tracked_overview(settings) if p.name == "Rocket")
    assert rocket.unlisted == (OwnerId("gitee", "acme"),)
    assert rocket.as_json()["orgs"] == ["github:acme", "gitee:acme"]
    monkeypatch.setenv("MONITOR_DATABASE_URL", settings.database_url)
    main(["--home", str(settings.home), "repos"])
    out = capsys.readouterr().out
    assert "gitee:acme (owner: no repos listed yet)" in out
    assert "github:acme (owner" not in out
