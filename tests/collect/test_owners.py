"""Whole owners: each cycle lists them, and their listing decides who is a member and what is
collected. Joins, leaves (with history kept), the flags that skip a repo, a named repo's
priority, and a listing that fails."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from monitor.commands.collect import CycleSummary
from monitor.platforms.http import HttpClient
from tests.collect.owners import (
    NEBULA_TOML,
    T1,
    add_nebula,
    expected,
    left,
    members,
    write_toml,
)
from tests.fakes import FakeRepo
from tests.harness import EXPECTED, T0, Monitor

NEBULA_MEMBERS = {
    "github:nebula/dust": "github:nebula", "github:nebula/moon": "github:nebula",
    "github:nebula/star": "github:nebula", "gitee:nebula/moon": "gitee:nebula",
    "gitee:nebula/star": "gitee:nebula",
}  # fmt: skip


def statuses(summary: CycleSummary) -> dict[str, str]:
    return {str(o.repo): o.status for o in summary.outcomes}


def test_an_owners_repos_join_its_project_and_are_collected(monitor: Monitor, mode: str) -> None:
    add_nebula(monitor)
    summary = monitor.collect()
    assert members(monitor)["Nebula"] == NEBULA_MEMBERS
    assert members(monitor)["Rocket"] == {"github:acme/rocket": None, "gitee:acme/rocket": None}
    assert statuses(summary) == {
        "github:acme/rocket": "collected", "gitee:acme/rocket": "collected",
        **{repo: "collected" for repo in NEBULA_MEMBERS},
    }  # fmt: skip
    for repo in NEBULA_MEMBERS:
        assert monitor.values(repo) == expected(repo), repo
    assert monitor.values("github:acme/rocket") == EXPECTED["github:acme/rocket"]


def test_a_repo_that_appears_in_the_listing_joins_at_that_cycle(
    monitor: Monitor, mode: str
) -> None:
    add_nebula(monitor)
    monitor.collect()
    monitor.fake.github.add(FakeRepo(id=2004, owner="nebula", name="comet", stars=9, forks=1))
    summary = monitor.collect(now=T1)
    assert members(monitor)["Nebula"]["github:nebula/comet"] == "github:nebula"
    assert statuses(summary)["github:nebula/comet"] == "collected"
    assert monitor.values("github:nebula/comet", T1)["stars"] == 9
    with monitor.database.session() as session:
        from monitor.store.stays import current_members

        joined = {str(m.repo): m.joined_at for m in current_members(session.connection())["Nebula"]}
    assert joined["github:nebula/comet"] == T1
    assert joined["github:nebula/star"] == T0


def _delete(monitor: Monitor) -> None:
    monitor.fake.github.remove("nebula/moon")


def _transfer(monitor: Monitor) -> None:
    monitor.fake.github.add_owner("elsewhere")
    monitor.fake.github.transfer("nebula/moon", "elsewhere")


def _make_private(monitor: Monitor) -> None:
    monitor.fake.github.repo("nebula/moon").private = True


def _archive(monitor: Monitor) -> None:
    monitor.fake.github.repo("nebula/moon").archived = True


def _exclude(monitor: Monitor) -> None:
    write_toml(monitor, NEBULA_TOML.replace(
        'orgs = ["github:nebula", "gitee:nebula"]',
        'orgs = ["github:nebula", "gitee:nebula"]\nexclude = ["github:nebula/m*"]'))


@pytest.mark.parametrize("leave", [_delete, _transfer, _make_private, _archive, _exclude],
                         ids=["deleted", "transferred", "private", "archived", "excluded"])
def test_a_repo_that_leaves_the_listing_leaves_and_keeps_its_history(
    monitor: Monitor, leave: Callable[[Monitor], None]
) -> None:
    add_nebula(monitor)
    monitor.collect()
    leave(monitor)
    monitor.fake.clear_log()
    summary = monitor.collect(now=T1)
    assert "github:nebula/moon" not in members(monitor)["Nebula"]
    assert left(monitor) == {"github:nebula/moon": T1}
    assert "github:nebula/moon" not in statuses(summary)
    assert not [r for r in monitor.fake.requests_for("github") if "moon" in r.path]
    assert monitor.values("github:nebula/moon", T1) == {}
    assert monitor.values("github:nebula/moon", T0) == expected("github:nebula/moon")
    assert {r.observed_at for r in monitor.rows("github:nebula/moon")} == {T0}


def test_a_repo_renamed_inside_its_owner_keeps_its_row_and_membership(
    monitor: Monitor, mode: str
) -> None:
    add_nebula(monitor)
    monitor.collect()
    monitor.fake.github.rename("nebula/moon", "nebula", "luna")
    summary = monitor.collect(now=T1)
    assert members(monitor)["Nebula"]["github:nebula/luna"] == "github:nebula"
    assert "github:nebula/moon" not in members(monitor)["Nebula"]
    assert left(monitor) == {}
    assert statuses(summary)["github:nebula/luna"] == "collected"
    stars = [(r.repo, r.observed_at) for r in monitor.rows("github:nebula/luna")
             if r.metric == "stars"]
    assert stars == [("github:nebula/luna", T0), ("github:nebula/luna", T1)]


@pytest.mark.parametrize("flag", ["fork", "archived"])
def test_forks_and_archived_repos_are_skipped_unless_the_project_asks(
    monitor: Monitor, flag: str
) -> None:
    add_nebula(monitor)
    setattr(monitor.fake.github.repo("nebula/moon"), flag, True)
    summary = monitor.collect()
    assert "github:nebula/moon" not in members(monitor)["Nebula"]
    assert "github:nebula/moon" not in statuses(summary)
    write_toml(monitor, NEBULA_TOML.replace(
        'orgs = ["github:nebula", "gitee:nebula"]',
        f'orgs = ["github:nebula", "gitee:nebula"]\n{flag}s = true' if flag == "fork"
        else f'orgs = ["github:nebula", "gitee:nebula"]\n{flag} = true'))
    summary = monitor.collect(now=T1)
    assert members(monitor)["Nebula"]["github:nebula/moon"] == "github:nebula"
    assert statuses(summary)["github:nebula/moon"] == "collected"


def test_a_named_repo_listed_by_another_projects_owner_counts_once_in_its_own_project(
    monitor: Monitor, mode: str
) -> None:
    write_toml(monitor, """\
[[projects]]
name = "Rocket"
repos = ["github:acme/rocket"]

[[projects]]
name = "Acme"
orgs = ["github:acme"]
""")
    summary = monitor.collect()
    found = members(monitor)
    assert found["Rocket"] == {"github:acme/rocket": None}
    assert "github:acme/rocket" not in found["Acme"]
    assert "github:acme/booster" in found["Acme"]
    assert [str(o.repo) for o in summary.outcomes].count("github:acme/rocket") == 1
    assert monitor.values("github:acme/rocket") == EXPECTED["github:acme/rocket"]


def test_a_listing_that_fails_midway_keeps_the_owners_members_and_fails_nothing_else(
    monitor: Monitor, mode: str
) -> None:
    monitor.fake.github.anon_limit = 10**6
    add_nebula(monitor)
    monitor.fake.github.add_owner_repos("nebula", 101, first_id=50_000)  # two listing pages
    monitor.collect()
    before = members(monitor)
    monitor.fake.github.add(FakeRepo(id=2004, owner="nebula", name="comet", stars=9))
    monitor.fake.gitee.add(FakeRepo(id=3004, owner="nebula", name="comet", stars=9))
    page = r"^/graphql$" if mode == "graphql" else r"^/orgs/nebula/repos"
    # Page 2 answers 500 to each of the HTTP layer's tries, then the fault is spent.
    monitor.fake.github.fail_next(HttpClient.attempts, status=500, path_pattern=page, after=1)
    summary = monitor.collect(now=T1)
    after = members(monitor)
    assert {k: v for k, v in after["Nebula"].items() if k.startswith("github:")} == {
        k: v for k, v in before["Nebula"].items() if k.startswith("github:")}
    assert after["Nebula"]["gitee:nebula/comet"] == "gitee:nebula"  # the other platform: listed
    assert left(monitor) == {}
    assert summary.having("failed") == [] and summary.having("deferred") == []
    assert len(summary.outcomes) == len(before["Nebula"]) + 1 + 2
    assert monitor.values("github:nebula/star", T1)["stars"] == 11
    assert [(str(o.owner), o.status) for o in summary.owners] == [
        ("github:nebula", "failed"), ("gitee:nebula", "listed")]


def test_an_owner_that_no_longer_exists_loses_its_members_and_says_so(monitor: Monitor) -> None:
    add_nebula(monitor)
    monitor.collect()
    for name in ("star", "moon"):
        monitor.fake.gitee.remove(f"nebula/{name}")
    summary = monitor.collect(now=T1)
    assert left(monitor) == {"gitee:nebula/star": T1, "gitee:nebula/moon": T1}
    failed = [o for o in summary.owners if o.status == "failed"]
    assert [(str(o.owner), o.kind) for o in failed] == [("gitee:nebula", "not_found")]
    assert members(monitor)["Nebula"]["github:nebula/star"] == "github:nebula"
