"""What the budget outlook reads from the store, on every backend: each repo's first-backfill
facts, and how many repos each owner's listing has brought."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.config.members import Assigned
from monitor.ids import OwnerId, RepoId
from monitor.progress import RepoHistory
from monitor.store import history, series
from monitor.store.db import Database
from monitor.store.history import BackfillState
from monitor.store.members import sync_members
from monitor.store.progress import backfill_histories, owner_members
from monitor.store.series import ObservationIn
from tests.rows import set_created_at

T0 = datetime(2026, 5, 1, tzinfo=UTC)
ORG = OwnerId("github", "PaddlePaddle")


def listed(name: str, number: int, owner: OwnerId = ORG) -> Assigned:
    return Assigned(RepoId(owner.platform, owner.owner, name), owner, number)


def test_each_repos_backfill_facts_are_read_as_stored(database: Database) -> None:
    repos = [RepoId.parse("gitee:a/done"), RepoId.parse("gitee:a/half"),
             RepoId.parse("github:a/new"), RepoId.parse("github:a/refused")]
    with database.session(write=True) as session:
        rows = series.sync_projects(session, [("P", repos)], T0)
        rid = {key: row.id or 0 for key, row in rows.items()}
        set_created_at(session, rid["github:a/new"], T0 - timedelta(days=30))
        for metric in ("stars", "releases"):
            history.save_state(session, BackfillState(rid["gitee:a/done"], metric,
                                                      complete=True), T0)
        history.save_state(session, BackfillState(rid["gitee:a/half"], "stars", next_page=4,
                                                  pages=9), T0)
        history.refuse(session, rid["github:a/refused"], "stars", "404", T0)
        series.write_observations(session, [
            ObservationIn(rid["gitee:a/half"], "stars", T0, 880, "collected"),
            ObservationIn(rid["gitee:a/half"], "releases", T0, 12, "collected"),
        ])
    with database.reading() as conn:
        found = backfill_histories(conn, [rid[str(r).lower()] for r in repos[1:]])
    assert sorted(found, key=lambda h: (h.platform, h.started)) == [
        RepoHistory("gitee", started=True, next_page=4, pages=9, stars=880, releases=12),
        RepoHistory("github", created_at=T0 - timedelta(days=30)),
        RepoHistory("github", started=True, refused=True),
    ]


def test_each_owner_counts_its_members_now_under_its_key(database: Database) -> None:
    other = OwnerId("github", "other")
    with database.session(write=True) as session:
        sync_members(session, {"P": [listed("a", 1), listed("b", 2)],
                               "O": [listed("x", 3, other)]}, (), T0)
        sync_members(session, {"P": [listed("a", 1)], "O": []}, (), T0 + timedelta(days=1))
    with database.reading() as conn:
        assert owner_members(conn) == {"github:paddlepaddle": 1, "github:other": 0}


def test_releases_read_are_told_apart_from_a_star_history_still_in_progress(
    database: Database,
) -> None:
    repo = RepoId.parse("gitee:a/half")
    with database.session(write=True) as session:
        rid = series.sync_projects(session, [("P", [repo])], T0)[repo.key].id or 0
        history.save_state(session, BackfillState(rid, "stars", next_page=2), T0)
        history.save_state(session, BackfillState(rid, "releases", complete=True), T0)
    with database.reading() as conn:
        assert backfill_histories(conn, [rid]) == [
            RepoHistory("gitee", started=True, next_page=2, releases_read=True)]
