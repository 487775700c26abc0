"""Backfill benchmark: requests to rebuild star history, against the minimum the pages allow.

Run from the repository root::

    python benchmarks/backfill.py [--years 8] [--gitee-stars 40000] [--latency 0.05]
                                  [--repos 1000] [--weeks 8]

Two repos on the local fake: a GitHub repo ``--years`` old (its star history comes 30 weeks a
page, so the minimum is ceil(weeks / 30)) and a Gitee repo with ``--gitee-stars`` stars (100
stargazers a page: ceil(stars / 100)). Each is backfilled twice: a first backfill, then an
incremental one with nothing new (target: exactly one request). Printed per run: history
requests (as the fake logged them) against the minimum, requests charged to the budget, the
wall time and the rows written. Release pages, GitHub's star count (one GraphQL query) and its
free ``/rate_limit`` are counted apart, since the minimum is about history pages.

Then time passes (:mod:`benchmarks.backfill_weeks`): ``--repos`` repos (half GitHub, half Gitee,
both list orders) on one :class:`~monitor.clock.ManualClock` that the fakes read too, ``--weeks``
simulated weeks with stars given every week and withdrawn anywhere in history. Each week ends
with a backfill, then two days are measured: a quiet day (nothing changed deep in history;
target at most one history request a repo, and GitHub's free: its 304s are counted apart, and
so are its star counts, one GraphQL query for 50 repos), and a day after one star was withdrawn
deep in history in a tenth of the repos (target: at most the pages whose content changed, plus
one; the changed pages are counted here from the fakes' own pages, on GitHub against the pages
as the monitor last read them, since every page slides one week deeper each Sunday). After
every backfill each repo's stored series is compared with the fakes' truth.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import backfill_weeks  # noqa: E402
from monitor.commands.backfill import backfill  # noqa: E402
from monitor.commands.init import init_home  # noqa: E402
from monitor.config.repos import load_repos  # noqa: E402
from monitor.config.settings import load_settings  # noqa: E402
from monitor.store.db import open_database  # noqa: E402
from monitor.store.series import export_rows  # noqa: E402
from tests.fakes import FakeGitee, FakeGitHub, FakeRepo, FakeServer  # noqa: E402

TOKEN = "bench-token"
HISTORY_PATHS = ("/stargazers/history", "/stargazers")


def star_times(count: int, created: datetime, now: datetime) -> list[datetime]:
    """*count* stars spread evenly from *created* to a day ago."""
    span = (now - timedelta(days=1) - created).total_seconds()
    return [created + timedelta(seconds=span * (i + 0.5) / count) for i in range(count)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--years", type=float, default=8.0)
    parser.add_argument("--github-stars", type=int, default=20_000)
    parser.add_argument("--gitee-stars", type=int, default=40_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repos", type=int, default=1000, help="repos for the weeks (0: skip)")
    parser.add_argument("--weeks", type=int, default=8)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    now = datetime.now(UTC)
    github_created = now - timedelta(days=round(365.25 * args.years))
    gitee_created = now - timedelta(days=3 * 365)
    github = FakeGitHub([FakeRepo(
        id=1, owner="big", name="old", created_at=github_created,
        star_times=star_times(args.github_stars, github_created, now),
    )], token_limit=10**6)
    gitee = FakeGitee([FakeRepo(
        id=2, owner="big", name="popular", created_at=gitee_created,
        star_times=star_times(args.gitee_stars, gitee_created, now),
    )], token_limit=10**6)
    weeks = math.ceil(((now - github_created).days + 7) / 7)
    minimum = {"github": math.ceil(weeks / 30), "gitee": math.ceil(args.gitee_stars / 100)}
    print(f"latency {args.latency * 1000:.0f} ms; github:big/old is {args.years:g} years old "
          f"({weeks} weeks, minimum {minimum['github']} pages); gitee:big/popular has "
          f"{args.gitee_stars} stars (minimum {minimum['gitee']} pages)")
    print(f"{'run':<12}{'repo':<20}{'history req':>12}{'minimum':>9}{'other req':>10}"
          f"{'charged':>9}{'wall s':>8}{'rows':>7}  status")

    home = Path(tempfile.mkdtemp(prefix="aoss-bench-backfill-"))
    (home / "config").mkdir()
    (home / "config" / "repos.toml").write_text(
        '[[projects]]\nname = "Old"\nrepos = ["github:big/old"]\n\n'
        '[[projects]]\nname = "Popular"\nrepos = ["gitee:big/popular"]\n'
    )
    failed = False
    with FakeServer(github=github, gitee=gitee, latency=args.latency) as fake:
        environ = {**fake.env(), "GITHUB_TOKEN": TOKEN, "GITEE_TOKEN": TOKEN}
        settings = load_settings(home, environ)
        init_home(settings)
        tracked = load_repos(settings.repos_path)
        with open_database(settings.database_url) as database:
            for run in ("first", "incremental"):
                for platform, repo in (("github", "github:big/old"),
                                       ("gitee", "gitee:big/popular")):
                    fake.clear_log()
                    used = getattr(fake, platform).budget(TOKEN).used
                    started = time.perf_counter()
                    summary = asyncio.run(backfill(
                        settings, database, tracked, [tracked.repos()[0 if platform == "github"
                                                                       else 1]],
                    ))
                    wall = time.perf_counter() - started
                    logged = fake.requests_for(platform)
                    history = sum(1 for r in logged if r.path.endswith(HISTORY_PATHS))
                    charged = getattr(fake, platform).budget(TOKEN).used - used
                    with database.session() as session:
                        rows = sum(1 for r in export_rows(session, [repo])
                                   if r.source == "backfill")
                    want = minimum[platform] if run == "first" else 1
                    ok = history == want and summary.outcomes[0].status in (
                        "complete", "unchanged")
                    failed = failed or not ok
                    print(f"{run:<12}{repo:<20}{history:>12}{want:>9}"
                          f"{len(logged) - history:>10}{charged:>9}{wall:>8.2f}{rows:>7}  "
                          f"{summary.outcomes[0].status} {'PASS' if ok else 'FAIL'}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB (backfill, fake server and SQLite together)")
    if args.repos > 0:
        failed = backfill_weeks.run(args.repos, args.weeks) != 0 or failed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
