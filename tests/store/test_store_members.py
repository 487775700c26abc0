"""Membership as the store keeps it: who joined, who left and when, on every backend."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlmodel import Session, SQLModel, select

from monitor.config.members import Assigned
from monitor.ids import OwnerId, RepoId
from monitor.store import series
from monitor.store import stays as store_stays
from monitor.store.db import Database
from monitor.store.members import sync_members
from monitor.store.models import Observation, Project, Repo
from monitor.store.models_membership import Membership
from monitor.store.series import ObservationIn

T0 = datetime(2026, 5, 1, tzinfo=UTC)
DAY = timedelta(days=1)
PADDLE_ORG = OwnerId("github", "PaddlePaddle")
GITEE_ORG = OwnerId("gitee", "paddlepaddle")
PADDLE = RepoId("github", "PaddlePaddle", "Paddle")
OCR = RepoId("github", "PaddlePaddle", "PaddleOCR")
NLP = RepoId("github", "PaddlePaddle", "PaddleNLP")
MIRROR = RepoId("gitee", "paddlepaddle", "Paddle")
TORCH = RepoId("github", "pytorch", "pytorch")


def named(repo: RepoId) -> Assigned:
    return Assigned(repo, None)


def listed(repo: RepoId, platform_id: int, owner: OwnerId = PADDLE_ORG) -> Assigned:
    return Assigned(repo, owner, platform_id)


def count(session: Session, model: type[SQLModel]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def stays(session: Session, repo: RepoId) -> list[tuple[str, str | None, datetime,
                                                          datetime | None]]:
    """(project, via, joined, left) of every stay of *repo*, oldest first."""
    return [(s.project, None if s.via is None else str(s.via), s.joined_at, s.left_at)
            for rows in store_stays.project_stays(session.connection()).values() for s in rows
            if s.repo.key == repo.key]


def current(session: Session) -> dict[str, list[tuple[str, str | None]]]:
    return {name: [(str(m.repo), None if m.via is None else str(m.via)) for m in rows]
            for name, rows in store_stays.current_members(session.connection()).items()}


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session


@contextmanager
def recorded(database: Database, *, writes_only: bool = False) -> Iterator[list[str]]:
    """Every statement sent while the block runs (*writes_only*: those that write)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not writes_only or statement.lstrip().upper().startswith(
                ("INSERT", "UPDATE", "DELETE")):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


@pytest.fixture
def writes(database: Database) -> Iterator[list[str]]:
    """Every statement that writes, sent while the test runs."""
    with recorded(database, writes_only=True) as seen:
        yield seen


PADDLE_TODAY = {"Paddle": [named(PADDLE), listed(OCR, 11), listed(NLP, 12)]}


# -- joining ---------------------------------------------------------------------------------


def test_new_members_join_now_and_get_rows(session: Session) -> None:
    rows = sync_members(session, PADDLE_TODAY, (), T0)
    assert set(rows) == {PADDLE.key, OCR.key, NLP.key}
    assert rows[OCR.key].platform_id == 11 and rows[OCR.key].added_at == T0
    assert rows[OCR.key].config_key == OCR.key
    assert current(session) == {"Paddle": [
        ("github:PaddlePaddle/Paddle", None),
        ("github:PaddlePaddle/PaddleNLP", "github:PaddlePaddle"),
        ("github:PaddlePaddle/PaddleOCR", "github:PaddlePaddle"),
    ]}
    now = store_stays.current_members(session.connection())
    assert [m.joined_at for m in now["Paddle"]] == [T0] * 3
    assert session.exec(select(Project.name)).all() == ["Paddle"]


def test_the_same_assignment_twice_writes_nothing(session: Session, writes: list[str]) -> None:
    sync_members(session, PADDLE_TODAY, (), T0)
    writes.clear()
    again = sync_members(session, PADDLE_TODAY, (), T0 + DAY)
    assert writes == []
    assert set(again) == {PADDLE.key, OCR.key, NLP.key}
    assert stays(session, OCR) == [("Paddle", "github:PaddlePaddle", T0, None)]


# -- leaving and coming back -----------------------------------------------------------------


def test_a_repo_no_longer_listed_leaves_and_keeps_its_history(session: Session) -> None:
    ocr = sync_members(session, PADDLE_TODAY, (), T0)[OCR.key]
    series.write_observations(session, [ObservationIn(ocr.id or 0, "stars", T0, 5)])
    rows = sync_members(session, {"Paddle": [named(PADDLE), listed(NLP, 12)]}, (), T0 + DAY)
    assert OCR.key not in rows
    assert stays(session, OCR) == [("Paddle", "github:PaddlePaddle", T0, T0 + DAY)]
    assert count(session, Repo) == 3 and count(session, Observation) == 1
    left = store_stays.left_members(session.connection())
    assert [(r.repo, r.project, str(r.via), r.left_at) for r in left] \
        == [("github:PaddlePaddle/PaddleOCR", "Paddle", "github:PaddlePaddle", T0 + DAY)]


def test_an_owner_whose_listing_failed_keeps_its_members(session: Session) -> None:
    sync_members(session, PADDLE_TODAY, (), T0)
    rows = sync_members(session, {"Paddle": [named(PADDLE)]}, [PADDLE_ORG], T0 + DAY)
    assert set(rows) == {PADDLE.key, OCR.key, NLP.key}
    assert stays(session, OCR) == [("Paddle", "github:PaddlePaddle", T0, None)]
    assert store_stays.left_members(session.connection()) == []


def test_only_the_unread_owners_members_are_kept(session: Session) -> None:
    mirror = listed(MIRROR, 99, GITEE_ORG)
    sync_members(session, {"Paddle": [*PADDLE_TODAY["Paddle"], mirror]}, (), T0)
    sync_members(session, {"Paddle": [named(PADDLE)]}, [GITEE_ORG], T0 + DAY)
    assert current(session) == {"Paddle": [("github:PaddlePaddle/Paddle", None),
                                           ("gitee:paddlepaddle/Paddle", "gitee:paddlepaddle")]}


def test_a_repo_that_returns_opens_a_new_stay(session: Session) -> None:
    first = sync_members(session, PADDLE_TODAY, (), T0)[OCR.key]
    sync_members(session, {"Paddle": [named(PADDLE)]}, (), T0 + DAY)
    back = sync_members(session, PADDLE_TODAY, (), T0 + 3 * DAY)[OCR.key]
    assert back.id == first.id
    assert stays(session, OCR) == [("Paddle", "github:PaddlePaddle", T0, T0 + DAY),
                                   ("Paddle", "github:PaddlePaddle", T0 + 3 * DAY, None)]
    assert store_stays.left_members(session.connection()) == []  # back: it has not left


def test_a_repo_that_moves_project_closes_one_stay_and_opens_another(session: Session) -> None:
    sync_members(session, PADDLE_TODAY, (), T0)
    moved = {"Paddle": [named(PADDLE), listed(NLP, 12)], "OCR": [named(OCR)]}
    rows = sync_members(session, moved, (), T0 + DAY)
    assert stays(session, OCR) == [("OCR", None, T0 + DAY, None),
                                   ("Paddle", "github:PaddlePaddle", T0, T0 + DAY)]
    ocr_project = session.exec(select(Project).where(Project.name == "OCR")).one()
    assert rows[OCR.key].project_id == ocr_project.id
    assert store_stays.left_members(session.connection()) == []  # it moved, it did not leave


def test_a_member_named_after_being_listed_stays_without_a_new_stay(session: Session) -> None:
    sync_members(session, PADDLE_TODAY, (), T0)
    sync_members(session, {"Paddle": [named(PADDLE), named(OCR), listed(NLP, 12)]}, (), T0 + DAY)
    assert stays(session, OCR) == [("Paddle", None, T0, None)]


def test_left_members_are_the_newest_first_and_since_a_date(session: Session) -> None:
    sync_members(session, {"Paddle": [named(PADDLE), listed(OCR, 11), listed(NLP, 12)],
                           "Torch": [named(TORCH)]}, (), T0)
    sync_members(session, {"Paddle": [named(PADDLE), listed(NLP, 12)], "Torch": [named(TORCH)]},
                 (), T0 + DAY)
    sync_members(session, {"Paddle": [named(PADDLE)]}, (), T0 + 2 * DAY)
    assert [r.repo for r in store_stays.left_members(session.connection())] == [
        "github:PaddlePaddle/PaddleNLP", "github:pytorch/pytorch", "github:PaddlePaddle/PaddleOCR",
    ]
    assert [r.repo for r in store_stays.left_members(session.connection(), T0 + 2 * DAY)] == [
        "github:PaddlePaddle/PaddleNLP", "github:pytorch/pytorch",
    ]
    assert [r.repo for r in store_stays.left_members(session.connection(), listed=True)] == [
        "github:PaddlePaddle/PaddleNLP", "github:PaddlePaddle/PaddleOCR",
    ]


# -- finding a repo --------------------------------------------------------------------------


def test_a_renamed_or_transferred_repo_keeps_its_row_and_history(session: Session) -> None:
    ocr = sync_members(session, PADDLE_TODAY, (), T0)[OCR.key]
    moved = RepoId("github", "PaddleCV", "PaddleOCR")
    rows = sync_members(session, {"Paddle": [named(PADDLE), listed(moved, 11), listed(NLP, 12)]},
                        (), T0 + DAY)
    assert rows[moved.key].id == ocr.id and rows[moved.key].config_key == moved.key
    assert count(session, Repo) == 3
    assert stays(session, moved) == [("Paddle", "github:PaddlePaddle", T0, None)]


def test_two_repos_that_swapped_names_keep_their_rows(session: Session) -> None:
    rows = sync_members(session, PADDLE_TODAY, (), T0)
    swapped = {"Paddle": [named(PADDLE), listed(NLP, 11), listed(OCR, 12)]}
    again = sync_members(session, swapped, (), T0 + DAY)
    assert again[NLP.key].id == rows[OCR.key].id and again[OCR.key].id == rows[NLP.key].id


def test_a_new_repo_under_an_old_name_gets_a_row_of_its_own(session: Session) -> None:
    """Deleted, and another made under its name: the platform knows it by another id."""
    old = sync_members(session, PADDLE_TODAY, (), T0)[OCR.key]
    series.write_observations(session, [ObservationIn(old.id or 0, "stars", T0, 5)])
    new = sync_members(session, {"Paddle": [named(PADDLE), listed(OCR, 77), listed(NLP, 12)]},
                       (), T0 + DAY)[OCR.key]
    assert new.id != old.id and new.platform_id == 77 and new.added_at == T0 + DAY
    stored = session.get(Repo, old.id)
    assert stored is not None and stored.config_key is None  # its history, under its last name
    assert count(session, Observation) == 1


def test_a_named_repo_wins_over_the_same_repo_listed_under_its_new_name(
    session: Session,
) -> None:
    sync_members(session, PADDLE_TODAY, (), T0)
    renamed = RepoId("github", "PaddlePaddle", "PaddleOCR2")
    rows = sync_members(session, {"Paddle": [listed(renamed, 11), named(OCR)]}, (), T0 + DAY)
    assert OCR.key in rows and renamed.key not in rows
    assert stays(session, OCR) == [("Paddle", None, T0, None)]


def test_a_named_repo_is_found_by_its_key_whatever_its_case(session: Session) -> None:
    first = sync_members(session, {"Torch": [named(TORCH)]}, (), T0)[TORCH.key]
    again = sync_members(session, {"Torch": [named(RepoId("github", "PyTorch", "PyTorch"))]},
                         (), T0 + DAY)
    assert again[TORCH.key].id == first.id


# -- named repos through sync_projects, and renames merged ----------------------------------


def test_an_untracked_named_repo_leaves_and_keeps_its_history(session: Session) -> None:
    torch = series.sync_projects(session, [("Torch", [TORCH]), ("Paddle", [PADDLE])],
                                 T0)[TORCH.key]
    series.write_observations(session, [ObservationIn(torch.id or 0, "stars", T0, 5)])
    series.sync_projects(session, [("Paddle", [PADDLE])], T0 + DAY)
    assert stays(session, TORCH) == [("Torch", None, T0, T0 + DAY)]
    assert count(session, Observation) == 1
    # named: the user untracked it
    assert store_stays.left_members(session.connection(), listed=True) == []


def test_a_rename_merged_by_identity_is_one_stay(session: Session) -> None:
    """Tracked under its old name, then under its new one: when the platform says they are one
    repo, the two rows' stays become one, unbroken."""
    old_id, new_id = RepoId("github", "oldorg", "tool"), RepoId("github", "neworg", "tool")
    old = series.sync_projects(session, [("Tool", [old_id])], T0)[old_id.key]
    series.record_identity(session, old, 42, "oldorg", "tool")
    new = series.sync_projects(session, [("Tool", [new_id])], T0 + DAY)[new_id.key]
    survivor = series.record_identity(session, new, 42, "neworg", "tool")
    assert survivor.id == old.id
    assert count(session, Membership) == 1
    assert stays(session, new_id) == [("Tool", None, T0, None)]
    assert store_stays.left_members(session.connection()) == []


# -- cost ------------------------------------------------------------------------------------


def test_a_thousand_members_sync_in_a_few_statements(database: Database) -> None:
    big = {"Big": [listed(RepoId("github", "big", f"r{i}"), 1000 + i, OwnerId("github", "big"))
                   for i in range(1000)]}
    with recorded(database) as statements, database.session() as session:
        started = time.perf_counter()
        first = sync_members(session, big, (), T0)
        first_took, first_count = time.perf_counter() - started, len(statements)
        statements.clear()
        started = time.perf_counter()
        sync_members(session, big, (), T0 + DAY)
        repeat_took, repeat_count = time.perf_counter() - started, len(statements)
    assert len(first) == 1000
    print(f"\n{database.backend}: first sync {first_count} statements {first_took:.2f}s, "
          f"repeat {repeat_count} statements {repeat_took:.2f}s")
    assert first_count <= 20 and repeat_count <= 6


def test_a_thousand_members_whose_owner_is_respelt_sync_in_a_few_statements(
    database: Database,
) -> None:
    """``orgs = ["github:big"]`` edited to ``"github:BIG"``: every stay's ``via`` changes, in
    one statement, not one per repo."""
    def big(owner: OwnerId) -> dict[str, list[Assigned]]:
        return {"Big": [listed(RepoId("github", "big", f"r{i}"), 1000 + i, owner)
                        for i in range(1000)]}

    with database.session() as session:
        sync_members(session, big(OwnerId("github", "big")), (), T0)
        with recorded(database) as statements:
            sync_members(session, big(OwnerId("github", "BIG")), (), T0 + DAY)
        vias = {m.via for rows in store_stays.current_members(session.connection()).values()
                for m in rows}
    assert {str(v) for v in vias} == {"github:BIG"}
    assert len(statements) <= 8


# -- what the tests above leave open ---------------------------------------------------------


def test_a_named_repo_never_collected_keeps_its_row_when_its_owner_lists_it(
    session: Session,
) -> None:
    """Its row has no platform id yet: the listing's id is another fact, not another repo."""
    first = sync_members(session, {"Paddle": [named(OCR)]}, (), T0)[OCR.key]
    series.write_observations(session, [ObservationIn(first.id or 0, "stars", T0, 5)])
    again = sync_members(session, {"Paddle": [listed(OCR, 11)]}, (), T0 + DAY)[OCR.key]
    assert again.id == first.id
    assert count(session, Repo) == 1


def test_a_repo_renamed_to_the_name_of_one_that_left_takes_the_name(session: Session) -> None:
    """The row that left keeps its history under no name; the renamed one takes the key."""
    rows = sync_members(session, PADDLE_TODAY, (), T0)
    sync_members(session, {"Paddle": [named(PADDLE), listed(NLP, 12)]}, (), T0 + DAY)
    again = sync_members(session, {"Paddle": [named(PADDLE), listed(OCR, 12)]}, (),
                         T0 + 2 * DAY)
    assert again[OCR.key].id == rows[NLP.key].id
    stored = session.get(Repo, rows[OCR.key].id)
    assert stored is not None and stored.config_key is None
    assert count(session, Repo) == 3


def test_named_repos_come_before_listed_ones_whatever_their_names(session: Session) -> None:
    zoo = RepoId("github", "PaddlePaddle", "zoo")
    sync_members(session, {"Paddle": [named(zoo), listed(OCR, 11)]}, (), T0)
    assert current(session) == {"Paddle": [
        ("github:PaddlePaddle/zoo", None),
        ("github:PaddlePaddle/PaddleOCR", "github:PaddlePaddle"),
    ]}


def test_a_repo_that_left_twice_is_told_once_with_its_last_leave(session: Session) -> None:
    sync_members(session, PADDLE_TODAY, (), T0)
    sync_members(session, {"Paddle": [named(PADDLE), listed(NLP, 12)], "OCR": [named(OCR)]},
                 (), T0 + DAY)
    sync_members(session, {"Paddle": [named(PADDLE), listed(NLP, 12)],
                           "Vision": [listed(OCR, 11, OwnerId("github", "PaddleCV"))]},
                 (), T0 + 2 * DAY)
    sync_members(session, {"Paddle": [named(PADDLE), listed(NLP, 12)]}, (), T0 + 3 * DAY)
    left = store_stays.left_members(session.connection())
    assert [(r.repo, r.project, str(r.via), r.left_at) for r in left] == [
        ("github:PaddlePaddle/PaddleOCR", "Vision", "github:PaddleCV", T0 + 3 * DAY)]


def test_two_rows_of_one_repo_open_in_two_projects_merge_into_one_member(
    session: Session,
) -> None:
    """No repo counts twice: the newest stay stays open, the other ends where it began."""
    old_id, new_id = RepoId("github", "oldorg", "tool"), RepoId("github", "neworg", "tool")
    old = series.sync_projects(session, [("Old", [old_id])], T0)[old_id.key]
    series.record_identity(session, old, 42, "oldorg", "tool")
    new = series.sync_projects(session, [("Old", [old_id]), ("New", [new_id])],
                               T0 + DAY)[new_id.key]
    series.record_identity(session, new, 42, "neworg", "tool")
    members = store_stays.current_members(session.connection())
    assert [(project, len(rows)) for project, rows in members.items()] == [("New", 1)]
    assert [(s.project, s.joined_at, s.left_at)
            for rows in store_stays.project_stays(session.connection()).values()
            for s in rows] == [("New", T0 + DAY, None), ("Old", T0, T0 + DAY)]
