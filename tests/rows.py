"""Setting what a collection would have stored of a repo's row, for tests that start there."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from monitor.store import tables


def set_created_at(session: Session, repo_id: int, at: datetime) -> None:
    """Store *at* as the repo's creation time, as a collection that read it would."""
    r = tables.repo
    session.connection().execute(r.update().where(r.c.id == repo_id).values(created_at=at))
