"""What the owner tests share: a home tracking whole owners on the fakes, and what to read back.

``nebula`` holds three repos on GitHub (star, moon, dust) and two on Gitee (star, moon); the
project Nebula tracks both owners, and Rocket keeps its two named repos.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.store.stays import current_members, left_members
from tests.fakes import FakeRelease, FakeRepo
from tests.harness import T0, Monitor

__all__ = [
    "NEBULA",
    "NEBULA_TOML",
    "OWNERS_ONLY_TOML",
    "T1",
    "T_DAY",
    "add_nebula",
    "expected",
    "left",
    "members",
    "write_toml",
]

#: A repeat cycle within the contributors' and details' cadence (both a day by default).
T1 = T0 + timedelta(hours=6)
#: The first cycle after the cadence has passed.
T_DAY = T0 + timedelta(days=1, seconds=1)

NEBULA_TOML = """\
[[projects]]
name = "Nebula"
orgs = ["github:nebula", "gitee:nebula"]

[[projects]]
name = "Rocket"
repos = ["github:acme/rocket", "gitee:acme/rocket"]
"""

OWNERS_ONLY_TOML = """\
[[projects]]
name = "Nebula"
orgs = ["github:nebula", "gitee:nebula"]
"""

_RELEASES = [FakeRelease("v0.1", "0.1", datetime(2024, 2, 1, tzinfo=UTC))]

#: The fakes' nebula repos: (platform, id, name, stars, forks, watchers, issues, PRs, people).
NEBULA = [
    ("github", 2001, "star", 11, 2, 3, 4, 1, 6),
    ("github", 2002, "moon", 5, 1, 2, 0, 2, 3),
    ("github", 2003, "dust", 0, 0, 0, 1, 0, 1),
    ("gitee", 3001, "star", 8, 1, 4, 2, 3, 2),
    ("gitee", 3002, "moon", 2, 0, 1, 1, 0, 1),
]


def add_nebula(monitor: Monitor, toml: str = NEBULA_TOML) -> None:
    """The nebula repos on the fakes, and a repos.toml tracking the owner on both platforms."""
    for platform, rid, name, stars, forks, watchers, issues, prs, people in NEBULA:
        fake = monitor.fake.github if platform == "github" else monitor.fake.gitee
        fake.add(FakeRepo(
            id=rid, owner="nebula", name=name, stars=stars, forks=forks, watchers=watchers,
            open_issues=issues, open_prs=prs, contributors=people, releases=list(_RELEASES),
        ))  # fmt: skip
    write_toml(monitor, toml)


def write_toml(monitor: Monitor, toml: str) -> None:
    (monitor.home / "config" / "repos.toml").write_text(toml)


def expected(repo: str) -> dict[str, int]:
    """Every metric of a nebula repo as the SPEC defines it."""
    platform, _, full = repo.partition(":")
    name = full.partition("/")[2]
    for p, _, n, stars, forks, watchers, issues, prs, people in NEBULA:
        if (p, n) == (platform, name):
            return {"stars": stars, "forks": forks, "watchers": watchers, "open_issues": issues,
                    "open_prs": prs, "contributors": people, "releases": len(_RELEASES)}
    raise KeyError(repo)


def members(monitor: Monitor) -> dict[str, dict[str, str | None]]:
    """Each project's members now: repo id → the owner it came through (None: named)."""
    with monitor.database.session() as session:
        return {
            project: {str(m.repo): None if m.via is None else str(m.via) for m in rows}
            for project, rows in current_members(session.connection()).items()
        }


def left(monitor: Monitor) -> dict[str, datetime]:
    """The repos that left a project (and are in none now), with when."""
    with monitor.database.session() as session:
        return {row.repo: row.left_at for row in left_members(session.connection())}

