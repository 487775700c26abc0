"""The order a run tells its members in (``member_rows``): each project's assigned repos as
assigned, then the members kept from owners whose listing failed, by project and owner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from monitor.commands.plan import member_rows
from monitor.config.members import Assigned, Assignment
from monitor.config.tracked import Project, Tracked
from monitor.ids import OwnerId, RepoId
from monitor.store.db import Database

T0 = datetime(2026, 5, 1, tzinfo=UTC)
DAY = timedelta(days=1)
PADDLE_ORG, TORCH_ORG = OwnerId("github", "PaddlePaddle"), OwnerId("github", "pytorch")
GITEE_PADDLE = OwnerId("gitee", "paddlepaddle")
PADDLE = RepoId("github", "PaddlePaddle", "Paddle")
OCR = RepoId("github", "PaddlePaddle", "PaddleOCR")
MIRROR = RepoId("gitee", "paddlepaddle", "Paddle")
TORCH = RepoId("github", "pytorch", "pytorch")
VISION = RepoId("github", "pytorch", "vision")

TRACKED = Tracked({}, (
    Project("Torch", (), (), (TORCH_ORG,)),
    Project("Paddle", (), (PADDLE,), (PADDLE_ORG, GITEE_PADDLE)),
))


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session


def assignment(projects: dict[str, list[Assigned]], *unlisted: OwnerId) -> Assignment:
    return Assignment({name: tuple(found) for name, found in projects.items()},
                      frozenset(unlisted))


EVERYONE = assignment({
    "Torch": [Assigned(VISION, TORCH_ORG, 3), Assigned(TORCH, TORCH_ORG, 2)],
    "Paddle": [Assigned(PADDLE, None), Assigned(OCR, PADDLE_ORG, 11),
               Assigned(MIRROR, GITEE_PADDLE, 99)],
})


def told(session: Session, given: Assignment, now: datetime) -> list[tuple[str, str | None]]:
    return [(str(m.repo), None if m.via is None else str(m.via))
            for m in member_rows(session, TRACKED, given, now)]


def test_members_come_in_the_order_they_were_assigned(session: Session) -> None:
    assert told(session, EVERYONE, T0) == [
        ("github:pytorch/vision", "github:pytorch"), ("github:pytorch/pytorch", "github:pytorch"),
        ("github:PaddlePaddle/Paddle", None),
        ("github:PaddlePaddle/PaddleOCR", "github:PaddlePaddle"),
        ("gitee:paddlepaddle/Paddle", "gitee:paddlepaddle"),
    ]


def test_members_kept_from_unlisted_owners_follow_by_project_then_owner(
    session: Session,
) -> None:
    told(session, EVERYONE, T0)
    failed = assignment({"Torch": [], "Paddle": [Assigned(PADDLE, None)]},
                        TORCH_ORG, PADDLE_ORG, GITEE_PADDLE)
    assert told(session, failed, T0 + DAY) == [
        ("github:PaddlePaddle/Paddle", None),
        ("github:pytorch/pytorch", "github:pytorch"), ("github:pytorch/vision", "github:pytorch"),
        ("gitee:paddlepaddle/Paddle", "gitee:paddlepaddle"),
        ("github:PaddlePaddle/PaddleOCR", "github:PaddlePaddle"),
    ]


def test_each_member_comes_with_its_own_row(session: Session) -> None:
    members = member_rows(session, TRACKED, EVERYONE, T0)
    assert [(m.row.owner, m.row.name, m.row.platform_id) for m in members] == [
        ("pytorch", "vision", 3), ("pytorch", "pytorch", 2), ("PaddlePaddle", "Paddle", None),
        ("PaddlePaddle", "PaddleOCR", 11), ("paddlepaddle", "Paddle", 99),
    ]
