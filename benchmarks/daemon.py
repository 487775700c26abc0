"""Daemon benchmark: resident memory over many collection cycles, and CPU while idle.

Run from the repository root::

    python benchmarks/daemon.py [--repos 200] [--cycles 1000] [--max-seconds 900]

It serves fake GitHub and Gitee (tests/fakes: zero latency, budgets that never run out, GitHub
with a token so collection uses GraphQL), writes a home tracking ``--repos`` repos (half on each
platform) with ``[schedule] collect = "1s"`` (the shortest interval the configuration accepts),
and starts ``python -m monitor --home H run`` as a subprocess, as a user would.

* Memory: VmRSS from ``/proc/PID/status`` after the first cycle, after ``--warmup`` cycles,
  every ``--sample-every`` seconds, and at the end. Growth is measured from the warm-up sample
  (imports, caches and connection pools are in place by then), and from the first cycle too.
  Cycles are counted as finished ``collect`` runs in the home's SQLite database. When
  ``--cycles`` cycles do not fit in ``--max-seconds`` (at 1 s intervals plus the cycle's own
  time and APScheduler's jitter, 1,000 cycles take ~20 minutes), it stops there and says so.
* Idle CPU: the schedule is then edited to ``collect = "1h"`` (the daemon reloads the file on
  its own), and ``utime + stime`` from ``/proc/PID/stat`` is read across ``--idle-seconds``
  with no job due: what the daemon costs between cycles (its configuration watch and heartbeat).
* Finally SIGTERM, and the exit status (the SPEC: 0).

Targets: growth under 10 MB; idle CPU near zero (< 0.5 % of one core here).
Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes import FakeGitee, FakeGitHub, FakeRepo, FakeServer, github_schema  # noqa: E402

TOKEN = "bench-token"
UNLIMITED = 10**9
CREATED = datetime(2022, 1, 1, tzinfo=UTC)
TICKS = os.sysconf("SC_CLK_TCK")
GROWTH_TARGET_MB = 10.0
IDLE_TARGET_PCT = 0.5


def fake_repos(n: int, first_id: int) -> list[FakeRepo]:
    return [
        FakeRepo(
            id=first_id + i, owner=f"org{i % 10}", name=f"project-{i:04d}", created_at=CREATED,
            stars=10 * i + 7, forks=i % 97, watchers=i % 31, open_issues=i % 13, open_prs=i % 7,
            contributors=5 + i % 40,
        )
        for i in range(n)
    ]


def repos_toml(github: Sequence[FakeRepo], gitee: Sequence[FakeRepo]) -> str:
    blocks = [f'[[projects]]\nname = "gh {r.full_name}"\nrepos = ["github:{r.full_name}"]\n'
              for r in github]
    blocks += [f'[[projects]]\nname = "ge {r.full_name}"\nrepos = ["gitee:{r.full_name}"]\n'
               for r in gitee]
    return "\n".join(blocks)


def monitor_toml(collect: str) -> str:
    # Backfill and reports far away: the benchmark is about the collection cycle.
    return (f'[schedule]\ncollect = "{collect}"\nbackfill = "30d"\n'
            'weekly_report = "0 8 * * mon"\nmonthly_report = "0 8 1 * *"\n')


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as handle:
        text = handle.read()
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) "
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


class Runs:
    """Counts the daemon's finished collect runs in the home's SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _query(self, sql: str) -> list[tuple[object, ...]]:
        if not self.path.exists():
            return []
        try:
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5) as conn:
                return list(conn.execute(sql))
        except sqlite3.OperationalError:  # schema not created yet
            return []

    def finished(self) -> int:
        rows = self._query("SELECT count(*) FROM collection_run "
                           "WHERE kind = 'collect' AND finished_at IS NOT NULL")
        return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]

    def outcomes(self) -> dict[str, int]:
        rows = self._query("SELECT outcome, count(*) FROM collection_run "
                           "WHERE kind = 'collect' GROUP BY outcome")
        return {str(outcome): int(count) for outcome, count in rows}  # type: ignore[call-overload]

    def schedule(self, job: str) -> str | None:
        rows = self._query(f"SELECT schedule FROM daemon_job WHERE name = '{job}'")
        return str(rows[0][0]) if rows else None


def mb(kb: float) -> str:
    return f"{kb / 1024:.1f} MB"


def wait_for(condition: Callable[[], bool], timeout: float, what: str,
             proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise RuntimeError(f"the daemon exited ({proc.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


def run(args: argparse.Namespace) -> int:
    github_schema()  # the fake parses GitHub's schema once, before the clock matters
    half = args.repos // 2
    github = fake_repos(args.repos - half, 100_000)
    gitee = fake_repos(half, 500_000)
    server = FakeServer(
        github=FakeGitHub(github, anon_limit=UNLIMITED, token_limit=UNLIMITED,
                          graphql_limit=UNLIMITED),
        gitee=FakeGitee(gitee, anon_limit=UNLIMITED, token_limit=UNLIMITED),
    )
    with tempfile.TemporaryDirectory(prefix="bench-daemon-") as tmp, server:
        home = Path(tmp)
        (home / "config").mkdir()
        (home / "config" / "repos.toml").write_text(repos_toml(github, gitee))
        (home / "config" / "monitor.toml").write_text(monitor_toml("1s"))
        env = {key: value for key, value in os.environ.items()
               if key not in ("MONITOR_HOME", "MONITOR_DATABASE_URL")}
        env.update(server.env(), GITHUB_TOKEN=TOKEN, GITEE_TOKEN=TOKEN)
        runs = Runs(home / "storage" / "monitor.db")
        log_path = home / "daemon.log"
        command = [sys.executable, "-m", "monitor", "--home", str(home), "run"]
        print(f"{args.repos} repos ({len(github)} GitHub over GraphQL, {len(gitee)} Gitee), "
              f"collect every 1s, up to {args.cycles} cycles or {args.max_seconds:.0f} s")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            return measure(args, proc, runs, home)
        except Exception:
            print(f"--- daemon log (last lines) ---\n{tail(log_path)}", file=sys.stderr)
            raise
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def measure(args: argparse.Namespace, proc: subprocess.Popen[bytes], runs: Runs,
            home: Path) -> int:
    pid = proc.pid
    started = time.monotonic()
    wait_for(lambda: runs.finished() >= 1, 120, "the first cycle", proc)
    first_rss, first_cycles = rss_kb(pid), runs.finished()
    print(f"after cycle {first_cycles}: RSS {mb(first_rss)} "
          f"({time.monotonic() - started:.1f} s after start)")
    wait_for(lambda: runs.finished() >= args.warmup, 120, "the warm-up", proc)
    warm_rss, warm_cycles, warm_at = rss_kb(pid), runs.finished(), time.monotonic()
    print(f"after warm-up, cycle {warm_cycles}: RSS {mb(warm_rss)}")

    samples: list[tuple[int, int]] = [(warm_cycles, warm_rss)]
    next_sample = time.monotonic() + args.sample_every
    deadline = started + args.max_seconds
    cycles = warm_cycles
    while cycles < args.cycles and time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the daemon exited ({proc.returncode}) during the run")
        time.sleep(0.5)
        cycles = runs.finished()
        if time.monotonic() >= next_sample:
            samples.append((cycles, rss_kb(pid)))
            print(f"  cycle {cycles:>5}: RSS {mb(samples[-1][1])}", flush=True)
            next_sample += args.sample_every
    end_rss, elapsed = rss_kb(pid), time.monotonic() - warm_at
    samples.append((cycles, end_rss))
    peak = max(kb for _, kb in samples)
    growth = end_rss - warm_rss
    print(f"end, cycle {cycles}: RSS {mb(end_rss)} (peak sampled {mb(peak)})")
    if cycles < args.cycles:
        print(f"NOTE: stopped at {cycles} cycles, not {args.cycles}: --max-seconds "
              f"{args.max_seconds:.0f} reached ({elapsed / max(cycles - warm_cycles, 1):.2f} s "
              "per cycle at the 1s minimum interval)")
    print(f"outcomes: {runs.outcomes()}")
    print(f"growth over {cycles - warm_cycles} cycles after warm-up: {growth / 1024:+.1f} MB "
          f"({growth / max(cycles - warm_cycles, 1):+.2f} kB/cycle); from cycle {first_cycles}: "
          f"{(end_rss - first_rss) / 1024:+.1f} MB  -> "
          f"{'PASS' if growth / 1024 < GROWTH_TARGET_MB else 'FAIL'} "
          f"(target < {GROWTH_TARGET_MB:.0f} MB)")

    # Idle: push the next collection an hour away and measure CPU with nothing due.
    (home / "config" / "monitor.toml").write_text(monitor_toml("1h"))
    wait_for(lambda: runs.schedule("collect") == "1h", 60, "the schedule reload", proc)
    time.sleep(3)  # a cycle that was already running finishes
    settled = runs.finished()
    before_ticks, before = cpu_ticks(pid), time.monotonic()
    time.sleep(args.idle_seconds)
    ticks, window = cpu_ticks(pid) - before_ticks, time.monotonic() - before
    cpu_pct = 100 * ticks / TICKS / window
    extra = runs.finished() - settled
    print(f"idle: {ticks} CPU ticks ({ticks / TICKS:.2f} s) over {window:.0f} s = "
          f"{cpu_pct:.2f} % of one core; cycles during the window: {extra}  -> "
          f"{'PASS' if cpu_pct < IDLE_TARGET_PCT and extra == 0 else 'FAIL'} "
          f"(target < {IDLE_TARGET_PCT} %)")
    print(f"idle RSS {mb(rss_kb(pid))}")

    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        print("SIGTERM: the daemon did not exit within 30 s")
        return 1
    print(f"SIGTERM: exit status {code}")
    return 0 if code == 0 else 1


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--cycles", type=int, default=1000, help="stop after this many cycles")
    parser.add_argument("--max-seconds", type=float, default=900,
                        help="or after this long, whichever comes first")
    parser.add_argument("--warmup", type=int, default=20, help="cycles before the baseline")
    parser.add_argument("--sample-every", type=float, default=60, help="seconds between samples")
    parser.add_argument("--idle-seconds", type=float, default=60, help="idle CPU window")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
