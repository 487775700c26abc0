"""What the API budget allows from here: the tracked repos' first backfill (how far it got, the
requests left, the time they take) and, without a GitHub token, what the anonymous budget allows
against what the tracked list needs.

Glue for ``status`` and ``run``: the store's facts (:mod:`monitor.store.progress`, Core reads)
and the settings go into the pure arithmetic of :mod:`monitor.progress` and
:mod:`monitor.token_advice`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from monitor.config.settings import Settings, parse_duration
from monitor.progress import BackfillProgress, RepoHistory, per_run, progress
from monitor.store.progress import backfill_histories, owner_members
from monitor.token_advice import (
    ANONYMOUS_PER_HOUR,
    TOKEN_PER_HOUR,
    Cadence,
    GitHubTracked,
    NoTokenAdvice,
    advise,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from monitor.config.repos import Tracked
    from monitor.store.db import Database

__all__ = ["backfill_outlook", "no_token_advice", "read_no_token_advice", "schedule_every",
           "status_outlook"]

#: Fires of a cron schedule averaged to tell its interval.
_CRON_FIRES = 9


def schedule_every(spec: str, timezone: str, now: datetime) -> timedelta | None:
    """How often a ``[schedule]`` value fires: an interval as written; a cron, the mean gap of
    its next fires after *now* (APScheduler loads only then); ``None`` if it fires too rarely."""
    try:
        return timedelta(seconds=parse_duration(spec))
    except ValueError:
        pass
    from monitor.config.cron import cron_trigger

    trigger = cron_trigger(spec, timezone)
    fires: list[datetime] = []
    start = now
    while len(fires) < _CRON_FIRES:
        fire: datetime | None = trigger.get_next_fire_time(None, start)
        if fire is None:
            return None
        fires.append(fire)
        start = fire + timedelta(seconds=1)
    return (fires[-1] - fires[0]) / (len(fires) - 1)


def backfill_outlook(
    conn: Connection,
    repo_ids: Collection[int],
    settings: Settings,
    limits: Mapping[str, int | None],
    now: datetime,
    *,
    not_stored: Collection[str] = (),
    unlisted: Sequence[str] = (),
) -> BackfillProgress:
    """The first backfill of the tracked repos stored as *repo_ids* (and of *not_stored*, the
    platforms of tracked repos never collected, of which nothing is known; *unlisted*, those
    of the owners not listed yet). *limits*: each platform's budget limit as last seen; where
    none was, GitHub's documented one for the token (or its absence), and
    ``backfill.max_requests`` elsewhere."""
    histories = backfill_histories(conn, repo_ids)
    histories += [RepoHistory(platform) for platform in not_stored]
    github = TOKEN_PER_HOUR if settings.github_token is not None else ANONYMOUS_PER_HOUR
    platforms = {h.platform for h in histories} | set(limits) | set(unlisted)
    allowed = {
        platform: per_run(limits.get(platform) or (github if platform == "github" else None),
                          settings.budget_share, settings.backfill_max_requests)
        for platform in platforms
    }
    schedule = settings.schedule
    every = schedule_every(schedule.backfill, schedule.timezone, now)
    batch = {"github": settings.graphql_batch if settings.github_token is not None else 1}
    return progress(histories, now, allowed, every, batch, unlisted)


def no_token_advice(
    conn: Connection, tracked: Tracked, settings: Settings, now: datetime,
    members: Mapping[str, int] | None = None,
) -> NoTokenAdvice | None:
    """What GitHub's anonymous budget allows against what *tracked* needs; ``None`` with a
    GitHub token, or when no GitHub repo or owner is tracked. *members*: each owner's members
    now (:func:`~monitor.store.progress.owner_members`), read if not given."""
    if settings.github_token is not None:
        return None
    owners = [owner for owner in tracked.owners() if owner.platform == "github"]
    named = sum(1 for repo in tracked.repos() if repo.platform == "github")
    if not owners and not named:
        return None
    if members is None:
        members = owner_members(conn) if owners else {}
    schedule = settings.schedule
    cadence = Cadence(
        cycle=schedule_every(schedule.collect, schedule.timezone, now),
        contributors_every=timedelta(seconds=settings.contributors_every),
        details_every=_details_every(settings),
    )
    return advise(GitHubTracked(named, {o.key: members.get(o.key) for o in owners}), cadence)


def status_outlook(
    conn: Connection,
    tracked: Tracked | None,
    repo_ids: Collection[int],
    stored_keys: Collection[str | None],
    settings: Settings,
    limits: Mapping[str, int | None],
    now: datetime,
) -> tuple[BackfillProgress, NoTokenAdvice | None]:
    """What ``status`` shows of both: the first backfill of the tracked repos stored as
    *repo_ids*, of the repos *tracked* names that are not stored (no config key among
    *stored_keys*: never collected) and of its owners not listed yet; the advice when
    *tracked* could be read."""
    if tracked is None:
        return backfill_outlook(conn, repo_ids, settings, limits, now), None
    stored, members = set(stored_keys), owner_members(conn) if tracked.owners() else {}
    progress = backfill_outlook(
        conn, repo_ids, settings, limits, now,
        not_stored=[repo.platform for repo in tracked.repos() if repo.key not in stored],
        unlisted=[owner.platform for owner in tracked.owners() if owner.key not in members])
    return progress, no_token_advice(conn, tracked, settings, now, members)


def read_no_token_advice(
    database: Database, tracked: Tracked, settings: Settings, now: datetime,
) -> NoTokenAdvice | None:
    """:func:`no_token_advice` in its own read transaction (the daemon's call)."""
    if settings.github_token is not None:
        return None
    with database.reading() as conn:
        return no_token_advice(conn, tracked, settings, now)


def _details_every(settings: Settings) -> timedelta | None:
    """How often a listed repo's details (what its listing lacks) are read
    (``collect.details_every``)."""
    return timedelta(seconds=settings.details_every)
