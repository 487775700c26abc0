"""pytest fixtures over the fakes; wire them in with ``from tests.fakes.fixtures import *``
(or ``pytest_plugins = ["tests.fakes.fixtures"]``) in a conftest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from monitor.clock import ManualClock, system_clock

from .gitee import FakeGitee
from .github import FakeGitHub
from .server import FakeServer
from .state import FakeRelease, FakeRepo

__all__ = ["default_gitee", "default_github", "fake_server", "manual_clock"]


def _releases() -> list[FakeRelease]:
    return [
        FakeRelease("v1.0.0", "1.0", datetime(2024, 1, 10, 12, tzinfo=UTC)),
        FakeRelease("v1.1.0-rc1", "1.1 rc1", datetime(2024, 3, 1, 9, tzinfo=UTC), prerelease=True),
        FakeRelease("v1.1.0", "1.1", datetime(2024, 3, 15, 18, tzinfo=UTC), body="notes"),
        FakeRelease("v2.0.0", "2.0 draft", None, draft=True),
    ]


def _star_times(start: datetime, n: int) -> list[datetime]:
    return [start + timedelta(hours=37 * i) for i in range(n)]


def default_github() -> FakeGitHub:
    """acme/rocket (active), acme/empty (no commits), acme/secret (private),
    acme/banned (DMCA-blocked)."""
    created = datetime(2023, 6, 1, 8, tzinfo=UTC)
    return FakeGitHub(
        [
            FakeRepo(
                id=101, owner="acme", name="rocket", created_at=created, forks=7, watchers=5,
                open_issues=4, open_prs=3, contributors=12, anonymous_contributors=2,
                releases=_releases(), description="A rocket",
                star_times=_star_times(created + timedelta(days=2), 42),
            ),
            FakeRepo(id=102, owner="acme", name="empty", created_at=created, empty=True),
            FakeRepo(id=103, owner="acme", name="secret", private=True),
            FakeRepo(id=104, owner="acme", name="banned", blocked=True),
        ]
    )  # fmt: skip


def default_gitee() -> FakeGitee:
    """acme/rocket (the Gitee mirror) and acme/empty."""
    created = datetime(2023, 7, 1, 2, tzinfo=UTC)
    return FakeGitee(
        [
            FakeRepo(
                id=8725354, owner="acme", name="rocket", created_at=created, forks=2,
                watchers=9, open_issues=1, open_prs=2, contributors=5, releases=_releases(),
                star_times=_star_times(created + timedelta(days=1), 25), owner_type="User",
            ),
            FakeRepo(id=8725355, owner="acme", name="empty", created_at=created, empty=True),
        ]
    )  # fmt: skip


@pytest.fixture
def manual_clock() -> ManualClock:
    """The test's one clock, shared by the fakes and the monitor; it stands still unless moved.

    It starts at the real now, read once, so a test written against the wall clock keeps its
    meaning; a test about time sets it (``clock.set(...)``, ``clock.advance(days=1)``).
    """
    return ManualClock(system_clock())


@pytest.fixture
def fake_server(manual_clock: ManualClock) -> Iterator[FakeServer]:
    """A started FakeServer with the default repos, on the test's clock; stopped after."""
    with FakeServer(github=default_github(), gitee=default_gitee(), clock=manual_clock) as server:
        yield server
