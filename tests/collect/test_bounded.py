"""What cycles keep over months: a cycle reads only the cached answers it asks for; the HTTP
cache keeps only what the tracked repos' requests still ask for, and the errors table only what
``status`` and the reports still need."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import col, select

from monitor.cached import CachedResponse
from monitor.commands.collect import collect
from monitor.config.repos import load_repos
from monitor.config.settings import Settings
from monitor.platforms.base import Platform, ResponseCache
from monitor.store.cache import KEEP_UNUSED, StoreCache
from monitor.store.failing import KEEP_ERRORS
from monitor.store.models import HttpCacheEntry
from tests.fakes import FakeRepo
from tests.harness import HEALTHY, REPOS_TOML, T0, Monitor

ANSWER = CachedResponse('"x"', None, 200, {}, b"{}")
BOOSTER = '[[projects]]\nname = "Booster"\nrepos = ["github:acme/booster"]\n'


def cached_keys(monitor: Monitor) -> list[str]:
    with monitor.database.session() as session:
        return list(session.exec(select(HttpCacheEntry.key).order_by(col(HttpCacheEntry.key))))


def test_an_untracked_repos_answers_are_gone_after_the_next_cycle(monitor: Monitor) -> None:
    monitor.collect()
    booster = [k for k in cached_keys(monitor) if "acme/booster" in k or "repositories/105" in k]
    assert booster  # anonymous GitHub: its REST answers were cached
    (monitor.home / "config" / "repos.toml").write_text(REPOS_TOML.replace(BOOSTER, ""))
    monitor.collect(now=T0 + timedelta(hours=6))
    left = cached_keys(monitor)
    assert not set(booster) & set(left)
    assert any("acme/rocket" in k or "repositories/101" in k for k in left)


def test_a_cycle_reads_only_the_cached_answers_it_asks_for(monitor: Monitor) -> None:
    unrelated = StoreCache(monitor.database)
    for n in range(300):
        unrelated.put(f"https://elsewhere.example/api/{n}", ANSWER)
    with monitor.database.session() as session:
        unrelated.flush(session, T0)
    monitor.collect(*HEALTHY)
    monitor.fake.clear_log()
    caches: list[StoreCache] = []

    def opener(name: str, settings: Settings, cache: ResponseCache) -> Platform:
        assert isinstance(cache, StoreCache)
        caches.append(cache)
        return monitor.open_platform(name, settings, cache)

    monitor.clock.set(T0 + timedelta(hours=6))
    settings = monitor.settings()
    asyncio.run(collect(settings, monitor.database, load_repos(settings.repos_path),
                        platform_factory=opener))
    asked = [r for r in monitor.fake.requests if r.method == "GET"]
    assert caches and 0 < caches[0].rows_loaded <= len(asked)
    assert caches[0].pending == 0  # every answer put was flushed with its batch


def stargazer_pages(monitor: Monitor) -> set[int]:
    """The Gitee stargazer pages the cache holds."""
    return {int(k.split("page=")[1].split("&")[0]) for k in cached_keys(monitor)
            if "/stargazers?" in k}


def test_a_page_past_the_end_of_a_shrunken_list_is_gone_once_unused(monitor: Monitor) -> None:
    rocket = monitor.fake.gitee.repo("acme/rocket")
    start = T0 - timedelta(days=400)
    rocket.star_times = [start + timedelta(days=i) for i in range(250)]  # three pages of 100
    rocket.stars = 250
    monitor.collect("gitee:acme/rocket")
    monitor.backfill("gitee:acme/rocket", now=T0)
    assert stargazer_pages(monitor) == {1, 2, 3}
    for when in list(rocket.star_times[150:]):
        rocket.withdraw_star(when, T0)  # two pages left, as the next collection tells
    monitor.collect("gitee:acme/rocket", now=T0 + timedelta(days=1))
    monitor.backfill("gitee:acme/rocket")
    later = T0 + KEEP_UNUSED + timedelta(days=2)
    monitor.collect("gitee:acme/rocket", now=later)
    monitor.fake.clear_log()
    monitor.backfill("gitee:acme/rocket")
    asked = {int(r.query.get("page", "1")) for r in monitor.fake.requests_for("gitee")
             if r.path.endswith("/stargazers")}
    assert asked and asked <= stargazer_pages(monitor)
    assert 3 not in stargazer_pages(monitor)


def test_an_error_a_collection_superseded_long_ago_is_gone_after_a_cycle(
    monitor: Monitor,
) -> None:
    monitor.collect("github:acme/gone")  # 404
    monitor.fake.github.add(FakeRepo(id=106, owner="acme", name="gone", stars=1))
    monitor.collect("github:acme/gone", now=T0 + timedelta(hours=1))
    assert "github:acme/gone" in monitor.errors()  # history: needed by reports for a while
    monitor.collect("github:acme/gone", now=T0 + KEEP_ERRORS + timedelta(hours=2))
    assert "github:acme/gone" not in monitor.errors()
