"""True as time passes: 400 simulated days against the fakes, checked after every day.

From 1 February 2020 into March 2021, a span holding a 29 February, both US daylight-saving
changes and a year end with ISO week 53, one :class:`~monitor.clock.ManualClock` (the fakes
read the same one) moves a day a step. Each step, seeded at random, stars are given on every
repo (within the past day) and withdrawn (any earlier star, however old), a release is sometimes
published; one repo is renamed midway, one is empty (no commits, yet starred). Then ``collect``
and ``backfill`` run in-process as the program runs them, and the store, the export and, at each
ISO week's and month's end, the JSON report must equal the truth computed in
:mod:`tests.simulation.truth` from the fakes alone. Nothing sleeps: time is the clock.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select as core_select
from sqlmodel import select

from monitor.commands.export import export
from monitor.config.repos import load_repos
from monitor.heap import settled_heap
from monitor.instants import iso_z
from monitor.reports.data import load_report
from monitor.reports.jsonout import as_json
from monitor.reports.model import Period
from monitor.reports.period import period_ending
from monitor.store.models import Observation, Repo
from monitor.store.sql import table
from tests.fakes import FakeRelease, FakeRepo
from tests.harness import Monitor
from tests.simulation.truth import Row, SimRepo, boundary_value, effective

pytestmark = pytest.mark.simulation

START = datetime(2020, 2, 1, 10, 0, tzinfo=UTC)  # each step collects at 10:00Z
DAYS = 400
RENAME_ON = 200  # the step github:sim/gamma becomes sim/gamma-ng
METRICS = ("stars", "releases")

REPOS_TOML = """\
[[projects]]
name = "Alpha"
repos = ["github:sim/alpha", "gitee:sim/alpha"]

[[projects]]
name = "Gamma"
repos = ["github:sim/gamma"]
"""


def _repos(rng: random.Random) -> list[SimRepo]:
    """The simulated repos, created before the span with stars already given. Three, to keep
    a backend's run near a minute: sim/gamma is both the empty one (no commits, no releases,
    yet starred) and the one renamed midway."""
    out = []
    for i, key in enumerate(("github:sim/alpha", "gitee:sim/alpha", "github:sim/gamma")):
        full = key.split(":")[1]
        owner, name = full.split("/")
        created = START - timedelta(days=rng.randint(60, 120), seconds=rng.randint(0, 86399))
        empty = name == "gamma"
        span = int((START - created).total_seconds()) - 86400
        stars = sorted(
            created + timedelta(seconds=rng.randint(1, span)) for _ in range(rng.randint(5, 40))
        )
        fake = FakeRepo(id=9000 + i, owner=owner, name=name, created_at=created,
                        star_times=stars, forks=i, watchers=1, contributors=0 if empty else 2,
                        empty=empty)
        out.append(SimRepo(key, fake))
    return out


def _step(rng: random.Random, repos: list[SimRepo], now: datetime) -> None:
    """One day of the world: stars given in the past day and withdrawn anywhere, releases."""
    for repo in repos:
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            repo.fake.give_star(now - timedelta(seconds=rng.randint(1, 86399)))
        present = repo.fake.star_times or []
        if present and rng.random() < 0.3:
            gone = rng.choice(present)
            repo.fake.withdraw_star(gone)
            repo.events.append((now, f"withdrawn {gone:%Y-%m-%d %H:%M:%S}"))
        if not repo.fake.empty and rng.random() < 0.06:
            published = now - timedelta(seconds=rng.randint(1, 86399))
            repo.fake.releases.append(
                FakeRelease(f"v{len(repo.fake.releases) + 1}", published_at=published))


class Simulation:
    """The monitor, the fakes and the truth, one step at a time."""

    def __init__(self, monitor: Monitor, seed: int) -> None:
        self.monitor = monitor
        self.rng = random.Random(seed)
        self.repos = _repos(self.rng)
        for fake in (monitor.fake.github, monitor.fake.gitee):
            fake.anon_limit = fake.token_limit = 10**9  # budgets are not what this is about
        for repo in self.repos:
            getattr(monitor.fake, repo.platform).add(repo.fake)
        (monitor.home / "config" / "repos.toml").write_text(REPOS_TOML)
        self.ids: dict[str, int] = {}
        self._expected: tuple[datetime | None, list[Row]] = (None, [])

    def run(self, now: datetime) -> None:
        """Collect and backfill at *now*, as the program would; note what was collected."""
        cycle = self.monitor.collect(now=now)
        assert {o.status for o in cycle.outcomes} == {"collected"}, (now, cycle.outcomes)
        summary = self.monitor.backfill(now=now)
        assert {o.status for o in summary.outcomes} <= {"complete", "updated", "unchanged"}, (
            now, summary.outcomes)
        for repo in self.repos:
            repo.collected.append((now, repo.truth()))
        if not self.ids:
            with self.monitor.database.session() as session:
                self.ids = {str(k): i or 0 for k, i in
                            session.exec(select(Repo.config_key, Repo.id))}

    def stored(self) -> list[Row]:
        """Every stored row of the simulated metrics (read as columns: building an ORM object
        a row, thousands of rows a step, was most of the simulation's time)."""
        o = table(Observation).c
        stmt = core_select(o.repo_id, o.metric, o.observed_at, o.source, o.value).where(
            o.metric.in_(METRICS))
        with self.monitor.database.session() as session:
            return sorted(Row(*found) for found in session.connection().execute(stmt))

    def expected(self, now: datetime) -> list[Row]:
        if self._expected[0] != now:  # the store's and the export's check share it
            self._expected = (now, sorted(row for repo in self.repos
                                          for row in repo.expected_rows(self.ids[repo.key], now)))
        return self._expected[1]

    def check_store(self, now: datetime) -> None:
        """(a)-(c): every stored row of stars and releases, backfilled and collected, is the
        truth (the repos' events since a few days are in the message when not)."""
        want, got = self.expected(now), self.stored()
        if got != want:
            stored_only, true_only = sorted(set(got) - set(want)), sorted(set(want) - set(got))
            recent = [(repo.key, [(f"{at:%m-%d}", what) for at, what in repo.events
                                  if at > now - timedelta(days=7)]) for repo in self.repos]
            pytest.fail(f"{now:%Y-%m-%d}: store != truth; stored, not true: {stored_only[:4]}; "
                        f"true, not stored: {true_only[:4]}; recent events: {recent}")

    def check_export(self, now: datetime) -> list[Row]:
        """(d): the JSON export shows exactly the true rows precedence leaves; returns those."""
        shown = effective(self.expected(now))
        names = {self.ids[r.key]: r.current_name for r in self.repos}
        out = io.StringIO()
        export(self.monitor.database, out, fmt="json", metrics=list(METRICS))
        exported = sorted(json.loads(out.getvalue()),
                          key=lambda d: (d["repo"], d["metric"], d["observed_at"], d["source"]))
        expected = sorted(
            ({"repo": names[r.repo_id], "metric": r.metric, "observed_at": iso_z(r.observed_at),
              "value": r.value, "source": r.source} for r in shown),
            key=lambda d: (d["repo"], d["metric"], d["observed_at"], d["source"]))
        assert exported == expected, now
        return shown


    def check_report(self, period: Period, shown: list[Row]) -> None:
        """(e): each repo's start, end and change of every simulated metric is the truth."""
        settings = self.monitor.settings()
        report = as_json(load_report(self.monitor.database, load_repos(settings.repos_path),
                                     period))
        got = {repo["repo"]: {m: (c["start"], c["end"], c["delta"])
                              for m, c in repo["metrics"].items() if m in METRICS}
               for project in report["projects"] for repo in project["repos"]}
        want: dict[str, dict[str, tuple[int | None, int | None, int | None]]] = {}
        for repo in self.repos:
            rows = [r for r in shown if r.repo_id == self.ids[repo.key]]
            want[repo.key] = {}
            for metric in METRICS:
                mine = [r for r in rows if r.metric == metric]
                span = period.end - period.start
                start = boundary_value(mine, period.start, span)
                end = boundary_value(mine, period.end, span)
                delta = None if start is None or end is None else end - start
                want[repo.key][metric] = (start, end, delta)
        assert got == want, period


def _periods_ended(now: datetime) -> list[Period]:
    """The ISO week and the month whose end (00:00Z) the past day crossed."""
    yesterday = (now - timedelta(days=1)).date()
    ended = [period_ending(kind, yesterday) for kind in ("week", "month")]
    return [p for p in ended if now - timedelta(days=1) < p.end <= now]


@pytest.fixture
def frozen_heap() -> Iterator[None]:
    """What exists before the simulation (modules, the fakes, the engine) is left out of the
    garbage collector's full passes: each step makes thousands of rows, so those passes come
    often, and walking the whole heap each time cost some 2 s of CPU a run."""
    with settled_heap():
        yield


def test_four_hundred_days_stay_true_after_every_step(
    monitor: Monitor, frozen_heap: None,
) -> None:
    sim = Simulation(monitor, seed=20200229)
    now = START
    sim.run(now)
    sim.check_store(now)
    sim.check_export(now)
    reports = 0
    for day in range(1, DAYS + 1):
        now = START + timedelta(days=day)
        _step(sim.rng, sim.repos, now)
        if day == RENAME_ON:
            sim.monitor.fake.github.rename("sim/gamma", "sim", "gamma-ng")
        sim.run(now)
        sim.check_store(now)
        ended = _periods_ended(now)
        if ended or day == DAYS:  # the export weekly: it reads every row
            shown = sim.check_export(now)
            for period in ended:
                sim.check_report(period, shown)
                reports += 1
    assert now.year == 2021 and reports == 57 + 13  # ISO weeks 2020-W06..2021-W09, 13 months
