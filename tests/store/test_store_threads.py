"""Database work off the event loop (:mod:`monitor.store.threads`): the loop stays free while a
statement runs, and cancelling the caller interrupts the statement, rolls the transaction back
whole and returns once the worker thread is done, leaving the connection fit for the next work.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from monitor.ids import RepoId
from monitor.store.db import Database
from monitor.store.history import replace_backfill
from monitor.store.series import sync_projects
from tests.dbfaults import stall_observations, stalled

REPO = RepoId("github", "big", "old")
T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)
POINTS = [(T0 + timedelta(days=i), i) for i in range(3000)]


async def until(check: object, timeout: float = 10.0) -> None:
    """Poll *check* (a blocking probe, run in a thread) until true; fail after *timeout* s."""
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        assert time.monotonic() < deadline, f"timed out after {timeout}s"


def test_cancelling_a_stalled_write_interrupts_it_and_rolls_it_back(database: Database) -> None:
    with database.session() as session:
        repo_id = sync_projects(session, [("Old", [REPO])], T0)[REPO.key].id
    assert repo_id is not None

    async def scenario() -> float:
        task = asyncio.create_task(database.write(replace_backfill, repo_id, "stars", POINTS))
        await until(lambda: stalled(database.engine))  # the loop is free meanwhile
        cancelled = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - cancelled

    with stall_observations(database.engine, REPO.key):
        seconds = asyncio.run(scenario())
    assert seconds < 2, f"the cancelled write took {seconds:.2f} s to end"
    assert not stalled(database.engine)  # its transaction is over
    with database.session() as session:
        assert replace_backfill(session, repo_id, "stars", []) == 0  # nothing was written
    # The interrupted connection is fit for the next work.
    assert asyncio.run(database.write(replace_backfill, repo_id, "stars", POINTS[:5])) == 5
