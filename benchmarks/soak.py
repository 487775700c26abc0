"""The soak part of ``benchmarks/daemon.py``: the daemon's collect job and a daily backfill over
many cycles on a manual clock, with the fakes in a child process (see daemon.py's docstring).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.fakehome import fake_server, mb, repos_toml, rss_kb, verdict, write_home
from monitor.clock import ManualClock
from monitor.config.repos import load_repos
from monitor.config.settings import Settings, load_settings
from monitor.daemon.jobs import run_backfill, run_collect
from monitor.store.db import Database, open_database
from tests.fakes import FakeServer

START = datetime(2026, 1, 5, 6, tzinfo=UTC)


def table_sizes(path: Path) -> tuple[int, int, int]:
    """http_cache rows and body bytes, repo_error rows."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows, size = conn.execute("SELECT count(*), coalesce(sum(length(body)), 0) "
                                  "FROM http_cache").fetchone()
        errors = conn.execute("SELECT count(*) FROM repo_error").fetchone()[0]
    return int(rows), int(size), int(errors)


def stir(server: FakeServer, rng: random.Random, now: datetime) -> None:
    """Between cycles: a few stars given everywhere, a few withdrawn on Gitee (pages move)."""
    for platform in (server.github, server.gitee):
        repos = platform.repos
        for repo in rng.sample(repos, k=max(len(repos) // 20, 1)):
            repo.give_star(now - timedelta(minutes=1))
    gitee = server.gitee.repos
    for repo in rng.sample(gitee, k=max(len(gitee) // 50, 1)):
        times = repo.star_timeline(now)
        if len(times) > 1:
            repo.withdraw_star(rng.choice(times[:-1]), now)


class FakeProcess:
    """The fakes served by a child process, so that this process's memory is the monitor's
    alone; their clock is a number this process moves (the monitor's manual clock's twin)."""

    def __init__(self, repos: int, start: datetime) -> None:
        context = multiprocessing.get_context("spawn")
        self._now = context.Value("d", start.timestamp())
        self._conn, child = context.Pipe()
        self._proc = context.Process(target=_serve_fakes, args=(repos, self._now, child),
                                     daemon=True)
        self._proc.start()
        self.home_toml: str = self._answer()
        self.env: dict[str, str] = self._answer()

    def _answer(self) -> Any:
        """The child's next message; an error, not a wait for ever, if it died."""
        while not self._conn.poll(1):
            if not self._proc.is_alive():
                raise RuntimeError(f"the fakes' process exited ({self._proc.exitcode})")
        return self._conn.recv()

    def set(self, now: datetime) -> None:
        self._now.value = now.timestamp()

    def stir(self) -> None:
        self._conn.send("stir")
        self._answer()

    def close(self) -> None:
        if self._proc.is_alive():
            self._conn.send("stop")
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.kill()


def _serve_fakes(repos: int, now: Any, conn: Any) -> None:
    rng = random.Random(7)

    def clock() -> datetime:
        return datetime.fromtimestamp(now.value, UTC)

    with fake_server(repos, clock) as server:
        conn.send(repos_toml(server.github.repos, server.gitee.repos))
        conn.send(server.env())
        while conn.recv() == "stir":
            server.clear_log()
            stir(server, rng, clock())
            conn.send("ok")


def soak(args: argparse.Namespace) -> bool:
    clock = ManualClock(START)
    fakes = FakeProcess(args.repos, START)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
            home = Path(tmp)
            env = write_home(home, fakes.home_toml, fakes.env)
            settings = load_settings(home, env, clock=clock)
            db_path = home / "storage" / "monitor.db"
            print(f"soak: {args.repos} repos (half GitHub over GraphQL, half Gitee), "
                  f"{args.cycles} cycles 6 h apart on a manual clock, a backfill a day; the "
                  "fakes in a child process")
            with open_database(settings.database_url) as database:
                database.upgrade()
                samples = asyncio.run(_cycles(args, settings, database, fakes, clock, db_path))
    finally:
        fakes.close()
    first, warm, end = samples[0], samples[min(1, len(samples) - 1)], samples[-1]
    growth = end[1] - warm[1]
    cache_ok = end[2] <= warm[2] * 1.1 + 10
    print(f"  growth after the warm-up: {growth / 1024:+.1f} MB over {end[0] - warm[0]} cycles "
          f"({growth / max(end[0] - warm[0], 1):+.2f} kB/cycle); from cycle {first[0]}: "
          f"{(end[1] - first[1]) / 1024:+.1f} MB  -> {verdict(growth < 10 * 1024)} (< 10 MB)")
    print(f"  cache: {warm[2]} rows at the warm-up, {end[2]} at the end  -> "
          f"{verdict(cache_ok)} (bounded)")
    return growth < 10 * 1024 and cache_ok


async def _cycles(args: argparse.Namespace, settings: Settings, database: Database,
                  fakes: FakeProcess, clock: ManualClock,
                  db_path: Path) -> list[tuple[int, int, int]]:
    """Run the cycles in one event loop, as the daemon does; returns samples (cycle, VmRSS kB,
    cache rows)."""
    tracked = load_repos(settings.repos_path)
    samples: list[tuple[int, int, int]] = []
    started = time.perf_counter()
    print(f"  {'cycle':>6} {'RSS':>9} {'cache rows':>11} {'cache MB':>9} {'errors':>7} "
          f"{'s/cycle':>8}")
    for cycle in range(1, args.cycles + 1):
        if cycle == args.cycles // 2:  # a tenth untracked: their cached answers must go
            kept = [r for i, r in enumerate(tracked.repos()) if i % 10]
            toml = "\n".join(f'[[projects]]\nname = "{r}"\nrepos = ["{r}"]\n' for r in kept)
            settings.repos_path.write_text(toml)
            tracked = load_repos(settings.repos_path)
        await run_collect(settings, database, tracked)
        if cycle % 4 == 0:
            await run_backfill(settings, database, tracked)
        fakes.set(clock.advance(hours=6))
        fakes.stir()
        if cycle in (1, args.warmup) or cycle % args.sample_every == 0 or cycle == args.cycles:
            rows, size, errors = table_sizes(db_path)
            samples.append((cycle, rss_kb(), rows))
            print(f"  {cycle:>6} {mb(samples[-1][1]):>9} {rows:>11} {size / 1e6:>9.1f} "
                  f"{errors:>7} {(time.perf_counter() - started) / cycle:>8.2f}", flush=True)
    return samples
