"""``run`` as a real subprocess: cycles, hot reload, signals, crash safety, one instance."""

from __future__ import annotations

import signal
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from tests.daemon.harness_daemon import REPOS_TOML, SCHEDULE, SECRET, DaemonHome, wait_for
from tests.dbfaults import stall_observations, stalled
from tests.fakes import FakeServer

#: What every cycle stores of every repo: a named Gitee repo's open PRs and releases are read
#: once a day (``collect.details_every``), contributors once a day everywhere.
CORE = {"stars", "forks", "watchers", "open_issues"}


def observations(home: DaemonHome, repo: str) -> int:
    rows = home.query(
        "SELECT count(*) FROM observation o JOIN repo r ON r.id = o.repo_id "
        "WHERE r.config_key = :key AND o.source = 'collected'", key=repo,
    )
    return int(rows[0][0])


def test_collects_repeatedly_picks_up_new_repos_and_stops_on_sigterm(
    daemon_home: DaemonHome,
) -> None:
    proc = daemon_home.start()
    wait_for(lambda: daemon_home.runs("collect", "ok") >= 2, what="two collection cycles")
    assert observations(daemon_home, "github:acme/booster") == 0

    # Tracked from another shell while the daemon runs: collected and backfilled next cycle.
    repos = daemon_home.home / "config" / "repos.toml"
    repos.write_text(REPOS_TOML + '\n[[projects]]\nname = "Booster"\n'
                     'repos = ["github:acme/booster"]\n')
    wait_for(lambda: observations(daemon_home, "github:acme/booster") > 0,
             what="the new repo collected")
    wait_for(lambda: daemon_home.query(
        "SELECT count(*) FROM backfill_state b JOIN repo r ON r.id = b.repo_id "
        "WHERE r.config_key = 'github:acme/booster'")[0][0] > 0, what="the new repo backfilled")
    # No GitHub token: said at start, and again only once the tracked list changed.
    daemon_home.wait_log("github.no_token github: no token: 60 requests an hour, at most 0 a cycle "
                         "(collect every 2s); 1 tracked GitHub repo needs up to 4 requests")
    daemon_home.wait_log("2 tracked GitHub repos need up to")

    jobs = {row[0]: row for row in daemon_home.query(
        "SELECT name, schedule, next_run_at FROM daemon_job")}
    assert set(jobs) == {"collect", "backfill", "weekly_report", "monthly_report"}
    assert jobs["collect"][1] == "2s"
    assert all(row[2] is not None for row in jobs.values())
    (pid, heartbeat, stopped) = daemon_home.query(
        "SELECT pid, heartbeat_at, stopped_at FROM daemon")[0]
    assert pid == proc.pid and heartbeat is not None and stopped is None

    status, seconds = daemon_home.stop(proc)
    assert status == 0
    assert seconds < 5
    assert daemon_home.query("SELECT stopped_at FROM daemon")[0][0] is not None
    assert daemon_home.query(
        "SELECT count(*) FROM collection_run WHERE finished_at IS NULL")[0][0] == 0
    log = daemon_home.log()
    assert log.count("github.no_token") == 2
    assert SECRET not in log
    assert "Traceback" not in log
    # Every line: timestamp, level, event, key=value fields.
    for line in log.splitlines():
        stamp, level, event, *_ = [*line.split(" "), "", ""]
        assert stamp.endswith("Z") and level in {"DEBUG", "INFO", "WARNING", "ERROR"}, line
        assert "." in event or "_" in event, line


def test_broken_edit_keeps_the_last_good_configuration(daemon_home: DaemonHome) -> None:
    proc = daemon_home.start()
    wait_for(lambda: daemon_home.runs("collect", "ok") >= 1, what="a first cycle")

    repos = daemon_home.home / "config" / "repos.toml"
    repos.write_text(REPOS_TOML + '\n[[projects]]\nname = "Bad"\nrepos = ["github:nope"]\n')
    error = wait_for(lambda: daemon_home.query("SELECT config_error FROM daemon")[0][0],
                     what="daemon.config_error")
    assert error.startswith(f"{repos}:")
    assert "github:nope" in error or "nope" in error
    logged = [line for line in daemon_home.log().splitlines() if "config.invalid" in line]
    assert len(logged) == 1 and f"{repos}:" in logged[0]

    # Still collecting, on the last good list.
    before = daemon_home.runs("collect", "ok")
    wait_for(lambda: daemon_home.runs("collect", "ok") > before, what="a cycle after the error")
    assert proc.poll() is None

    repos.write_text(REPOS_TOML)  # fixed
    wait_for(lambda: daemon_home.query("SELECT config_error FROM daemon")[0][0] is None,
             what="config_error cleared")
    assert daemon_home.stop(proc)[0] == 0


def test_sighup_reloads_and_reschedules(daemon_home: DaemonHome) -> None:
    proc = daemon_home.start()
    daemon_home.wait_log("daemon.started")
    daemon_home.wait_log("job.scheduled job=monthly_report")

    (daemon_home.home / "config" / "monitor.toml").write_text(SCHEDULE.format(collect="1h"))
    proc.send_signal(signal.SIGHUP)
    daemon_home.wait_log("daemon.reload signal=SIGHUP")
    daemon_home.wait_log("job.rescheduled job=collect schedule='1h'")
    wait_for(lambda: daemon_home.query(
        "SELECT schedule FROM daemon_job WHERE name = 'collect'")[0][0] == "1h",
        what="daemon_job shows the new schedule")

    # SIGHUP re-reads even an unchanged file.
    proc.send_signal(signal.SIGHUP)
    daemon_home.wait_log("daemon.reload signal=SIGHUP", count=2)
    daemon_home.wait_log("config.reloaded", count=2)
    assert daemon_home.stop(proc)[0] == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_mid_cycle_exits_quickly_and_records_interrupted(
    daemon_home: DaemonHome, sig: signal.Signals,
) -> None:
    daemon_home.fake.latency = 0.4  # a cycle now takes a few seconds
    proc = daemon_home.start()
    daemon_home.wait_log("job.start job=collect")
    # The fake logs a request as it arrives and answers it 0.4 s later: one is in flight now.
    wait_for(lambda: daemon_home.fake.requests, what="a request to the fake")
    status, seconds = daemon_home.stop(proc, sig)
    assert status == 0
    assert seconds < 5
    assert daemon_home.runs("collect", "interrupted") == 1
    assert daemon_home.query(
        "SELECT count(*) FROM collection_run WHERE finished_at IS NULL")[0][0] == 0


def open_collect_run(home: DaemonHome, having: str | None = None) -> bool:
    """A collection cycle has started and not finished (with *having*'s batch written)."""
    if having is None:
        return bool(home.query("SELECT count(*) FROM collection_run "
                               "WHERE kind = 'collect' AND finished_at IS NULL")[0][0])
    return bool(home.query(
        "SELECT count(*) FROM collection_run c JOIN observation o ON o.observed_at = c.started_at "
        "JOIN repo r ON r.id = o.repo_id WHERE c.kind = 'collect' AND c.finished_at IS NULL "
        "AND o.source = 'collected' AND r.config_key = :key", key=having)[0][0])


def test_kill_9_mid_cycle_leaves_a_sound_database(daemon_home: DaemonHome) -> None:
    """Killed twice while a batch is being written: first the cycle's first one, then a later
    one after its predecessor is stored. The write is made to hang by the test database
    (:mod:`tests.dbfaults`), so the cycle provably cannot finish before the kill: no timing."""
    daemon_home.write_config(repos=REPOS_TOML + '\n[[projects]]\nname = "Booster"\n'
                             'repos = ["github:acme/booster"]\n')
    (daemon_home.home / "config" / "monitor.toml").write_text(
        SCHEDULE.format(collect="1s") + "\n[collect]\ngraphql_batch = 1\n")
    daemon_home.database.upgrade()
    engine = daemon_home.database.engine

    def writing(after: str | None) -> bool:
        return open_collect_run(daemon_home, after) and stalled(engine)

    # GitHub's batches are written in config order: rocket's, then booster's.
    for hung, written in (("github:acme/rocket", None), ("github:acme/booster",
                                                         "github:acme/rocket")):
        with stall_observations(engine, hung, source="collected"):
            proc = daemon_home.start()
            wait_for(partial(writing, written), timeout=60,
                     what=f"{hung}'s batch being written:\n{daemon_home.log()[-3000:]}")
            proc.kill()
            proc.wait(timeout=10)
        assert daemon_home.integrity() == "ok"
        assert open_collect_run(daemon_home)  # killed mid-cycle

    done = daemon_home.runs("collect", "ok")
    proc = daemon_home.start()
    daemon_home.wait_log("interrupted_runs=", count=3)
    wait_for(lambda: daemon_home.runs("collect", "ok") > done, what="a cycle after the restart")
    assert daemon_home.stop(proc)[0] == 0
    assert daemon_home.integrity() == "ok"
    assert daemon_home.runs("collect", "interrupted") >= 2
    assert daemon_home.query(
        "SELECT count(*) FROM collection_run WHERE finished_at IS NULL")[0][0] == 0
    duplicates = daemon_home.query(
        "SELECT repo_id, metric, observed_at, source, count(*) FROM observation "
        "GROUP BY repo_id, metric, observed_at, source HAVING count(*) > 1")
    assert duplicates == []
    # No half-written batch: every repo stored at an instant has every core metric there.
    metrics: dict[tuple[int, str], set[str]] = {}
    for repo_id, observed_at, metric in daemon_home.query(
        "SELECT repo_id, observed_at, metric FROM observation WHERE source = 'collected'"
    ):
        metrics.setdefault((repo_id, str(observed_at)), set()).add(metric)
    assert metrics
    assert all(found >= CORE for found in metrics.values()), metrics


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_second_instance_is_refused_on_a_fresh_home(
    backend: str, tmp_path: Path, fakes: FakeServer, request: pytest.FixtureRequest,
) -> None:
    url = request.getfixturevalue(f"{backend}_url")
    home = DaemonHome(tmp_path / "fresh", fakes, url)  # no config at all: run does the init
    try:
        first = home.start()
        home.wait_log("daemon.started")
        assert (home.home / "config" / "repos.toml").is_file()
        second = subprocess.run(
            [sys.executable, "-m", "monitor", "--home", str(home.home), "run"],
            env=home.env, capture_output=True, text=True, timeout=30,
        )
        assert second.returncode == 1
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "already running" in lines[0], second.stderr
        assert first.poll() is None
        assert home.stop(first)[0] == 0
    finally:
        home.close()


def test_metrics_port_serves_the_exporter(daemon_home: DaemonHome) -> None:
    import re
    import urllib.request

    proc = daemon_home.start("--metrics-port", "0")
    daemon_home.wait_log("exporter.listening")
    url = re.search(r"url=(\S+)", daemon_home.log())
    assert url is not None
    wait_for(lambda: daemon_home.runs("collect", "ok") >= 1, what="a cycle")
    with urllib.request.urlopen(url[1], timeout=5) as response:
        body = response.read().decode()
    assert "aoss_store_up 1.0" in body
    assert 'aoss_repo_metric{' in body
    assert daemon_home.stop(proc)[0] == 0
