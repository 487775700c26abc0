"""Conditional-request validators survive restarts: the store side of the ETag cache."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.platforms.base import CachedResponse
from monitor.store.cache import StoreCache
from monitor.store.db import Database

T0 = datetime(2026, 11, 27, 3, tzinfo=UTC)
ANSWER = CachedResponse(
    etag='"abc"', last_modified="Fri, 27 Nov 2026 03:00:00 GMT", status=200,
    headers={"link": '<https://x/?page=9>; rel="last"'}, body=b'{"stargazers_count": 7}',
)


def test_a_flushed_entry_is_there_after_reloading(database: Database) -> None:
    cache = StoreCache.load(database)
    cache.put("https://api.github.com/repos/a/b", ANSWER)
    with database.session() as session:
        assert cache.flush(session, T0) == 1
    assert StoreCache.load(database).get("https://api.github.com/repos/a/b") == ANSWER


def test_an_entry_not_flushed_is_not_stored(database: Database) -> None:
    StoreCache.load(database).put("k", ANSWER)
    assert StoreCache.load(database).get("k") is None


def test_putting_again_replaces_the_entry(database: Database) -> None:
    cache = StoreCache.load(database)
    cache.put("k", ANSWER)
    with database.session() as session:
        cache.flush(session, T0)
    newer = CachedResponse('"def"', None, 200, {}, b"{}")
    cache.put("k", newer)
    with database.session() as session:
        assert cache.flush(session, T0) == 1
    assert StoreCache.load(database).get("k") == newer


def test_a_second_flush_writes_nothing_new(database: Database) -> None:
    cache = StoreCache.load(database)
    cache.put("k", ANSWER)
    with database.session() as session:
        cache.flush(session, T0)
        assert cache.flush(session, T0) == 0
