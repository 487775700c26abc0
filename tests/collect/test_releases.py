"""Releases published between two collections are all stored, on every platform and path.

Each cycle pages back through the platform's release list until it meets what the store already
knows, so nothing published between cycles is lost however many there were; a cycle with no new
release costs no request beyond the one it always makes. The clock is moved, never slept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from monitor.store.models import Release, Repo
from monitor.store.series import ReleaseIn, upsert_release_rows
from tests.fakes import FakeRelease, FakeRepo
from tests.harness import T0, Monitor

ROCKETS = ("github:acme/rocket", "gitee:acme/rocket")


def rocket(monitor: Monitor, repo: str) -> FakeRepo:
    platform, full = repo.split(":")
    found: FakeRepo = getattr(monitor.fake, platform).repo(full)
    return found


def publish(monitor: Monitor, count: int, after: datetime, prefix: str = "v3.") -> None:
    """*count* releases on both rockets, published one minute apart after *after*."""
    for repo in ROCKETS:
        rocket(monitor, repo).releases.extend(
            FakeRelease(f"{prefix}{i}", f"{prefix}{i}", after + timedelta(minutes=i + 1))
            for i in range(count)
        )


def stored(monitor: Monitor, repo: str) -> dict[str, datetime | None]:
    with monitor.database.session() as session:
        rows = session.exec(
            select(Release.tag, Release.published_at)
            .join(Repo, col(Repo.id) == col(Release.repo_id))
            .where(Repo.config_key == repo)
        )
        return {tag: published for tag, published in rows}


def published(monitor: Monitor, repo: str) -> set[str]:
    return {r.tag for r in rocket(monitor, repo).published_releases()}


def release_requests(monitor: Monitor) -> list[str]:
    return [f"{r.platform}:{r.path}" for r in monitor.fake.requests
            if r.path.endswith("/releases") or r.path.endswith("/graphql")]


def test_releases_published_between_collections_are_all_stored(
    monitor: Monitor, mode: str
) -> None:
    monitor.collect(*ROCKETS, now=T0)
    publish(monitor, 12, T0)
    monitor.collect(*ROCKETS, now=T0 + timedelta(days=1))
    for repo in ROCKETS:
        assert set(stored(monitor, repo)) == published(monitor, repo), repo


def test_more_releases_than_a_page_are_paged_back(monitor: Monitor, mode: str) -> None:
    monitor.collect(*ROCKETS, now=T0)
    publish(monitor, 230, T0)
    monitor.collect(*ROCKETS, now=T0 + timedelta(days=1))
    for repo in ROCKETS:
        assert set(stored(monitor, repo)) == published(monitor, repo), repo
        assert len(stored(monitor, repo)) == 233


def test_the_first_collection_stores_every_published_release(
    monitor: Monitor, mode: str
) -> None:
    monitor.collect(*ROCKETS, now=T0)
    for repo in ROCKETS:
        assert set(stored(monitor, repo)) == published(monitor, repo) == {
            "v1.0.0", "v1.1.0-rc1", "v1.1.0"}  # the draft v2.0.0 never


def test_a_release_published_late_from_an_old_draft_is_stored(
    monitor: Monitor, mode: str
) -> None:
    """Created before the known releases (a draft), published after: its place in a list
    ordered by creation is behind them, yet the platform's count says one is missing."""
    monitor.collect(*ROCKETS, now=T0)
    for repo in ROCKETS:
        draft = next(r for r in rocket(monitor, repo).releases if r.tag == "v2.0.0")
        draft.draft, draft.published_at = False, T0 + timedelta(hours=5)
        draft.created_at = datetime(2024, 1, 1, tzinfo=T0.tzinfo)
    monitor.collect(*ROCKETS, now=T0 + timedelta(days=1))
    for repo in ROCKETS:
        assert stored(monitor, repo)["v2.0.0"] == T0 + timedelta(hours=5), repo


def test_a_cycle_with_no_new_release_makes_no_extra_release_request(
    monitor: Monitor, mode: str
) -> None:
    monitor.configure(details_every="1h")  # when Gitee's release list is read again
    monitor.collect(*ROCKETS, now=T0)
    monitor.fake.clear_log()
    monitor.collect(*ROCKETS, now=T0 + timedelta(hours=1))
    want = ["gitee:/gitee/api/v5/repos/acme/rocket/releases"]
    want += (["github:/github/graphql"] if mode == "graphql" else
             ["github:/github/repos/acme/rocket/releases"])
    assert sorted(release_requests(monitor)) == sorted(want)


def test_one_new_release_is_stored_with_its_publication_time(
    monitor: Monitor, mode: str
) -> None:
    monitor.configure(details_every="1h")  # when Gitee's release list is read again
    monitor.collect(*ROCKETS, now=T0)
    publish(monitor, 1, T0)
    monitor.collect(*ROCKETS, now=T0 + timedelta(hours=1))
    for repo in ROCKETS:
        assert stored(monitor, repo)["v3.0"] == T0 + timedelta(minutes=1), repo


def test_the_same_release_twice_in_one_write_is_stored_once(monitor: Monitor) -> None:
    """PostgreSQL refuses an upsert that names one row twice (CardinalityViolation)."""
    monitor.collect("github:acme/rocket", now=T0)
    with monitor.database.session() as session:
        repo_id = session.exec(
            select(Repo.id).where(Repo.config_key == "github:acme/rocket")).one()
    assert repo_id is not None
    old = ReleaseIn("v9", "nine", T0, False, None)
    new = ReleaseIn("v9", "nine again", T0 + timedelta(hours=1), False, None)
    with monitor.database.session(write=True) as session:
        upsert_release_rows(session, [(repo_id, old), (repo_id, new)])
    assert stored(monitor, "github:acme/rocket")["v9"] == T0 + timedelta(hours=1)
