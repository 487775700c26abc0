"""What collect and backfill share around their work: the repos a run covers with their rows,
and the order its outcomes are told in.

Both commands take the same arguments and begin and end alike. They begin by making the store
list what ``repos.toml`` lists (inside the caller's transaction, which goes on to record more)
and pairing each repo asked for with its row; they work platform by platform, concurrently, so
outcomes arrive interleaved; and they end by putting the outcomes back in config order, the
order the user wrote and reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from monitor.config.repos import Tracked
from monitor.ids import RepoId
from monitor.store.models import Repo
from monitor.store.series import sync_projects

if TYPE_CHECKING:
    from sqlmodel import Session

__all__ = ["in_config_order", "tracked_rows"]


class _Outcome(Protocol):
    @property
    def repo(self) -> RepoId: ...


Outcome = TypeVar("Outcome", bound=_Outcome)


def tracked_rows(
    session: Session, tracked: Tracked, wanted: Sequence[RepoId], now: datetime,
) -> list[tuple[RepoId, Repo]]:
    """Sync the tracked projects into the store (a new repo added at *now*); each repo of
    *wanted* with its row, in order."""
    rows = sync_projects(session, [(p.name, p.repos) for p in tracked.projects], now)
    return [(repo_id, rows[repo_id.key]) for repo_id in wanted]


def in_config_order(outcomes: list[Outcome], wanted: Sequence[RepoId]) -> None:
    """Sort *outcomes* (one per repo of *wanted*) in place into the order of *wanted*."""
    order = {repo_id: i for i, repo_id in enumerate(wanted)}
    outcomes.sort(key=lambda o: order[o.repo])
