"""The passing-time half of ``benchmarks/backfill.py``: many repos over simulated weeks.

Collect is not run (it would cost several requests a repo and measure nothing of backfill): the
stars a collect would read are written as collected observations at the same instant, which
Gitee's backfill reads to guess where its list ends. GitHub's backfill asks the platform for the
stars now (one GraphQL query for 50 repos): those requests are counted apart ("count").
"""

from __future__ import annotations

import asyncio
import random
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from monitor.clock import ManualClock
from monitor.commands.backfill import backfill
from monitor.commands.init import init_home
from monitor.config.repos import load_repos
from monitor.config.settings import load_settings
from monitor.store.db import Database, open_database
from monitor.store.models import Observation, Repo
from monitor.store.series import ObservationIn, write_observations
from tests.fakes import FakeGitee, FakeGitHub, FakeRepo, FakeServer
from tests.fakes.github_shapes import star_weeks

__all__ = ["run"]

TOKEN = "bench-token"
LA, SHANGHAI = ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Shanghai")
HISTORY = ("/stargazers/history", "/stargazers")
#: How backfill asks GitHub for the stars now: GraphQL with a token, the repo over REST without.
COUNT = re.compile(r"/graphql$|/repositories/\d+$|/repos/[^/]+/[^/]+$")


@dataclass
class Day:
    """History requests of one backfill run over every repo."""

    label: str
    requests: int = 0  # history pages
    counts: int = 0  # star-count requests (GitHub's history tells no total)
    not_modified: int = 0
    charged: int = 0
    over: list[str] = field(default_factory=list)  # repos above their target
    over_with_304: list[str] = field(default_factory=list)  # the same, counting free 304s
    by_platform: dict[str, int] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)  # repos whose series is not the truth
    wall: float = 0.0


class World:
    """The fakes, the home and the database on one manual clock."""

    def __init__(self, repos: int, start: datetime, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.clock = ManualClock(start)
        self.github, self.gitee = FakeGitHub(token_limit=10**9), FakeGitee(token_limit=10**9)
        for fake in (self.github, self.gitee):
            fake.clock = self.clock
        self.keys: list[str] = []
        #: GitHub pages as the monitor last read them, by repo and page number.
        self.read: dict[str, dict[int, object]] = {}
        for i in range(repos):
            platform = "github" if i % 2 == 0 else "gitee"
            created = start - timedelta(days=self.rng.randint(120, 900))
            n = self.rng.randint(20, 450)
            span = (start - created).total_seconds()
            times = sorted(created + timedelta(seconds=int(self.rng.random() * span))
                           for _ in range(n))
            repo = FakeRepo(id=10_000 + i, owner="bench", name=f"r{i}", created_at=created,
                            star_times=times)
            (self.github if platform == "github" else self.gitee).add(repo)
            self.keys.append(f"{platform}:bench/r{i}")
        self.gitee.stargazers_newest_first = False

    def fake(self, key: str) -> FakeRepo:
        platform, full = key.split(":")
        repo: FakeRepo = (self.github if platform == "github" else self.gitee).repo(full)
        return repo

    def give(self, share: float) -> None:
        """Stars given in the last day to a *share* of the repos."""
        for key in self.keys:
            if self.rng.random() < share:
                moment = self.clock() - timedelta(seconds=self.rng.randint(60, 80_000))
                self.fake(key).give_star(moment.replace(microsecond=0))

    def withdraw(self, share: float, deep: bool) -> list[str]:
        """One star withdrawn in a *share* of the repos: deep in history (older than 35
        weeks, or the oldest third of the list) or anywhere."""
        hit = []
        for key in self.keys:
            repo = self.fake(key)
            times = sorted(repo.star_times or [])
            if len(times) < 3 or self.rng.random() >= share:
                continue
            if deep:
                old = [t for t in times if t < self.clock() - timedelta(weeks=35)]
                pool = old or times[: len(times) // 3]
            else:
                pool = times
            repo.withdraw_star(self.rng.choice(pool))
            hit.append(key)
        return hit

    def pages(self, key: str) -> list[object]:
        """The platform's history pages now, as the fake serves them."""
        repo, now = self.fake(key), self.clock()
        if key.startswith("github"):
            weeks = star_weeks(repo.star_timeline(now), repo.created_at, now)
            return [weeks[i:i + 30] for i in range(0, len(weeks), 30)]
        items = repo.stargazers(now)
        items = items[::-1] if self.gitee.stargazers_newest_first else items
        return [items[i:i + 100] for i in range(0, len(items), 100)]


    def note_read(self, fake: FakeServer) -> None:
        """Remember each GitHub history page the last backfill read, as it was then (a 304
        says it was as read before): read again, it costs a 200 only if it changed since."""
        now: dict[str, list[object]] = {}
        for r in fake.requests_for("github"):
            found = re.search(r"/repos/([^/]+/[^/]+)/stargazers/history$", r.path)
            if found is None or r.status not in (200, 304):
                continue
            key, page = f"github:{found.group(1)}", int(r.query.get("page", "1"))
            pages = now.setdefault(key, self.pages(key))
            self.read.setdefault(key, {})[page] = pages[page - 1] if page <= len(pages) else None

    def target(self, key: str, before: list[object], after: list[object]) -> int:
        """What a deep withdrawal may cost *key*: the pages whose content changed, plus one.
        On Gitee, the pages the withdrawal changed (every later entry moves up). On GitHub the
        withdrawal changes its own week's page, but every page before it that changed since the
        monitor last read it costs a 200 too (weeks slide one page deeper every Sunday), and no
        page can be skipped on the way: those up to the withdrawal's."""
        if not key.startswith("github"):
            return 1 + changed(before, after)
        deepest = max((i + 1 for i in range(max(len(before), len(after)))
                       if _page(before, i) != _page(after, i)), default=0)
        read = self.read.get(key, {})
        return 1 + sum(1 for i in range(deepest) if _page(after, i) != read.get(i + 1))


def _page(pages: list[object], i: int) -> object:
    return pages[i] if i < len(pages) else None


def truth(times: Iterable[datetime], zone: ZoneInfo, now: datetime) -> list[tuple[datetime, int]]:
    stars = sorted(times)
    if not stars:
        return []
    points, day, i = [], stars[0].astimezone(zone).date(), 0
    last = now.astimezone(zone).date() - timedelta(days=1)
    while day <= last:
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
        end = end.astimezone(UTC)
        while i < len(stars) and stars[i] < end:
            i += 1
        points.append((end, i))
        day += timedelta(days=1)
    return points


def stored(database: Database) -> dict[str, list[tuple[datetime, int]]]:
    out: dict[str, list[tuple[datetime, int]]] = {}
    with database.session() as session:
        rows = session.exec(
            select(Repo.config_key, Observation.observed_at, Observation.value)
            .join(Repo, col(Repo.id) == col(Observation.repo_id))
            .where(Observation.metric == "stars", Observation.source == "backfill")
            .order_by(col(Repo.config_key), col(Observation.observed_at))
        )
        for key, at, value in rows:
            out.setdefault(str(key), []).append((at, value))
    return out


def run(repos: int, weeks: int) -> int:
    """Print the passing-time figures; returns 1 if a target or a series failed."""
    # Simulated weeks end before today: the figures read like a recent stretch of history.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=9 * weeks + 3)
    world = World(repos, start)
    home = Path(tempfile.mkdtemp(prefix="aoss-bench-weeks-"))
    (home / "config").mkdir()
    listed = ", ".join(f'"{k}"' for k in world.keys)
    (home / "config" / "repos.toml").write_text(
        f'[[projects]]\nname = "Bench"\nrepos = [{listed}]\n')
    # Gitee tells no budget: let one run read every repo (the default caps it at 1,000).
    (home / "config" / "monitor.toml").write_text("[backfill]\nmax_requests = 1000000\n")
    print(f"\n{repos} repos ({repos - repos // 2} GitHub, {repos // 2} Gitee), {weeks} "
          f"simulated weeks from {start:%Y-%m-%d}")
    print(f"{'day':<28}{'history req':>12}{'count':>7}{'per repo':>9}{'GitHub':>7}{'Gitee':>6}"
          f"{'304s':>6}"
          f"{'charged':>8}{'over':>5}{'(w/ 304)':>9}{'wrong':>6}{'wall s':>8}")
    failed = False
    with FakeServer(github=world.github, gitee=world.gitee) as fake:
        environ = {**fake.env(), "GITHUB_TOKEN": TOKEN, "GITEE_TOKEN": TOKEN}
        settings = load_settings(home, environ)
        init_home(settings)
        tracked = load_repos(settings.repos_path)
        with open_database(settings.database_url) as database:
            def backfill_day(label: str, targets: dict[str, int] | None) -> Day:
                collect(database, world)
                fake.clear_log()
                used = charged(fake)
                began = time.perf_counter()
                asyncio.run(backfill(settings, database, tracked, now=world.clock))
                day = Day(label, wall=time.perf_counter() - began)
                day.charged = charged(fake) - used
                tally(fake, day, targets)
                world.note_read(fake)
                series = stored(database)
                for key in world.keys:
                    zone = LA if key.startswith("github") else SHANGHAI
                    if series.get(key, []) != truth(world.fake(key).star_times or [], zone,
                                                    world.clock()):
                        day.wrong.append(key)
                show(day, repos)
                return day

            days = [backfill_day("first backfill", None)]
            for week in range(1, weeks + 1):
                for _ in range(6):
                    world.clock.advance(days=1)
                    world.give(0.3)
                world.withdraw(0.05, deep=False)
                world.clock.advance(days=1)
                days.append(backfill_day(f"week {week}: end of week", None))
                world.clock.advance(days=1)
                world.give(0.3)
                days.append(backfill_day(f"week {week}: quiet day", {}))
                world.clock.advance(days=1)
                before = {k: world.pages(k) for k in world.keys}
                hit = world.withdraw(0.1, deep=True)
                targets = {k: world.target(k, before[k], world.pages(k)) for k in hit}
                days.append(backfill_day(f"week {week}: deep withdrawal", targets))
                if week == weeks // 2:  # costs each Gitee repo one request, once
                    world.gitee.stargazers_newest_first = True
                    print("  (the Gitee stargazer list turns round: newest first from here)")
    for day in days:
        if day.over_with_304:
            print(f"  {day.label}: above target counting free 304s: "
                  f"{', '.join(day.over_with_304[:8])}")
        if day.over:
            print(f"  {day.label}: above target: {', '.join(day.over[:8])}")
        failed = failed or bool(day.wrong) or (
            day.label.endswith(("quiet day", "withdrawal")) and bool(day.over))
    quiet = [d for d in days if d.label.endswith("quiet day")]
    deep = [d for d in days if d.label.endswith("withdrawal")]
    most = max((d.requests + d.counts) / repos for d in quiet)
    print(f"quiet days: at most {most:.2f} requests a repo (target 1; star counts included), "
          f"{sum(d.not_modified for d in quiet)} of them free 304s; deep "
          f"withdrawals: {sum(len(d.over) for d in deep)} repos above changed pages + 1 "
          f"({sum(len(d.over_with_304) for d in deep)} counting free 304s); "
          f"{sum(len(d.wrong) for d in days)} wrong series  {'FAIL' if failed else 'PASS'}")
    return 1 if failed else 0


def charged(fake: FakeServer) -> int:
    """Budget points used so far: GitHub's core and GraphQL, and Gitee's."""
    return (fake.github.budget(TOKEN).used + fake.github.budget(TOKEN, "graphql").used
            + fake.gitee.budget(TOKEN).used)


def tally(fake: FakeServer, day: Day, targets: dict[str, int] | None) -> None:
    """Count the history requests of *day*; a repo is over its target when it made more
    requests than the target, a free GitHub 304 not counted (also shown: with 304s)."""
    paid: dict[str, int] = {}
    every: dict[str, int] = {}
    for platform in ("github", "gitee"):
        for r in fake.requests_for(platform):
            if COUNT.search(r.path):
                day.counts += 1
                day.by_platform[platform] = day.by_platform.get(platform, 0) + 1
                continue
            if not r.path.endswith(HISTORY):
                continue
            found = re.search(r"/repos/([^/]+/[^/]+)/stargazers", r.path)
            key = f"{platform}:{found.group(1) if found else r.path}"
            day.requests += 1
            day.by_platform[platform] = day.by_platform.get(platform, 0) + 1
            every[key] = every.get(key, 0) + 1
            if r.status == 304:
                day.not_modified += 1
            else:
                paid[key] = paid.get(key, 0) + 1
    if targets is None:
        return
    day.over = [f"{k} ({n} > {targets.get(k, 1)})" for k, n in paid.items()
                if n > targets.get(k, 1)]
    day.over_with_304 = [f"{k} ({n} > {targets.get(k, 1)})" for k, n in every.items()
                         if n > targets.get(k, 1)]


def changed(before: list[object], after: list[object]) -> int:
    """Pages whose content differs (a page that appeared or vanished counts too)."""
    return sum(1 for i in range(max(len(before), len(after)))
               if _page(before, i) != _page(after, i))


def collect(database: Database, world: World) -> None:
    """What a collect at the clock's instant would store of stars."""
    now = world.clock()
    with database.session() as session:
        ids = {str(k): i or 0 for k, i in session.exec(select(Repo.config_key, Repo.id))}
        rows = [ObservationIn(ids[key], "stars", now, world.fake(key).star_count)
                for key in world.keys if key in ids]
        write_observations(session, rows)


def show(day: Day, repos: int) -> None:
    half = {"github": repos - repos // 2, "gitee": max(repos // 2, 1)}
    print(f"{day.label:<28}{day.requests:>12}{day.counts:>7}"
          f"{(day.requests + day.counts) / repos:>9.2f}"
          f"{day.by_platform.get('github', 0) / half['github']:>7.2f}"
          f"{day.by_platform.get('gitee', 0) / half['gitee']:>6.2f}{day.not_modified:>6}"
          f"{day.charged:>8}{len(day.over):>5}{len(day.over_with_304):>9}{len(day.wrong):>6}"
          f"{day.wall:>8.1f}")

