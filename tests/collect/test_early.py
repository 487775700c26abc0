"""Members stored from their owner's listing page while the next page is read
(:mod:`monitor.commands.early`): which members a page settles, and what a cycle does with them."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

import pytest
from sqlmodel import Session

from monitor.commands.early import EarlyWrites, read_stored
from monitor.commands.targets import Known, Planner
from monitor.config.repos import load_repos
from monitor.config.settings import Settings
from monitor.ids import OwnerId, RepoId
from monitor.platforms.base import (
    ListedRepo,
    OwnerListing,
    PageCallback,
    Platform,
    ResponseCache,
)
from monitor.store.cache import StoreCache
from monitor.store.series import ObservationIn, write_collected
from tests.collect.owners import OWNERS_ONLY_TOML, T1, T_DAY, add_nebula, expected, write_toml
from tests.dbfaults import refuse_observations
from tests.harness import T0, Monitor

NEBULA = OwnerId("github", "nebula")
STAR, MOON = RepoId("github", "nebula", "star"), RepoId("github", "nebula", "moon")


def listed(monitor: Monitor, repo: RepoId, **changes: Any) -> ListedRepo:
    """*repo* as the fake's listing of its owner shows it now, *changes* applied to its snapshot
    (``metrics=…``, ``name=…``)."""

    async def list_owner() -> OwnerListing:
        platform = monitor.open_platform("github", monitor.settings(), StoreCache(monitor.database))
        try:
            return await platform.list_owner(OwnerId("github", repo.owner))
        finally:
            await platform.aclose()

    found = next(r for r in asyncio.run(list_owner()).repos if r.repo == repo)
    return replace(found, snapshot=replace(found.snapshot, **changes))


def early(monitor: Monitor, owner: OwnerId, *pages: list[ListedRepo], now: datetime = T1,
          ) -> set[int]:
    """Tell *pages* of *owner*'s listing as a cycle at *now* would; the row ids stored early."""
    settings = monitor.settings()
    tracked = load_repos(settings.repos_path)

    def planner(known: Known) -> Planner:
        return Planner(known, now, contributors_every=settings.contributors_every,
                       details_every=settings.details_every)

    async def run() -> set[int]:
        async with asyncio.TaskGroup() as group:
            stored = group.create_task(monitor.database.read(read_stored))
            writes = EarlyWrites(monitor.database, tracked, stored, planner, now, group)
            for page in pages:
                writes.page(owner, page)
        return writes.written

    return asyncio.run(run())


def first_cycle(monitor: Monitor, toml: str = OWNERS_ONLY_TOML) -> None:
    monitor.use_tokens()
    add_nebula(monitor, toml)
    assert not monitor.collect(now=T0).having("failed")


def test_a_member_its_page_shows_as_its_row_names_it_is_stored_from_the_page(
    monitor: Monitor,
) -> None:
    first_cycle(monitor)
    star = listed(monitor, STAR)
    star = listed(monitor, STAR, metrics={**star.snapshot.metrics, "stars": 99})
    assert len(early(monitor, NEBULA, [star])) == 1
    assert monitor.values("github:nebula/star", T1)["stars"] == 99


def test_a_member_listed_twice_is_stored_once(
    monitor: Monitor, monkeypatch: pytest.MonkeyPatch,
) -> None:
    first_cycle(monitor)
    written: list[int] = []

    def recording(session: Session, values: list[ObservationIn], releases: Any) -> None:
        written.extend(sorted({v.repo_id for v in values}))
        write_collected(session, values, releases)

    monkeypatch.setattr("monitor.commands.early.write_collected", recording)
    star = listed(monitor, STAR)
    assert len(early(monitor, NEBULA, [star], [star, listed(monitor, MOON)])) == 2
    assert len(written) == len(set(written)) == 2


def test_a_renamed_member_waits_for_the_membership_step(monitor: Monitor) -> None:
    first_cycle(monitor)
    renamed = listed(monitor, STAR, name="supernova")
    assert early(monitor, NEBULA, [renamed]) == set()
    assert monitor.values("github:nebula/star", T1) == {}


def test_a_repo_that_is_not_a_member_yet_is_not_stored_early(monitor: Monitor) -> None:
    first_cycle(monitor)
    stranger = listed(monitor, STAR, platform_id=987_654)
    assert early(monitor, NEBULA, [stranger]) == set()


def test_a_member_listed_by_another_owner_is_not_stored_early(monitor: Monitor) -> None:
    first_cycle(monitor)
    write_toml(monitor, OWNERS_ONLY_TOML.replace('"gitee:nebula"', '"github:elsewhere"'))
    assert early(monitor, OwnerId("github", "elsewhere"), [listed(monitor, STAR)]) == set()


def test_a_member_its_project_no_longer_takes_is_not_stored_early(monitor: Monitor) -> None:
    first_cycle(monitor)
    write_toml(monitor, OWNERS_ONLY_TOML.replace(
        'orgs = ["github:nebula", "gitee:nebula"]',
        'orgs = ["github:nebula", "gitee:nebula"]\nexclude = ["github:nebula/st*"]'))
    assert early(monitor, NEBULA, [listed(monitor, STAR)]) == set()
    archived = replace(listed(monitor, MOON), archived=True)
    assert early(monitor, NEBULA, [archived]) == set()


def test_a_member_now_named_by_a_project_is_not_stored_early(monitor: Monitor) -> None:
    first_cycle(monitor)
    write_toml(monitor, OWNERS_ONLY_TOML + '\n[[projects]]\nname = "Star"\n'
               'repos = ["github:nebula/star"]\n')
    assert early(monitor, NEBULA, [listed(monitor, STAR)]) == set()


def test_a_member_with_metrics_due_beyond_its_listing_is_not_stored_early(
    monitor: Monitor,
) -> None:
    first_cycle(monitor)
    assert early(monitor, NEBULA, [listed(monitor, STAR)], now=T_DAY) == set()


class _Watched:
    """A platform whose owner listings return only once their pages' members are stored."""

    def __init__(self, platform: Platform, monitor: Monitor, repo: str) -> None:
        self._platform, self._monitor, self._repo = platform, monitor, repo
        self.stored_before_the_listing_ended = False

    def __getattr__(self, name: str) -> object:
        return getattr(self._platform, name)

    async def list_owner(self, owner: OwnerId, on_page: PageCallback | None = None,
                         ) -> OwnerListing:
        listing = await self._platform.list_owner(owner, on_page)
        async with asyncio.timeout(10):  # without early writes: nothing comes, and it fails
            while not await asyncio.to_thread(self._monitor.values, self._repo, T1):
                await asyncio.sleep(0.01)
        self.stored_before_the_listing_ended = True
        return listing


@pytest.mark.parametrize(("platform", "tokens"), [
    ("github", True), ("github", False), ("gitee", False)])
def test_a_repeat_cycle_stores_listed_members_before_the_listing_ends(
    monitor: Monitor, platform: str, tokens: bool,
) -> None:
    if tokens:
        monitor.use_tokens()
    add_nebula(monitor, OWNERS_ONLY_TOML)
    assert not monitor.collect(now=T0).having("failed")
    watched: list[_Watched] = []
    opener = monitor.open_platform

    def open_platform(name: str, settings: Settings, cache: ResponseCache) -> Platform:
        opened = opener(name, settings, cache)
        if name == platform:
            watched.append(_Watched(opened, monitor, f"{platform}:nebula/star"))
            return cast(Platform, watched[-1])
        return opened

    monitor.open_platform = open_platform  # type: ignore[method-assign]
    summary = monitor.collect(now=T1)
    assert watched[0].stored_before_the_listing_ended
    names = ("dust", "moon", "star") if platform == "github" else ("moon", "star")
    assert {str(o.repo): o.status for o in summary.outcomes if o.repo.platform == platform} == {
        f"{platform}:nebula/{n}": "collected" for n in names}
    for name in names:
        repo = f"{platform}:nebula/{name}"
        stored = monitor.values(repo, T1)
        assert stored and stored == {k: expected(repo)[k] for k in stored}, repo


def test_a_listing_failing_after_its_first_page_keeps_that_pages_members_asked_once(
    monitor: Monitor,
) -> None:
    monitor.use_tokens()
    write_toml(monitor, OWNERS_ONLY_TOML.replace(', "gitee:nebula"', ""))
    monitor.fake.github.add_owner_repos("nebula", 150, first_id=5000)
    assert not monitor.collect(now=T0).having("failed")
    monitor.fake.clear_log()
    monitor.fake.github.fail_next(4, 500, path_pattern="/graphql", after=1)  # page 2 fails
    summary = monitor.collect(now=T1)
    assert len(summary.having("collected")) == 150
    graphql = monitor.fake.requests_for("github", "/github/graphql")
    listing, batches = 1 + 4, 1  # page 1, page 2 tried four times; page 2's 50 members
    assert len(graphql) == listing + batches


def test_an_early_write_the_database_refuses_leaves_its_members_to_the_cycles_batches(
    monitor: Monitor, caplog: pytest.LogCaptureFixture,
) -> None:
    first_cycle(monitor)
    refuse_observations(monitor.database.engine, "github:nebula/star")
    summary = monitor.collect(now=T1)
    assert "collect.early_write_failed" in caplog.text
    failed = {str(o.repo): o.reason for o in summary.having("failed")}
    assert "injected refusal" in (failed.get("github:nebula/star") or "")
    assert monitor.errors()["github:nebula/star"] == "storage_error"
    assert monitor.values("gitee:nebula/star", T1)  # the other platform's are stored
