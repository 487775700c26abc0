"""Conditional-request validators survive restarts: the store side of the ETag cache.

An entry is read when a request asks for it, never before (a cycle holds no more than the answers
it is using); it belongs to the repo the request was about, and goes when that repo is no longer
tracked or when no request asked for it for :data:`~monitor.store.cache.KEEP_UNUSED`.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from monitor.cached import CachedResponse, owned_by
from monitor.store.cache import KEEP_UNUSED, StoreCache, prune
from monitor.store.db import Database
from monitor.store.models import HttpCacheEntry

T0 = datetime(2026, 11, 27, 3, tzinfo=UTC)
ANSWER = CachedResponse(
    etag='"abc"', last_modified="Fri, 27 Nov 2026 03:00:00 GMT", status=200,
    headers={"link": '<https://x/?page=9>; rel="last"'}, body=b'{"stargazers_count": 7}',
)


def _get(cache: StoreCache, key: str) -> CachedResponse | None:
    return asyncio.run(cache.get(key))


def _flush(database: Database, cache: StoreCache, at: datetime = T0) -> int:
    with database.session() as session:
        return cache.flush(session, at)


def _stored(database: Database) -> dict[str, str | None]:
    with database.session() as session:
        rows = session.exec(select(HttpCacheEntry.key, HttpCacheEntry.repo)
                            .order_by(col(HttpCacheEntry.key)))
        return {key: repo for key, repo in rows}


def _put(cache: StoreCache, key: str, repo: str | None) -> None:
    if repo is None:
        cache.put(key, ANSWER)
        return
    with owned_by(repo):
        cache.put(key, ANSWER)


def test_a_flushed_entry_is_there_after_reopening(database: Database) -> None:
    cache = StoreCache(database)
    cache.put("https://api.github.com/repos/a/b", ANSWER)
    assert _flush(database, cache) == 1
    assert _get(StoreCache(database), "https://api.github.com/repos/a/b") == ANSWER


def test_an_entry_not_flushed_is_not_stored(database: Database) -> None:
    StoreCache(database).put("k", ANSWER)
    assert _get(StoreCache(database), "k") is None


def test_an_entry_put_is_answered_before_it_is_flushed(database: Database) -> None:
    cache = StoreCache(database)
    cache.put("k", ANSWER)
    assert _get(cache, "k") == ANSWER


def test_putting_again_replaces_the_entry(database: Database) -> None:
    cache = StoreCache(database)
    cache.put("k", ANSWER)
    _flush(database, cache)
    newer = CachedResponse('"def"', None, 200, {}, b"{}")
    cache.put("k", newer)
    assert _flush(database, cache) == 1
    assert _get(StoreCache(database), "k") == newer


def test_a_second_flush_writes_nothing_new(database: Database) -> None:
    cache = StoreCache(database)
    cache.put("k", ANSWER)
    _flush(database, cache)
    assert _flush(database, cache) == 0


def test_a_lookup_reads_only_the_entry_asked_for(database: Database) -> None:
    seeding = StoreCache(database)
    for n in range(50):
        seeding.put(f"https://gitee.com/api/v5/repos/a/b/stargazers?page={n}", ANSWER)
    _flush(database, seeding)
    cache = StoreCache(database)
    assert _get(cache, "https://gitee.com/api/v5/repos/a/b/stargazers?page=7") == ANSWER
    assert _get(cache, "https://gitee.com/api/v5/repos/a/b/stargazers?page=99") is None
    assert cache.rows_loaded == 1


def test_a_flushed_entry_is_no_longer_held_in_memory(database: Database) -> None:
    cache = StoreCache(database)
    cache.put("k", ANSWER)
    _flush(database, cache)
    assert cache.pending == 0
    assert _get(cache, "k") == ANSWER
    assert cache.rows_loaded == 1  # read back from the database, not kept


def test_an_entry_belongs_to_the_repo_its_request_was_about(database: Database) -> None:
    cache = StoreCache(database)
    _put(cache, "https://api.github.com/repos/a/b", "github:a/b")
    _put(cache, "https://api.github.com/rate_limit", None)
    _flush(database, cache)
    assert _stored(database) == {
        "https://api.github.com/rate_limit": None,
        "https://api.github.com/repos/a/b": "github:a/b",
    }


def test_pruning_deletes_the_entries_of_untracked_repos(database: Database) -> None:
    cache = StoreCache(database)
    _put(cache, "https://api.github.com/repos/a/kept", "github:a/kept")
    _put(cache, "https://api.github.com/repos/a/gone", "github:a/gone")
    _flush(database, cache)
    with database.session() as session:
        assert prune(session, ["github:a/kept"], T0) == 1
    assert list(_stored(database)) == ["https://api.github.com/repos/a/kept"]


def test_pruning_deletes_entries_no_request_asked_for_in_a_while(database: Database) -> None:
    cache = StoreCache(database)
    _put(cache, "https://x/asked", "github:a/b")
    _put(cache, "https://x/superseded", "github:a/b")
    _flush(database, cache, T0)
    later = T0 + KEEP_UNUSED + timedelta(hours=1)
    reader = StoreCache(database)
    assert _get(reader, "https://x/asked") == ANSWER  # a 304 keeps an entry alive
    _flush(database, reader, later)
    with database.session() as session:
        assert prune(session, ["github:a/b"], later) == 1
    assert list(_stored(database)) == ["https://x/asked"]


def test_cancelling_a_lookup_returns_once_its_read_has_ended(database: Database) -> None:
    """A lookup reads like every other database read (:mod:`monitor.store.threads`): cancelling
    it interrupts the read and returns only when the worker thread is done, so no database work
    outlives the cycle that started it."""
    entered, release, ended = threading.Event(), threading.Event(), threading.Event()

    def hold(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM http_cache" in statement:
            entered.set()
            release.wait(timeout=30)
            ended.set()

    async def scenario() -> bool:
        lookup = asyncio.create_task(StoreCache(database).get("k"))
        assert await asyncio.to_thread(entered.wait, 30)  # the read is running
        lookup.cancel()
        for _ in range(10):  # a lookup that left its read to the thread has returned by now
            await asyncio.sleep(0)
        returned = lookup.done()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await lookup
        return returned

    event.listen(database.engine, "before_cursor_execute", hold)
    try:
        assert not asyncio.run(scenario()), "the cancelled lookup returned while its read ran on"
        assert ended.is_set()
    finally:
        release.set()
        event.remove(database.engine, "before_cursor_execute", hold)
