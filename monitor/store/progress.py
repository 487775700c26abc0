"""What the budget outlook reads: each tracked repo's first-backfill facts, and how many repos
each owner's listing has brought.

Plain Core reads on a :meth:`~monitor.store.db.Database.reading` connection, like
:mod:`monitor.store.status`, so ``status`` stays off the ORM. The arithmetic is pure and lives
in :mod:`monitor.progress` and :mod:`monitor.token_advice`.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, and_, case, func
from sqlalchemy import select as core_select

from monitor.progress import RepoHistory
from monitor.store import tables
from monitor.store.sql import chunked

__all__ = ["backfill_histories", "owner_members"]


def backfill_histories(conn: Connection, repo_ids: Collection[int]) -> list[RepoHistory]:
    """The first-backfill facts of each stored repo of *repo_ids*: its stars backfill state,
    whether its releases were read, its creation time and newest collected stars and releases
    (``latest_value``). One query per chunk of repos, each an index lookup per table."""
    r, b, lv = tables.repo, tables.backfill_state, tables.latest_value
    stars, releases = b.alias("stars_state"), b.alias("releases_state")
    star_count, release_count = lv.alias("star_count"), lv.alias("release_count")
    joined = (
        r.outerjoin(stars, and_(stars.c.repo_id == r.c.id, stars.c.metric == "stars"))
        .outerjoin(releases, and_(releases.c.repo_id == r.c.id,
                                  releases.c.metric == "releases"))
        .outerjoin(star_count, and_(star_count.c.repo_id == r.c.id,
                                    star_count.c.metric == "stars"))
        .outerjoin(release_count, and_(release_count.c.repo_id == r.c.id,
                                       release_count.c.metric == "releases"))
    )
    stmt = core_select(
        r.c.platform, stars.c.repo_id.is_not(None), stars.c.complete, stars.c.refused_reason,
        stars.c.next_page, stars.c.pages, star_count.c.value, r.c.created_at,
        release_count.c.value, releases.c.complete,
    ).select_from(joined)
    found: list[RepoHistory] = []
    for chunk in chunked(sorted(set(repo_ids))):
        for (platform, started, complete, refused, next_page, pages, star_value, created_at,
             release_value, releases_read) in conn.execute(stmt.where(r.c.id.in_(chunk))):
            found.append(RepoHistory(
                platform=platform, started=bool(started), complete=bool(complete),
                refused=bool(refused), next_page=next_page or 1, pages=pages,
                stars=star_value, created_at=created_at, releases=release_value,
                releases_read=bool(releases_read),
            ))
    return found


def owner_members(conn: Connection) -> dict[str, int]:
    """Each owner whose listing ever brought a repo (by its key, ``github:owner`` in lower
    case), with the repos it brought that are members now (0 when every one has left)."""
    m = tables.membership
    owner = func.lower(m.c.via)
    now = func.sum(case((m.c.left_at.is_(None), 1), else_=0))
    stmt = core_select(owner, now).where(m.c.via.is_not(None)).group_by(owner)
    return {key: int(count or 0) for key, count in conn.execute(stmt)}
