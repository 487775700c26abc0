"""Schema 0007 upgrades a database in use: every repo with a project becomes a member of it since
it was added, so nothing changes for a user upgrading; the models match what it creates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from monitor.ids import RepoId
from monitor.store import series, stays
from monitor.store._schema import alembic_config
from monitor.store.db import Database, open_database
from monitor.store.tables import metadata

T0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def _at(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(sep=" ")


def _database_at_0006(url: str) -> Database:
    """Two projects; a repo of each tracked, one tracked once and untracked since (its project
    link kept, as 0006 left it), one never given a project, one whose key was taken away."""
    database = open_database(url)
    if database.path is not None:
        database.path.parent.mkdir(parents=True, exist_ok=True)
    with database.engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0006")
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO project (id, name) VALUES (1, 'Paddle'), (2, 'Torch')"))
        repos = [  # id, owner, name, config key, project, added
            (1, "PaddlePaddle", "Paddle", "github:paddlepaddle/paddle", 1, T0),
            (2, "pytorch", "pytorch", "github:pytorch/pytorch", 2, T0 + DAY),
            (3, "nobody", "orphan", "github:nobody/orphan", None, T0),
            (4, "old", "keyless", None, 1, T0),
        ]
        for repo_id, owner, name, key, project, added in repos:
            conn.execute(
                text("INSERT INTO repo (id, platform, owner, name, config_key, project_id, "
                     "added_at) VALUES (:id, 'github', :o, :n, :k, :p, :at)"),
                {"id": repo_id, "o": owner, "n": name, "k": key, "p": project, "at": _at(added)},
            )
    return database


def test_upgrading_makes_each_repo_with_a_project_a_member_since_it_was_added(
    database_url: str,
) -> None:
    with _database_at_0006(database_url) as database:
        database.upgrade()
        with database.session() as session:
            current = stays.current_members(session.connection())
    assert {name: [(str(m.repo), m.via, m.joined_at) for m in rows]
            for name, rows in current.items()} == {
        "Paddle": [("github:PaddlePaddle/Paddle", None, T0)],
        "Torch": [("github:pytorch/pytorch", None, T0 + DAY)],
    }


def test_after_upgrading_the_same_repos_toml_changes_no_membership(database_url: str) -> None:
    with _database_at_0006(database_url) as database:
        database.upgrade()
        with database.session() as session:
            series.sync_projects(session, [("Paddle", [RepoId.parse("github:PaddlePaddle/Paddle")]),
                                           ("Torch", [RepoId.parse("github:pytorch/pytorch")])],
                                 T0 + 9 * DAY)
            stays_now = stays.project_stays(session.connection())
    assert {name: [(str(s.repo), s.joined_at, s.left_at) for s in rows]
            for name, rows in stays_now.items()} == {
        "Paddle": [("github:PaddlePaddle/Paddle", T0, None)],
        "Torch": [("github:pytorch/pytorch", T0 + DAY, None)],
    }


def test_upgrading_lists_no_repo_as_having_left(database_url: str) -> None:
    with _database_at_0006(database_url) as database:
        database.upgrade()
        with database.session() as session:
            assert stays.left_members(session.connection()) == []


def test_the_models_match_the_upgraded_schema(database_url: str) -> None:
    with _database_at_0006(database_url) as database:
        database.upgrade()
        with database.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        indexes = {i["name"] for i in inspect(database.engine).get_indexes("membership")}
    assert {"uq_membership_open", "ix_membership_repo_id", "ix_membership_left_at"} <= indexes


def test_a_repo_has_at_most_one_open_stay(database_url: str) -> None:
    with _database_at_0006(database_url) as database:
        database.upgrade()
        stay = ("INSERT INTO membership (repo_id, project_id, via, joined_at, left_at) "
                "VALUES (1, 2, NULL, :at, {left})")
        with database.engine.begin() as conn:  # a closed stay beside the open one: fine
            conn.execute(text(stay.format(left=":at")), {"at": _at(T0)})
        with pytest.raises(IntegrityError), database.engine.begin() as conn:
            conn.execute(text(stay.format(left="NULL")), {"at": _at(T0)})
