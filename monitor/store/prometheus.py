"""What a Prometheus scrape reads besides ``status``: the latest values of the tracked repos."""

from __future__ import annotations

from collections.abc import Collection

from sqlmodel import Session

from monitor.store.series import LatestValues, latest_values
from monitor.store.status import repos_by_id

__all__ = ["latest_by_key"]


def latest_by_key(session: Session, keys: Collection[str]) -> dict[str, LatestValues]:
    """The latest collected values of the repos listed under *keys* (config keys), by key.

    A key the store has no row for, or whose repo was never collected, is absent.
    """
    if not keys:
        return {}
    key_of = {
        repo_id: row.config_key
        for repo_id, row in repos_by_id(session.connection(), keys).items()
        if row.config_key is not None
    }
    if not key_of:
        return {}
    latest = latest_values(session, list(key_of))
    return {key_of[repo_id]: seen for repo_id, seen in latest.items()}
