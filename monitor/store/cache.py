"""The store's side of conditional requests: the HTTP layer's response cache, backed by a table.

A cycle loads every entry once (one query), answers the HTTP layer from memory, and writes
the entries it changed in the same transaction as the batch whose answers they are — so the
validators on disk always match the values stored.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime

from sqlmodel import Session, select

from monitor.cached import CachedResponse
from monitor.store.db import Database, atomic, dialect_insert
from monitor.store.models import HttpCacheEntry

__all__ = ["StoreCache"]


class StoreCache:
    """Earlier answers by request key: ``get`` and ``put`` for the HTTP layer, ``flush`` to keep
    them (it matches the platforms' ``ResponseCache`` protocol structurally)."""

    def __init__(self, entries: dict[str, CachedResponse] | None = None):
        self._entries = dict(entries or {})
        self._dirty: set[str] = set()
        # The event loop puts while a worker thread flushes the previous batch.
        self._lock = threading.Lock()

    @classmethod
    def load(cls, database: Database) -> StoreCache:
        with database.session() as session:
            rows = session.exec(select(HttpCacheEntry)).all()
            return cls({row.key: _response(row) for row in rows})

    def get(self, key: str) -> CachedResponse | None:
        return self._entries.get(key)

    def put(self, key: str, response: CachedResponse) -> None:
        with self._lock:
            self._entries[key] = response
            self._dirty.add(key)

    def flush(self, session: Session, now: datetime) -> int:
        """Write the entries changed since the last flush, stored at *now*; returns how many."""
        with self._lock:
            dirty = {key: self._entries[key] for key in self._dirty}
            self._dirty.clear()
        if not dirty:
            return 0
        rows = [
            {"key": key, "etag": r.etag, "last_modified": r.last_modified, "status": r.status,
             "headers": json.dumps(r.headers, sort_keys=True), "body": r.body, "stored_at": now}
            for key, r in sorted(dirty.items())
        ]
        with atomic(session):
            stmt = dialect_insert(session, HttpCacheEntry).values(rows)
            stmt = stmt.on_conflict_do_update(
                index_elements=["key"],
                set_={c: stmt.excluded[c] for c in rows[0] if c != "key"},
            )
            session.exec(stmt)
        return len(rows)


def _response(row: HttpCacheEntry) -> CachedResponse:
    return CachedResponse(
        etag=row.etag,
        last_modified=row.last_modified,
        status=row.status,
        headers=json.loads(row.headers),
        body=row.body,
    )
