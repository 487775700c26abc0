"""Collection benchmark: requests, rate-limit points and wall time per cycle, against the fake.

Run from the repository root::

    python benchmarks/collect.py [--repos 100 1000] [--latency 0.05] [--modes named owner]

For each repo count, mode and scenario (GitHub with a token, GitHub anonymous, Gitee with a
token) it builds that many fake repos and a fresh home tracking them all, and runs a first
cycle, then ``--repeats`` (5) more with nothing changed (within the contributors' and
details' refresh intervals). The repeat cycles ask the same, so they are shown as one row: the
median cycle (by wall over its bound), with the range of their wall times: a repeat cycle of an
owner is a few tenths of a second, where one sample says more about the machine than about the
collector. Modes:

* ``named``: each repo named in repos.toml (a project per repo), spread over 20 owners;
* ``owner``: every repo held by one owner (the fakes' ``add_owner_repos``), tracked as a whole
  through ``orgs``: the owner's listing is collected, and what it lacks is asked on its cadence.

Figures per cycle:

* requests: as the fake logged them (the ground truth) and as ``CycleSummary.requests`` counts;
* points: rate-limit budget the fake charged (GitHub: core + graphql; Gitee: its one budget);
* 304: conditional requests answered "not modified" (free on GitHub, charged by the fake Gitee);
* bound: the issue's latency bound, requests x latency / concurrency, rounded up to whole
  round trips (one request still takes one latency). Concurrency is the platform's HTTP gate:
  ``settings.concurrency`` for GitHub, ``min(concurrency, 2)`` for Gitee. In owner mode some
  requests must wait for others: an owner's GraphQL listing pages follow one another (each needs
  the previous page's cursor), so each GraphQL request counts at full latency, (GraphQL + REST /
  concurrency) x latency; a REST listing's first page tells how many others there are, so they
  follow it, (1 + rest / concurrency) x latency (see :func:`bounds`);
* served: the same bound from the fake's own answer times. The fake serves from a process of
  its own (as the real services do: its work is not the collector's) and answers a request
  ``latency`` after it arrived, or later where its own work took longer (drawing a GraphQL page
  of 100 repos can); a real service's response time includes its work too;
* ratio: wall / bound, and wall / served; wall time includes the database writes. The verdict
  takes the larger bound (the least time the network part could have taken);
* cpu: the collector's CPU time in the cycle;
* target (issues 9 and 12): GitHub with a token, named: <= 1.1 requests per repo in a first
  cycle, <= 0.1 in a repeat, wall within 1.5x of the bound; Gitee, named: <= 2 in a repeat;
  owner mode, every platform: <= 0.05 in a repeat, wall within 1.5x of the bound (with a token
  on GitHub also <= 1.1 in a first cycle).

The anonymous GitHub fake is given a huge hourly budget (real GitHub: 60/h, which would defer
all but 15 repos); so is the Gitee token (the fake charges 304s, 1,000 repos need ~7,000).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import logging
import math
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.remote import RemoteFake  # noqa: E402
from monitor.commands.collect import collect  # noqa: E402
from monitor.commands.init import init_home  # noqa: E402
from monitor.config.repos import load_repos  # noqa: E402
from monitor.config.settings import Settings, load_settings  # noqa: E402
from monitor.heap import settled_heap  # noqa: E402
from monitor.platforms.gitee import DEFAULT_CONCURRENCY as GITEE_CONCURRENCY  # noqa: E402
from monitor.store.db import open_database  # noqa: E402
from tests.fakes import (  # noqa: E402
    FakeGitee,
    FakeGitHub,
    FakeRelease,
    FakeRepo,
    FakeServer,
    github_schema,
)
from tests.fakes.state import FakePlatform  # noqa: E402

TOKEN = "bench-token"
UNLIMITED = 10**9
CREATED = datetime(2022, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Target:
    """The issues' limits for one scenario and mode (None: no limit)."""

    first: float | None = None  # requests per repo, first cycle
    repeat: float | None = None  # requests per repo, repeat cycle
    wall: float | None = None  # wall / the larger of bound and served


@dataclass(frozen=True)
class Scenario:
    name: str
    platform: str  # "github" or "gitee"
    token: str | None
    resources: tuple[str, ...]  # budgets the fake charges
    targets: dict[str, Target]  # by mode


SCENARIOS = (
    Scenario("github-token", "github", TOKEN, ("core", "graphql"), {
        "named": Target(1.1, 0.1, 1.5), "owner": Target(1.1, 0.05, 1.5)}),
    Scenario("github-anon", "github", None, ("core",), {"owner": Target(None, 0.05, 1.5)}),
    Scenario("gitee-token", "gitee", TOKEN, ("core",), {
        "named": Target(None, 2.0, None), "owner": Target(None, 0.05, 1.5)}),
)
MODES = ("named", "owner")
OWNER = "bigorg"


@dataclass(frozen=True)
class Row:
    scenario: str
    mode: str
    repos: int
    cycle: int
    logged: int  # requests the fake saw
    counted: int  # CycleSummary.requests
    graphql: int
    points: int
    not_modified: int
    collected: int
    wall: float
    cpu: float  # the collector's CPU time (its process: the fake runs in another)
    bound: float  # the latency bound: requests x latency / concurrency (serial: see the module)
    served: float  # the same bound from the fake's own answer times
    verdict: str
    spread: tuple[float, float] | None = None  # repeat cycles: the fastest's and slowest's wall


def fake_repos(n: int) -> list[FakeRepo]:
    """n ordinary, active repos: counts vary, each with contributors and a release."""
    return [
        FakeRepo(
            id=100_000 + i,
            owner=f"org{i % 20}",
            name=f"project-{i:04d}",
            created_at=CREATED,
            stars=10 * i + 7,
            forks=i % 97,
            watchers=i % 31,
            open_issues=i % 13,
            open_prs=i % 7,
            contributors=5 + i % 40,
            releases=[FakeRelease(f"v1.{i % 10}.0", "release", datetime(2024, 5, 1, tzinfo=UTC))],
        )
        for i in range(n)
    ]


def repos_toml(platform: str, repos: Sequence[FakeRepo]) -> str:
    blocks = [
        f'[[projects]]\nname = "{r.owner} {r.name}"\nrepos = ["{platform}:{r.full_name}"]\n'
        for r in repos
    ]
    return "\n".join(blocks)


def owner_toml(platform: str) -> str:
    return f'[[projects]]\nname = "Big"\norgs = ["{platform}:{OWNER}"]\n'


def make_server(scenario: Scenario, mode: str, n: int, latency: float) -> FakeServer:
    """A fake whose budget never stops the benchmark (see the module's docstring), holding *n*
    repos as *mode* lays them out."""
    repos = fake_repos(n) if mode == "named" else []
    fake: FakePlatform
    if scenario.platform == "github":
        fake = github = FakeGitHub(repos, anon_limit=UNLIMITED)
        server = FakeServer(github=github, latency=latency)
        github_schema()  # built once (~0.7 s) before serving: not the collector's time
    else:
        fake = gitee = FakeGitee(repos, token_limit=UNLIMITED)
        server = FakeServer(gitee=gitee, latency=latency)
    if mode == "owner":
        release = FakeRelease("v1.0.0", "release", datetime(2024, 5, 1, tzinfo=UTC))
        fake.add_owner_repos(OWNER, n, first_id=100_000, contributors=7, releases=[release],
                             created_at=CREATED)
    return server


def tracking(scenario: Scenario, mode: str, n: int) -> str:
    """The repos.toml that tracks what :func:`make_server` holds."""
    if mode == "named":
        return repos_toml(scenario.platform, fake_repos(n))
    return owner_toml(scenario.platform)


def concurrency_of(scenario: Scenario, settings: Settings) -> int:
    """The HTTP gate the platform client is built with (see ``from_settings``)."""
    if scenario.platform == "gitee":
        return min(settings.concurrency, GITEE_CONCURRENCY)
    return settings.concurrency


def verdict(target: Target | None, cycle: int, per_repo: float, ratio: float) -> str:
    if target is None:
        return "-"
    limit = target.first if cycle == 1 else target.repeat
    failed = [f"req>{limit}"] if limit is not None and per_repo > limit else []
    failed += [f"wall>{target.wall}x"] if target.wall is not None and ratio > target.wall else []
    return "FAIL " + ",".join(failed) if failed else "PASS"


def bounds(
    mode: str, answered: list[tuple[str, float]], concurrency: int, latency: float,
) -> tuple[float, float]:
    """The cycle's latency bound and the same from the fake's answer times (see the module):
    what the network part could take at the least, its requests *concurrency* at a time.

    In owner mode some requests must wait for others: an owner's GraphQL listing pages follow
    one another (each needs the last one's cursor), and a REST listing's first page tells how
    many others there are (they follow it)."""
    graphql = [t for path, t in answered if path.endswith("/graphql")]
    if mode == "owner" and graphql:  # the GraphQL requests one after another, the rest at once
        rest = [t for path, t in answered if not path.endswith("/graphql")]
        return ((len(graphql) + math.ceil(len(rest) / concurrency)) * latency,
                sum(graphql) + sum(rest) / concurrency)
    if mode == "owner" and answered:  # the first page, then the others at once
        first, *rest = [t for _, t in answered]
        return ((1 + math.ceil(len(rest) / concurrency)) * latency,
                first + sum(rest) / concurrency)
    return (math.ceil(len(answered) / concurrency) * latency,
            sum(t for _, t in answered) / concurrency)


def run_scenario(scenario: Scenario, mode: str, n: int, args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    toml = tracking(scenario, mode, n)
    build = functools.partial(make_server, scenario, mode, n, args.latency)
    with (tempfile.TemporaryDirectory(prefix="bench-") as tmp,
          RemoteFake(build, scenario.platform) as remote):
        home = Path(tmp)
        (home / "config").mkdir()
        (home / "config" / "repos.toml").write_text(toml)
        env = remote.env()
        if scenario.token is not None:
            env["GITHUB_TOKEN" if scenario.platform == "github" else "GITEE_TOKEN"] = TOKEN
        settings = load_settings(home, env)
        settings = dataclasses.replace(
            settings,
            concurrency=args.concurrency or settings.concurrency,
            graphql_batch=args.graphql_batch or settings.graphql_batch,
        )
        init_home(settings)
        tracked = load_repos(settings.repos_path)
        concurrency = concurrency_of(scenario, settings)
        seen = answered = 0
        with open_database(settings.database_url) as database, settled_heap():  # as `collect`
            for cycle in (1, *[2] * args.repeats):
                used = remote.used(scenario.token, scenario.resources)
                started = time.perf_counter()
                cpu = time.process_time()
                summary = asyncio.run(collect(settings, database, tracked))
                wall = time.perf_counter() - started
                cpu = time.process_time() - cpu
                log = remote.requests_since(seen)
                seen += len(log)
                points = remote.used(scenario.token, scenario.resources) - used
                graphql = sum(1 for e in log if e.path.endswith("/graphql"))
                times = remote.answered_since(answered)
                answered += len(times)
                bound, served = bounds(mode, times, concurrency, args.latency)
                ratio = wall / max(bound, served) if bound else float("inf")
                rows.append(
                    Row(
                        scenario.name,
                        mode,
                        n,
                        cycle,
                        len(log),
                        summary.requests.get(scenario.platform, 0),
                        graphql,
                        points,
                        sum(1 for e in log if e.status == 304),
                        len(summary.having("collected")),
                        wall,
                        cpu,
                        bound,
                        served,
                        verdict(scenario.targets.get(mode), cycle, len(log) / n, ratio),
                    )
                )
                if errors := remote.errors():
                    raise RuntimeError(f"the fake crashed: {errors[0]}")
    return [rows[0], typical(rows[1:], scenario.targets.get(mode), n)]


def typical(repeats: list[Row], target: Target | None, n: int) -> Row:
    """The repeat cycles as one row: the median cycle by wall time over the larger bound (each
    repeat asks the same, so their spread is the machine's), its range in ``spread``."""
    ratios = sorted((r.wall / max(r.bound, r.served), i) for i, r in enumerate(repeats))
    middle = repeats[ratios[len(ratios) // 2][1]]
    walls = [r.wall for r in repeats]
    worst = max(r.logged for r in repeats)  # the requests: the most any repeat made
    return dataclasses.replace(
        middle, spread=(min(walls), max(walls)),
        verdict=verdict(target, 2, worst / n, ratios[len(ratios) // 2][0]),
    )


HEADER = (
    f"{'scenario':<13}{'mode':<6}{'repos':>6}{'cyc':>4}{'req(fake)':>10}{'req(sum)':>9}{'gql':>5}"
    f"{'req/repo':>9}{'pts/repo':>9}{'304':>6}{'ok':>6}{'wall s':>8}{'cpu s':>7}{'bound s':>8}"
    f"{'ratio':>6}{'served s':>9}{'ratio':>6}  target"
)


def show(row: Row) -> str:
    ratio = row.wall / row.bound if row.bound else float("inf")
    served = row.wall / row.served if row.served else float("inf")
    return (
        f"{row.scenario:<13}{row.mode:<6}{row.repos:>6}{row.cycle:>4}{row.logged:>10}{row.counted:>9}"
        f"{row.graphql:>5}{row.logged / row.repos:>9.3f}{row.points / row.repos:>9.3f}"
        f"{row.not_modified:>6}{row.collected:>6}{row.wall:>8.2f}{row.cpu:>7.2f}{row.bound:>8.2f}"
        f"{ratio:>6.2f}{row.served:>9.2f}{served:>6.2f}  {row.verdict}"
        + ("" if row.spread is None else f"  (wall {row.spread[0]:.2f}-{row.spread[1]:.2f})")
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repos", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--concurrency", type=int, help="override settings.concurrency (4)")
    parser.add_argument("--graphql-batch", type=int, help="override settings.graphql_batch (50)")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--repeats", type=int, default=5,
                        help="repeat cycles measured; the row shows the median (default 5)")
    parser.add_argument(
        "--scenarios",
        nargs="+",
        choices=[s.name for s in SCENARIOS],
        default=[s.name for s in SCENARIOS],
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    chosen = [s for s in SCENARIOS if s.name in args.scenarios]
    print(
        f"latency {args.latency * 1000:.0f} ms per request; "
        f"concurrency {args.concurrency or 'default'}; "
        f"graphql_batch {args.graphql_batch or 'default'}"
    )
    print(
        "bound = requests x latency / concurrency (GitHub: settings.concurrency, Gitee: "
        "min(concurrency, 2)), rounded up to whole round trips; owner mode: (GraphQL + REST / "
        "concurrency) x latency with GraphQL, else (1 + the others / concurrency) x latency; "
        "served: the same from the fake's own answer times; the verdict takes the larger"
    )
    print(HEADER)
    failed = False
    for n in args.repos:
        for mode in args.modes:
            for scenario in chosen:
                for row in run_scenario(scenario, mode, n, args):
                    print(show(row), flush=True)
                    failed = failed or row.verdict.startswith("FAIL")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak RSS {peak:.0f} MiB (the collector's process, SQLite included; the fake's apart)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
