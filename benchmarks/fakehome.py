"""What the daemon benchmarks share: fake repos, a home tracking them, and /proc readings.

Imported by ``benchmarks/daemon.py`` and ``benchmarks/soak.py``; run those, not this.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from monitor.clock import Clock  # noqa: E402
from tests.fakes import FakeGitee, FakeGitHub, FakeRepo, FakeServer, github_schema  # noqa: E402

TOKEN = "bench-token"
UNLIMITED = 10**9
CREATED = datetime(2022, 1, 1, tzinfo=UTC)


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
    return (f'[schedule]\ncollect = "{collect}"\nbackfill = "1d"\n'
            'weekly_report = "0 8 * * mon"\nmonthly_report = "0 8 1 * *"\n')


def fake_server(repos: int, clock: Clock | None = None) -> FakeServer:
    github_schema()  # the fake parses GitHub's schema once, before anything is timed
    half = repos // 2
    return FakeServer(
        github=FakeGitHub(fake_repos(repos - half, 100_000), anon_limit=UNLIMITED,
                          token_limit=UNLIMITED, graphql_limit=UNLIMITED),
        gitee=FakeGitee(fake_repos(half, 500_000), anon_limit=UNLIMITED, token_limit=UNLIMITED),
        clock=clock,
    )


def write_home(home: Path, toml: str, fake_env: dict[str, str],
               collect: str = "6h") -> dict[str, str]:
    """A home tracking *toml*'s repos; returns the environment that points it at the fakes."""
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "repos.toml").write_text(toml)
    (home / "config" / "monitor.toml").write_text(monitor_toml(collect))
    return {**fake_env, "GITHUB_TOKEN": TOKEN, "GITEE_TOKEN": TOKEN,
            "MONITOR_DATABASE_URL": f"sqlite:///{home / 'storage' / 'monitor.db'}"}


def rss_kb(pid: int | str = "self") -> int:
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


def mb(kb: float) -> str:
    return f"{kb / 1024:.1f} MB"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
