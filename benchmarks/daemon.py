"""Daemon benchmark: what a year unattended costs — memory over many cycles, the HTTP cache's
size, a scrape against the history stored, the command line's start-up, the idle daemon.

Run from the repository root::

    python benchmarks/daemon.py [--repos 100] [--cycles 1000] [--parts soak,scrape,startup,idle]

Each part prints its figures and a PASS/FAIL line against its target:

* ``soak`` (``benchmarks/soak.py``): the daemon's own collect job (``run_collect``: a cycle,
  then the first backfill of new repos) and a daily ``run_backfill``, driven in this process on
  a manual clock six hours apart — no sleeping; the fakes served over HTTP on 127.0.0.1 by a
  child process (GitHub over GraphQL, Gitee with stargazer pages), so the memory measured is
  the monitor's. Stars are given and withdrawn as cycles go, and half-way a tenth of the repos
  are untracked. Prints VmRSS, the ``http_cache`` rows and bytes, and the ``repo_error`` rows;
  target: growth after the warm-up under 10 MB, and a cache no bigger at the end than at the
  warm-up.
* ``scrape``: one Prometheus scrape (``MonitorCollector.collect``, which includes ``status``)
  on SQLite stores of 1,000 repos with 1 day and with 5 years of daily observations, runs and
  errors (built once under ``--cache``, with ``benchmarks/report.py``'s generator); target: 5
  years at most twice 1 day.
* ``startup``: ``aoss-monitor --help`` and ``status`` (a home as ``init`` makes it) against
  ``python -c "import httpx, sqlalchemy, click"``, best of ``--repeat`` interleaved runs in wall
  and CPU time (and the ratio of the median wall times, for a busy machine); target: each
  command's best wall time at most 1.5x the baseline's.
* ``idle``: ``aoss-monitor init`` then ``run`` as the README starts them (subprocesses) on a
  home tracking a repo per named repo and owner of the shipped list against the fakes; the
  daemon's VmRSS once its first cycle is done, then its CPU over ``--idle-seconds``; targets:
  under 80 MB before its first report, CPU near zero; SIGTERM exits 0.

Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import report as stores  # noqa: E402
from benchmarks.fakehome import (  # noqa: E402
    cpu_ticks,
    fake_server,
    mb,
    repos_toml,
    rss_kb,
    verdict,
    write_home,
)
from benchmarks.soak import soak  # noqa: E402
from monitor.config.repos import load_repos  # noqa: E402
from monitor.daemon.prometheus import MonitorCollector  # noqa: E402
from monitor.store.db import open_database  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
PARTS = ("soak", "scrape", "startup", "idle")


# -- scrape against history -------------------------------------------------------------------


def history_store(cache: Path, days: int) -> Path:
    """1,000 repos with *days* of daily observations (report.py's generator), plus four
    collect runs a day with both platforms' budgets, a daily backfill run, and a failing repo
    in a hundred at every run — what status and a scrape read."""
    path = cache / f"daemon-1000x{days}d.db"
    if path.exists():
        return path
    tmp = cache / f"daemon-1000x{days}d.build.db"
    same = cache / f"report-1000x{days // 365}y.db"  # report.py's store of as many days
    if days % 365 == 0 and same.exists():
        shutil.copyfile(same, tmp)
    else:
        stores.build(tmp, 1000, days=days)
    first = stores.LAST_DAY - timedelta(days=days - 1)
    conn = sqlite3.connect(tmp)
    with conn:
        conn.execute("DELETE FROM repo_error")
        conn.execute("DELETE FROM collection_run")
        run = 0
        for day in range(days):
            date = first + timedelta(days=day)
            for hour, kind in ((0, "collect"), (6, "collect"), (12, "collect"), (18, "collect"),
                               (3, "backfill")):
                run += 1
                at = stores.stamp(date, hour)
                conn.execute("INSERT INTO collection_run (id, kind, started_at, finished_at, "
                             "outcome) VALUES (?, ?, ?, ?, 'partial')", (run, kind, at, at))
                conn.executemany(
                    "INSERT INTO run_platform (run_id, platform, requests, budget_remaining, "
                    "budget_limit, budget_reset_at) VALUES (?, ?, 40, ?, 5000, ?)",
                    [(run, p, 4000 - day % 100, at) for p in ("github", "gitee")])
                if kind == "collect":
                    conn.executemany(
                        "INSERT INTO repo_error (run_id, repo_id, occurred_at, kind, message) "
                        "VALUES (?, ?, ?, 'unavailable', 'HTTP 502')",
                        [(run, r, at) for r in range(1 + day % 100, 1001, 100)])
        conn.execute("INSERT INTO platform_budget SELECT platform, run_id, budget_remaining, "
                      "budget_limit, budget_reset_at, budget_reset_at FROM run_platform "
                      "WHERE run_id = ?", (run,))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the file before it moves
    conn.close()
    tmp.rename(path)
    return path


def scrape(args: argparse.Namespace) -> bool:
    args.cache.mkdir(parents=True, exist_ok=True)
    tracked = stores.tracked_for(1000)
    now = datetime.combine(stores.LAST_DAY, datetime.min.time(), UTC) + timedelta(hours=20)
    print("scrape: 1,000 repos on SQLite, one Prometheus scrape (status included), warm, "
          f"median of {args.repeat} (CPU time: other processes on the machine do not count)")
    times = {}
    for label, days in (("1 day", 1), ("5 years", 5 * 365)):
        path = history_store(args.cache, days)
        with open_database(f"sqlite:///{path}") as database:
            collector = MonitorCollector(database, lambda: tracked, lambda: now)
            samples = sum(len(f.samples) for f in collector.collect())  # warm
            runs = []
            for _ in range(args.repeat):
                started = time.process_time()
                list(collector.collect())
                runs.append(time.process_time() - started)
        times[label] = statistics.median(runs)
        print(f"  {label:>8}: {times[label] * 1000:7.1f} ms  ({samples} samples, "
              f"{path.stat().st_size / 1e9:.2f} GB)")
    ratio = times["5 years"] / times["1 day"]
    print(f"  5 years / 1 day = {ratio:.2f}  -> {verdict(ratio <= 2)} (at most 2)")
    return ratio <= 2


# -- start-up ----------------------------------------------------------------------------------


def timed(command: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of *command*."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"{' '.join(command)} exited {status}")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


BASELINE = "import httpx, sqlalchemy, click"
STARTUP_TARGET = 1.5  # times the baseline's wall time


def startup(args: argparse.Namespace) -> bool:
    script = Path(sys.executable).parent / "aoss-monitor"
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "monitor"]
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        subprocess.run([*cli, "--home", tmp, "init"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        commands: dict[str, list[str]] = {
            BASELINE: [sys.executable, "-c", BASELINE],
            "aoss-monitor --help": [*cli, "--help"],
            "aoss-monitor status": [*cli, "--home", tmp, "status"],
        }
        runs: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
        for _ in range(args.repeat):  # interleaved, so a busy moment hits every command
            for label, command in commands.items():
                runs[label].append(timed(command, env))
    best = {label: (min(w for w, _ in seen), min(c for _, c in seen))
            for label, seen in runs.items()}
    median = {label: statistics.median(w for w, _ in seen) for label, seen in runs.items()}
    base_wall, base_cpu = best[BASELINE]
    print(f"startup: best of {args.repeat} (interleaved), wall and CPU (user+sys) seconds; "
          f"ratios to `python -c \"{BASELINE}\"`, target at most {STARTUP_TARGET}x its wall")
    ok = True
    for label, (wall, cpu) in best.items():
        ratio = wall / base_wall
        line = f"  {label:<32} {wall:6.3f} s wall  {cpu:6.3f} s CPU  {ratio:5.2f}x"
        if label != BASELINE:
            ok &= ratio <= STARTUP_TARGET
            middle = median[label] / median[BASELINE]
            line += (f" (CPU {cpu / base_cpu:.2f}x, median wall {middle:.2f}x)"
                     f"  -> {verdict(ratio <= STARTUP_TARGET)} (at most {STARTUP_TARGET}x)")
        print(line)
    return ok


# -- the idle daemon ---------------------------------------------------------------------------


def wait_for(condition: Callable[[], bool], timeout: float, what: str,
             proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise RuntimeError(f"the daemon exited ({proc.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


def finished_collects(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM collection_run WHERE kind = 'collect' "
                                    "AND finished_at IS NOT NULL").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def idle(args: argparse.Namespace) -> bool:
    # A repo per named repo and per owner of the shipped list (its owners hold thousands of
    # repos, which an idle measurement of the daemon itself does not need).
    tracked = load_repos(ROOT / "config" / "repos.toml")
    shipped = len(tracked.repos()) + len(tracked.owners())
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as tmp, \
            fake_server(shipped) as server:
        home = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env.update(write_home(home, repos_toml(server.github.repos, server.gitee.repos),
                              server.env()))
        # As the README starts it: `init` (which migrates), then `run`.
        command = [sys.executable, "-m", "monitor", "--home", str(home)]
        subprocess.run([*command, "init"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        command.append("run")
        log_path = home / "daemon.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            db_path = home / "storage" / "monitor.db"
            wait_for(lambda: finished_collects(db_path) >= 1, 120, "the first cycle", proc)
            time.sleep(3)  # the new repos' first backfill, which follows the cycle
            after = rss_kb(proc.pid)
            before_ticks, before = cpu_ticks(proc.pid), time.monotonic()
            time.sleep(args.idle_seconds)
            ticks, window = cpu_ticks(proc.pid) - before_ticks, time.monotonic() - before
            idle_rss = rss_kb(proc.pid)
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
        except Exception:
            print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    cpu_pct = 100 * ticks / TICKS / window
    print(f"idle: `aoss-monitor run`, {shipped} repos (one per named repo and owner of the "
          "shipped list) on the fakes")
    print(f"  RSS after the first cycle {mb(after)}, after {window:.0f} s idle {mb(idle_rss)}  "
          f"-> {verdict(idle_rss < 80 * 1024)} (< 80 MB before the first report)")
    print(f"  CPU while idle {cpu_pct:.2f} % of one core  -> {verdict(cpu_pct < 0.5)} (< 0.5 %)")
    print(f"  SIGTERM: exit status {code}  -> {verdict(code == 0)}")
    return idle_rss < 80 * 1024 and cpu_pct < 0.5 and code == 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="comma list of " + ", ".join(PARTS))
    parser.add_argument("--repos", type=int, default=100, help="soak: repos tracked")
    parser.add_argument("--cycles", type=int, default=1000, help="soak: cycles")
    parser.add_argument("--warmup", type=int, default=100, help="soak: cycles before the baseline")
    parser.add_argument("--sample-every", type=int, default=100, help="soak: cycles a sample")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/aoss-report-bench"),
                        help="scrape: where the stores are built once")
    parser.add_argument("--repeat", type=int, default=7, help="scrape, startup: runs")
    parser.add_argument("--idle-seconds", type=float, default=30, help="idle: CPU window")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = set(chosen) - set(PARTS)
    if unknown:
        print(f"unknown part {sorted(unknown)[0]!r} (known: {', '.join(PARTS)})", file=sys.stderr)
        return 2
    runners = {"soak": soak, "scrape": scrape, "startup": startup, "idle": idle}
    results = [runners[part](args) for part in chosen]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
