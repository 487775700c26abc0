"""The store's side of conditional requests: the HTTP layer's response cache, backed by a table.

An entry is read when a request asks for it (one primary-key lookup, off the event loop and
interruptible like every database read: :meth:`~monitor.store.db.Database.read`), never before:
a cycle holds in memory only the answers put since its last flush. Entries changed are written in
the same transaction as the batch whose answers they are — so the validators on disk always match
the values stored.

The table stays bounded (:func:`prune`): an entry belongs to the repo its request was about
(:func:`monitor.cached.owned_by`) and goes when that repo is no longer tracked; an entry no
request asked for in :data:`KEEP_UNUSED` goes too (a page past the end of a list that shrank, the
URL of a repo's old name, a repo whose collection stopped).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy import select as core_select
from sqlmodel import Session

from monitor.cached import CachedResponse, cache_owner
from monitor.errors import StorageError
from monitor.store.db import Database, atomic, dialect_insert
from monitor.store.models import HttpCacheEntry
from monitor.store.sql import chunked, table

__all__ = ["KEEP_UNUSED", "StoreCache", "prune"]

log = logging.getLogger(__name__)

#: An entry no request asked for in this long is deleted: longer than any cadence a repo's URLs
#: are asked on (collection, contributors, backfill's newest page), so only those nobody asks
#: for any more go; a deep history page read again after that costs one full answer.
KEEP_UNUSED = timedelta(days=30)


class StoreCache:
    """Earlier answers by request key: ``get`` and ``put`` for the HTTP layer, ``flush`` to keep
    them (it matches the platforms' ``ResponseCache`` protocol structurally)."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._pending: dict[str, tuple[CachedResponse, str | None]] = {}  # put, not flushed
        self._asked: set[str] = set()  # answered from the table since the last flush
        # The event loop puts while worker threads read and flush.
        self._lock = threading.Lock()
        #: Rows read from the table since creation (what a cycle costs in memory and reads).
        self.rows_loaded = 0

    @property
    def pending(self) -> int:
        """Entries put and not yet flushed: all this cache holds in memory."""
        with self._lock:
            return len(self._pending)

    async def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            held = self._pending.get(key)
        if held is not None:
            return held[0]
        try:
            return await self._database.read(self._read, key)
        except StorageError as exc:  # a miss costs one full answer; the batch write will tell
            log.warning("cache.read_failed reason=%s", exc)
            return None

    def put(self, key: str, response: CachedResponse) -> None:
        with self._lock:
            self._pending[key] = (response, cache_owner())

    def _read(self, session: Session, key: str) -> CachedResponse | None:
        e = table(HttpCacheEntry)
        stmt = core_select(e.c.etag, e.c.last_modified, e.c.status, e.c.headers, e.c.body).where(
            e.c.key == key
        )
        row = session.connection().execute(stmt).first()
        if row is None:
            return None
        with self._lock:
            self.rows_loaded += 1
            self._asked.add(key)
        etag, modified, status, headers, body = row
        return CachedResponse(etag, modified, status, json.loads(headers), body)

    def flush(self, session: Session, now: datetime) -> int:
        """Write the entries put since the last flush, and mark those asked for as used, at
        *now*; returns how many entries were written."""
        with self._lock:
            dirty, self._pending = self._pending, {}
            asked, self._asked = self._asked - dirty.keys(), set()
        rows = [
            {"key": key, "repo": repo, "etag": r.etag, "last_modified": r.last_modified,
             "status": r.status, "headers": json.dumps(r.headers, sort_keys=True),
             "body": r.body, "stored_at": now, "used_at": now}
            for key, (r, repo) in sorted(dirty.items())
        ]
        e = table(HttpCacheEntry)
        with atomic(session):
            if rows:
                stmt = dialect_insert(session, table(HttpCacheEntry)).values(rows)
                stmt = stmt.on_conflict_do_update(
                    index_elements=["key"],
                    set_={c: stmt.excluded[c] for c in rows[0] if c != "key"},
                )
                session.exec(stmt)
            for chunk in chunked(sorted(asked)):
                session.connection().execute(
                    update(e).where(e.c.key.in_(chunk)).values(used_at=now)
                )
        return len(rows)


def prune(session: Session, tracked: Collection[str], now: datetime) -> int:
    """Delete the entries of repos not in *tracked* (config keys) and those no request asked
    for in :data:`KEEP_UNUSED`; returns how many went."""
    e = table(HttpCacheEntry)
    conn = session.connection()
    with atomic(session):
        gone = _count(conn.execute(delete(e).where(e.c.used_at < now - KEEP_UNUSED)))
        owners = {
            owner for (owner,) in conn.execute(
                core_select(e.c.repo).where(e.c.repo.is_not(None)).distinct()
            )
        }
        for chunk in chunked(sorted(owners - set(tracked))):
            gone += _count(conn.execute(delete(e).where(e.c.repo.in_(chunk))))
    return gone


def _count(result: object) -> int:
    count: int = getattr(result, "rowcount", 0)
    return count
