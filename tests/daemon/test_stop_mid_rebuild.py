"""SIGTERM is answered within 5 s even in the middle of rebuilding a 40,000-star repo's series.

The rebuild is made to hang by the test database itself (:mod:`tests.dbfaults`: a statement that
never ends on SQLite, a lock wait on PostgreSQL), so the signal provably lands mid-rebuild. The
database work runs off the event loop and is interrupted: the daemon exits 0 in time, and the
rebuild's transaction is rolled back whole (no half-written series).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.clock import ManualClock
from tests.daemon.harness_daemon import DaemonHome, wait_for
from tests.dbfaults import stall_observations, stalled
from tests.fakes import FakeRepo, FakeServer

REPO = "github:big/old"
REPOS_TOML = f'[[projects]]\nname = "Old"\nrepos = ["{REPO}"]\n'
STARS = 40_000
STOP_WITHIN = 5.0  # seconds, from SIGTERM to the process's exit


def big_repo(now: ManualClock) -> FakeRepo:
    """Eight years old, 40,000 stars spread evenly up to a day ago."""
    created = now() - timedelta(days=8 * 365)
    span = (now() - timedelta(days=1) - created) / STARS
    return FakeRepo(id=201, owner="big", name="old", created_at=created,
                    star_times=[created + span * (i + 0.5) for i in range(STARS)])


def history_read(home: DaemonHome) -> bool:
    """The star history is complete: what comes next is the rebuild."""
    rows = home.query("SELECT b.complete FROM backfill_state b JOIN repo r ON r.id = b.repo_id "
                      "WHERE r.config_key = :key AND b.metric = 'stars'", key=REPO)
    return bool(rows and rows[0][0])


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_sigterm_mid_rebuild_of_a_40000_star_repo_exits_within_5_seconds(
    backend: str, tmp_path: Path, fakes: FakeServer, manual_clock: ManualClock,
    request: pytest.FixtureRequest,
) -> None:
    fakes.github.add(big_repo(manual_clock))
    fakes.github.set_budget(None, limit=5000, remaining=5000)
    home = DaemonHome(tmp_path / "home", fakes, request.getfixturevalue(f"{backend}_url"))
    home.write_config(repos=REPOS_TOML)
    home.database.upgrade()
    engine = home.database.engine
    try:
        with stall_observations(engine, REPO, source="backfill"):
            proc = home.start()
            wait_for(lambda: history_read(home) and stalled(engine), timeout=60,
                     what=f"the rebuild of {REPO} under way:\n{home.log()[-3000:]}")
            status, seconds = home.stop(proc)
        assert status == 0, home.log()[-3000:]
        assert seconds < STOP_WITHIN, f"stopped in {seconds:.2f} s"
        assert home.query(
            "SELECT count(*) FROM observation o JOIN repo r ON r.id = o.repo_id "
            "WHERE r.config_key = :key AND o.source = 'backfill'", key=REPO)[0][0] == 0
        assert home.query(
            "SELECT count(*) FROM collection_run WHERE finished_at IS NULL")[0][0] == 0
        assert "Traceback" not in home.log()
    finally:
        home.close()
