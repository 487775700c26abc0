"""The series API as collect, backfill, export and reports use it, on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from monitor.ids import RepoId
from monitor.store import series
from monitor.store.db import Database
from monitor.store.models import Observation, Project, Release, Repo, RepoError, RepoRow
from monitor.store.series import ObservationIn, ReleaseIn

T0 = datetime(2024, 3, 1, tzinfo=UTC)
PADDLE = RepoId("github", "PaddlePaddle", "Paddle")
PADDLE_GITEE = RepoId("gitee", "paddlepaddle", "Paddle")
TORCH = RepoId("github", "pytorch", "pytorch")


def hours(n: int) -> datetime:
    return T0 + timedelta(hours=n)


def obs(
    repo: RepoRow, metric: str, at: datetime, value: int, source: str = "collected"
) -> ObservationIn:
    return ObservationIn(repo.id, metric, at, value, source)


def count(session: Session, model: type[SQLModel]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session


@pytest.fixture
def repos(session: Session) -> dict[str, RepoRow]:
    return series.sync_projects(
        session, [("PaddlePaddle", [PADDLE, PADDLE_GITEE]), ("PyTorch", [TORCH])], T0
    )


# -- projects ----------------------------------------------------------------------------------


def test_sync_projects_creates_projects_and_repos(
    session: Session, repos: dict[str, RepoRow],
) -> None:
    assert set(repos) == {PADDLE.key, PADDLE_GITEE.key, TORCH.key}
    paddle = repos[PADDLE.key]
    assert (paddle.platform, paddle.owner, paddle.name) == ("github", "PaddlePaddle", "Paddle")
    project = session.get(Project, paddle.project_id)
    assert project is not None and project.name == "PaddlePaddle"
    assert repos[PADDLE_GITEE.key].project_id == paddle.project_id
    assert paddle.added_at.tzinfo is not None


def test_sync_projects_never_deletes(session: Session, repos: dict[str, RepoRow]) -> None:
    series.write_observations(session, [obs(repos[TORCH.key], "stars", T0, 10)])
    again = series.sync_projects(
        session, [("Paddle", [PADDLE])], T0
    )  # torch untracked, project renamed
    assert set(again) == {PADDLE.key}
    assert again[PADDLE.key].id == repos[PADDLE.key].id  # same row, same history
    assert count(session, Repo) == 3
    assert count(session, Project) == 3
    assert count(session, Observation) == 1
    new_project = session.exec(select(Project).where(Project.name == "Paddle")).one()
    assert again[PADDLE.key].project_id == new_project.id
    # tracking it again continues the same series
    back = series.sync_projects(
        session, [("PyTorch", [RepoId("github", "PyTorch", "PyTorch")])], T0
    )
    assert back[TORCH.key].id == repos[TORCH.key].id


# -- observations ------------------------------------------------------------------------------


def test_writing_the_same_observation_twice_stores_it_once(
    session: Session, repos: dict[str, RepoRow]
) -> None:
    paddle = repos[PADDLE.key]
    assert series.write_observations(session, [obs(paddle, "stars", T0, 5)]) == 1
    assert series.write_observations(session, [obs(paddle, "stars", T0, 5)]) == 0
    assert series.write_observations(session, [obs(paddle, "stars", T0, 5, "backfill")]) == 1
    assert count(session, Observation) == 2


def test_bulk_write_counts_only_new_rows(session: Session, repos: dict[str, RepoRow]) -> None:
    paddle = repos[PADDLE.key]
    rows = [obs(paddle, "stars", hours(i), i) for i in range(2500)]  # more than one chunk
    assert series.write_observations(session, rows[:1000]) == 1000
    assert series.write_observations(session, iter(rows)) == 1500
    assert series.last_observed(session) == {"stars": {paddle.id: hours(2499)}}


def test_last_observed_tells_each_metrics_newest_collected_time_by_repo(
    session: Session, repos: dict[str, RepoRow]
) -> None:
    paddle, torch = repos[PADDLE.key], repos[TORCH.key]
    series.write_observations(session, [
        obs(paddle, "stars", T0, 5), obs(paddle, "stars", hours(3), 6),
        obs(paddle, "forks", hours(1), 2), obs(torch, "stars", hours(2), 9),
        obs(torch, "forks", hours(9), 4, "backfill"),
    ])
    assert series.last_observed(session) == {
        "stars": {paddle.id: hours(3), torch.id: hours(2)}, "forks": {paddle.id: hours(1)}}


def test_observations_are_validated() -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        ObservationIn(1, "stargazers", T0, 1)
    with pytest.raises(ValueError, match="unknown source"):
        ObservationIn(1, "stars", T0, 1, "guessed")
    with pytest.raises(ValueError, match="integer"):
        ObservationIn(1, "stars", T0, 1.5)  # type: ignore[arg-type]


def test_latest_values(session: Session, repos: dict[str, RepoRow]) -> None:
    paddle, torch, gitee = repos[PADDLE.key], repos[TORCH.key], repos[PADDLE_GITEE.key]
    series.write_observations(
        session,
        [
            obs(paddle, "stars", hours(0), 100),
            obs(paddle, "forks", hours(0), 10),
            obs(paddle, "stars", hours(6), 105),  # forks failed in this cycle
            obs(paddle, "stars", hours(12), 999, "backfill"),  # history, not the present
            obs(torch, "stars", hours(1), 7),
            obs(gitee, "stars", hours(2), 3, "backfill"),  # never collected
        ],
    )
    latest = series.latest_values(session)
    assert set(latest) == {paddle.id, torch.id}
    assert latest[paddle.id or 0].last_collected_at == hours(6)
    assert dict(latest[paddle.id or 0].values) == {"stars": 105, "forks": 10}
    assert dict(latest[torch.id or 0].values) == {"stars": 7}
    assert set(series.latest_values(session, [torch.id or 0])) == {torch.id}


def test_values_at(session: Session, repos: dict[str, RepoRow]) -> None:
    paddle = repos[PADDLE.key]
    series.write_observations(
        session,
        [
            obs(paddle, "stars", hours(0), 1, "backfill"),
            obs(paddle, "stars", hours(0), 2),
            obs(paddle, "stars", hours(5), 3, "backfill"),
            obs(paddle, "forks", hours(9), 4),
        ],
    )
    at = series.values_at(session, hours(4))
    assert at == {(paddle.id, "stars"): series.Point(hours(0), 2, "collected")}
    at = series.values_at(session, hours(9), metrics=["stars"])
    assert at == {(paddle.id, "stars"): series.Point(hours(5), 3, "backfill")}


# -- export ------------------------------------------------------------------------------------


def test_export_order_and_filters(session: Session, repos: dict[str, RepoRow]) -> None:
    paddle, torch, gitee = repos[PADDLE.key], repos[TORCH.key], repos[PADDLE_GITEE.key]
    series.write_observations(
        session,
        [
            obs(torch, "stars", hours(1), 7),
            obs(paddle, "stars", hours(2), 2),
            obs(paddle, "stars", hours(1), 1, "collected"),
            obs(paddle, "stars", hours(1), 1, "backfill"),
            obs(paddle, "forks", hours(3), 9),
            obs(gitee, "stars", hours(1), 4),
        ],
    )
    rows = list(series.export_rows(session))
    assert [(r.repo, r.metric, r.observed_at, r.source) for r in rows] == [
        ("gitee:paddlepaddle/Paddle", "stars", hours(1), "collected"),
        ("github:PaddlePaddle/Paddle", "forks", hours(3), "collected"),
        # the backfill row at hours(1) is shadowed by the collected one (same day)
        ("github:PaddlePaddle/Paddle", "stars", hours(1), "collected"),
        ("github:PaddlePaddle/Paddle", "stars", hours(2), "collected"),
        ("github:pytorch/pytorch", "stars", hours(1), "collected"),
    ]
    assert all(isinstance(r.value, int) and r.observed_at.tzinfo is UTC for r in rows)

    only = list(
        series.export_rows(session, repos=["GITHUB:paddlepaddle/paddle"], metrics=["stars"])
    )
    assert [(r.repo, r.value) for r in only] == [
        ("github:PaddlePaddle/Paddle", 1),
        ("github:PaddlePaddle/Paddle", 2),
    ]
    window = list(series.export_rows(session, since=hours(2), until=hours(3)))  # half-open
    assert [(r.repo, r.observed_at) for r in window] == [("github:PaddlePaddle/Paddle", hours(2))]
    assert list(series.export_rows(session, repos=["github:nobody/nothing"])) == []


# -- precedence: a collected observation shadows the backfill row of its day ---------------------

# GitHub's star history ends its days at Pacific midnight: 08:00Z in winter, 07:00Z in summer.
# 2024-03-10 is the 23-hour day on which Pacific time springs forward.
DAY_END = datetime(2024, 3, 9, 8, tzinfo=UTC)  # end of Pacific 2024-03-08
DST_END = datetime(2024, 3, 10, 7, tzinfo=UTC)  # end of Pacific 2024-03-09 (23 h later)
NEXT_END = datetime(2024, 3, 11, 7, tzinfo=UTC)
US = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("backfill", "collected", "kept"),
    [
        # The first row's day is the 24 hours before it, open at the start, closed at the end.
        ([DAY_END], [DAY_END - timedelta(hours=23)], []),
        ([DAY_END], [DAY_END], []),
        ([DAY_END], [DAY_END - timedelta(hours=24) + US], []),
        ([DAY_END], [DAY_END - timedelta(hours=24)], [DAY_END]),
        ([DAY_END], [DAY_END + US], [DAY_END]),
        ([DAY_END], [], [DAY_END]),
        # Later rows' days start at the previous row: a DST day is 23 hours long.
        ([DAY_END, DST_END], [DAY_END + timedelta(hours=1)], [DAY_END]),
        ([DAY_END, DST_END], [DST_END], [DAY_END]),
        ([DAY_END, DST_END], [DAY_END], [DST_END]),
        # 30 min before DAY_END: within 24 h of DST_END, yet in the day before DST_END's day.
        ([DAY_END, DST_END], [DAY_END - timedelta(minutes=30)], [DST_END]),
        ([DAY_END, DST_END, NEXT_END], [DST_END + US], [DAY_END, DST_END]),
        ([DAY_END, DST_END, NEXT_END], [DAY_END - US, NEXT_END], [DST_END]),
    ],
)
def test_export_drops_backfill_rows_shadowed_by_collected_ones(
    session: Session,
    repos: dict[str, RepoRow],
    backfill: list[datetime],
    collected: list[datetime],
    kept: list[datetime],
) -> None:
    paddle, torch = repos[PADDLE.key], repos[TORCH.key]
    rows = [obs(paddle, "stars", at, i, "backfill") for i, at in enumerate(backfill)]
    rows += [obs(paddle, "stars", at, 100 + i) for i, at in enumerate(collected)]
    # Collected rows of another metric or another repo shadow nothing here.
    rows += [obs(paddle, "forks", at, 1) for at in backfill]
    rows += [obs(torch, "stars", at, 1) for at in backfill]
    series.write_observations(session, rows)

    exported = list(series.export_rows(session, repos=[str(PADDLE)], metrics=["stars"]))
    assert [r.observed_at for r in exported if r.source == "backfill"] == kept
    assert [r.observed_at for r in exported if r.source == "collected"] == sorted(collected)
    assert count(session, Observation) == len(rows)  # both stay stored
    everything = list(series.export_rows(session))
    assert [r.observed_at for r in everything if r.source == "backfill"] == kept


def test_shadowing_looks_before_the_export_window(
    session: Session, repos: dict[str, RepoRow],
) -> None:
    """A row's day starts at the previous backfill row even when that row is not exported."""
    paddle = repos[PADDLE.key]
    series.write_observations(
        session,
        [
            obs(paddle, "stars", DAY_END, 10, "backfill"),
            obs(paddle, "stars", DST_END, 20, "backfill"),
            obs(paddle, "stars", NEXT_END, 30, "backfill"),
            obs(paddle, "stars", DAY_END - timedelta(minutes=30), 9),  # in DAY_END's day only
            obs(paddle, "stars", DST_END + timedelta(hours=2), 21),  # in NEXT_END's day
        ],
    )
    window = list(
        series.export_rows(session, since=DAY_END + US, until=NEXT_END + timedelta(hours=1))
    )
    assert [(r.observed_at, r.value, r.source) for r in window] == [
        (DST_END, 20, "backfill"),
        (DST_END + timedelta(hours=2), 21, "collected"),
    ]


def test_values_at_prefers_the_collected_value_of_a_day(
    session: Session, repos: dict[str, RepoRow]
) -> None:
    paddle = repos[PADDLE.key]
    series.write_observations(
        session,
        [
            obs(paddle, "stars", DAY_END, 100, "backfill"),
            obs(paddle, "stars", DST_END, 120, "backfill"),  # shadowed: collected in its day
            obs(paddle, "stars", NEXT_END, 130, "backfill"),
            obs(paddle, "stars", DST_END - timedelta(hours=3), 117),
        ],
    )
    key = (paddle.id or 0, "stars")
    # Right after DST_END's day ends: the collected value, not the backfill row at DST_END.
    at = series.values_at(session, DST_END + timedelta(seconds=1))
    assert at == {key: series.Point(DST_END - timedelta(hours=3), 117, "collected")}
    assert series.values_at(session, DST_END)[key].value == 117
    # Unshadowed rows still count on either side.
    assert series.values_at(session, DST_END - timedelta(hours=4))[key].value == 100
    assert series.values_at(session, NEXT_END, [paddle.id or 0], ["stars"])[key].value == 130
    assert series.values_at(session, DAY_END - US) == {}
    assert count(session, Observation) == 4


# -- renames -----------------------------------------------------------------------------------


def test_record_identity_stores_platform_facts(session: Session, repos: dict[str, RepoRow]) -> None:
    paddle = series.record_identity(
        session, repos[PADDLE.key], 23534643, "PaddlePaddle", "Paddle", created_at=T0
    )
    assert paddle.id == repos[PADDLE.key].id
    stored = session.get(Repo, paddle.id)
    assert stored is not None and stored.platform_id == 23534643 and stored.created_at == T0


@pytest.mark.parametrize("identified_first", ["old_name", "new_name"])
def test_rename_merges_into_one_history(session: Session, identified_first: str) -> None:
    """The repo was tracked under its old name, then under its new one: one history remains.

    Usually the old row knows the platform id and the new row is identified next; but the old
    row may never have been reached (platform_id still empty) while the new one was.
    """
    old_id, new_id = RepoId("github", "oldorg", "tool"), RepoId("github", "neworg", "tool")
    old = series.sync_projects(session, [("Tool", [old_id])], T0)[old_id.key]
    series.write_observations(
        session, [obs(old, "stars", hours(0), 1), obs(old, "stars", hours(1), 2)]
    )
    series.upsert_releases(session, old.id or 0, [ReleaseIn("v1", "one"), ReleaseIn("v2", "two")])
    run = series.start_run(session, "collect", T0)
    series.record_repo_error(session, run, old.id or 0, "unavailable", "timeout", T0)

    new = series.sync_projects(session, [("Tool", [new_id])], T0)[new_id.key]
    series.write_observations(
        session, [obs(new, "stars", hours(1), 2), obs(new, "stars", hours(2), 3)]
    )
    series.upsert_releases(session, new.id or 0, [ReleaseIn("v2", "two"), ReleaseIn("v3", "three")])

    first, second = (old, new) if identified_first == "old_name" else (new, old)
    assert series.record_identity(session, first, 42, "neworg", "tool").id == first.id
    survivor = series.record_identity(session, second, 42, "neworg", "tool")

    assert survivor.id == old.id  # the older row keeps the history
    assert count(session, Repo) == 1
    assert survivor.config_key == second.config_key  # the key just identified points to it
    assert (survivor.owner, survivor.name, survivor.platform_id) == ("neworg", "tool", 42)
    rows = list(series.export_rows(session, repos=[str(new_id)]))
    assert [(r.repo, r.observed_at, r.value) for r in rows] == [
        ("github:neworg/tool", hours(0), 1),
        ("github:neworg/tool", hours(1), 2),
        ("github:neworg/tool", hours(2), 3),
    ]
    tags = session.exec(select(Release.tag).order_by(Release.tag)).all()
    assert list(tags) == ["v1", "v2", "v3"]
    assert [e.repo_id for e in session.exec(select(RepoError))] == [old.id]


# -- releases ----------------------------------------------------------------------------------


def test_upsert_releases_refreshes_by_tag(session: Session, repos: dict[str, RepoRow]) -> None:
    paddle = repos[PADDLE.key].id or 0
    url = "https://github.com/PaddlePaddle/Paddle/releases/tag/v1"
    assert series.upsert_releases(session, paddle, [ReleaseIn("v1", "first", T0, True, url)]) == 1
    series.upsert_releases(session, paddle, [ReleaseIn("v1", "First", hours(1), False, url)])
    release = session.exec(select(Release)).one()
    session.refresh(release)
    assert (release.name, release.published_at, release.prerelease) == ("First", hours(1), False)
    assert series.upsert_releases(session, paddle, []) == 0


# -- transactions ------------------------------------------------------------------------------


def test_each_write_commits_on_its_own(database: Database) -> None:
    with database.session() as session:
        repo = series.sync_projects(session, [("p", [TORCH])], T0)[TORCH.key]
        series.write_observations(session, [obs(repo, "stars", T0, 1)])
        session.rollback()  # too late: the write was its own transaction
    with database.session() as session:
        assert count(session, Observation) == 1


def test_a_nested_block_makes_a_batch_atomic(database: Database) -> None:
    """The collector wraps a batch in ``begin_nested()``: all of it is stored, or none."""
    with database.session() as session:
        repo = series.sync_projects(session, [("p", [TORCH])], T0)[TORCH.key]
    with pytest.raises(RuntimeError), database.session() as session, session.begin_nested():
        series.write_observations(session, [obs(repo, "stars", T0, 1)])
        series.upsert_releases(session, repo.id or 0, [ReleaseIn("v1")])
        raise RuntimeError("platform module bug halfway through the batch")
    with database.session() as session:
        assert count(session, Observation) == 0 and count(session, Release) == 0
    with database.session() as session, session.begin_nested():
        series.write_observations(session, [obs(repo, "stars", T0, 1)])
        series.record_identity(session, repo, 7, "pytorch", "pytorch")
    with database.session() as session:
        assert count(session, Observation) == 1
        assert series.last_observed(session) == {"stars": {repo.id: T0}}
