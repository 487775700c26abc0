"""``collect``/``backfill`` of some repos when owners are tracked: an owner id names all its
repos, a repo an owner's listing brought can be named too, and an interrupted cycle keeps what
it stored."""

from __future__ import annotations

import pytest

from monitor.platforms.http import HttpClient
from tests.collect.owners import T1, add_nebula, expected, members
from tests.harness import T0, Monitor, Run
from tests.shared import Killed


def test_collect_of_an_owner_lists_it_and_collects_its_repos_only(
    run: Run, monitor: Monitor
) -> None:
    add_nebula(monitor)
    status, out, _ = run("collect", "gitee:nebula")
    assert status == 0
    assert out.splitlines()[0] == "collected 2, deferred 0, failed 0"
    assert monitor.fake.requests_for("github") == []
    assert {r.repo for r in monitor.rows()} == {"gitee:nebula/moon", "gitee:nebula/star"}
    assert members(monitor)["Nebula"] == {"gitee:nebula/moon": "gitee:nebula",
                                          "gitee:nebula/star": "gitee:nebula"}


def test_collect_of_a_listed_repo_collects_that_repo_only(run: Run, monitor: Monitor) -> None:
    add_nebula(monitor)
    monitor.collect()
    monitor.fake.clear_log()
    monitor.clock.set(T1)
    status, out, _ = run("collect", "https://github.com/nebula/star")
    assert status == 0
    assert out.splitlines()[0] == "collected 1, deferred 0, failed 0"
    assert monitor.fake.requests_for("gitee") == []
    assert set(monitor.values("github:nebula/star", T1)) >= {"stars", "forks"}
    assert monitor.values("github:nebula/moon", T1) == {}
    assert members(monitor)["Nebula"]["github:nebula/moon"] == "github:nebula"


@pytest.mark.parametrize("arg", ["github:stranger", "github:nebula/unknown"])
def test_collect_of_an_untracked_owner_or_repo_is_one_line_exit_2(
    run: Run, monitor: Monitor, arg: str
) -> None:
    add_nebula(monitor)
    status, _, err = run("collect", arg)
    assert status == 2
    assert err.strip().splitlines() == [
        f"aoss-monitor: error: not tracked: {arg} (add with `aoss-monitor track`)"]
    assert monitor.fake.requests == []
    assert monitor.runs() == []


def test_collect_says_which_listing_failed_and_exits_1(run: Run, monitor: Monitor) -> None:
    add_nebula(monitor)
    monitor.fake.gitee.fail_next(HttpClient.attempts, status=500,
                                 path_pattern=r"^/orgs/nebula/repos")
    status, out, _ = run("collect", "gitee:nebula", "gitee:acme/rocket")
    assert status == 1
    lines = out.splitlines()
    assert lines[0] == "collected 1, deferred 0, failed 0"
    assert [line for line in lines if line.startswith("listing failed gitee:nebula: ")]


def test_backfill_covers_the_listed_members_and_keeps_them(monitor: Monitor) -> None:
    add_nebula(monitor)
    monitor.collect()
    before = members(monitor)
    summary = monitor.backfill("github:nebula", now=T1)
    assert sorted(str(o.repo) for o in summary.outcomes) == [
        "github:nebula/dust", "github:nebula/moon", "github:nebula/star"]
    assert members(monitor) == before
    everything = monitor.backfill(now=T1)
    assert {str(o.repo) for o in everything.outcomes} >= {
        "gitee:nebula/star", "github:nebula/star", "github:acme/rocket"}


def test_an_interrupted_owner_cycle_keeps_what_it_stored_and_the_next_stores_the_rest(
    monitor: Monitor, killed: Killed,
) -> None:
    add_nebula(monitor)
    monitor.configure(graphql_batch=1)

    def interrupt(platform: str, done: int, total: int) -> None:
        if platform == "github":
            raise KeyboardInterrupt

    with killed():
        monitor.collect("github:nebula", progress=interrupt)
    assert len({r.repo for r in monitor.rows()}) == 1
    assert members(monitor)["Nebula"] == {
        "github:nebula/dust": "github:nebula", "github:nebula/moon": "github:nebula",
        "github:nebula/star": "github:nebula"}
    monitor.collect("github:nebula")
    for repo in ("github:nebula/dust", "github:nebula/moon", "github:nebula/star"):
        assert monitor.values(repo, T0) == expected(repo), repo
    assert [run.outcome for run in monitor.runs()] == ["interrupted", "ok"]


def test_a_repo_the_platform_renamed_can_be_named_by_its_new_name(monitor: Monitor) -> None:
    monitor.collect("github:acme/rocket")
    monitor.fake.github.rename("acme/rocket", "acme", "rocket-ng")
    monitor.collect("github:acme/rocket", now=T1)  # the store learns the new name
    summary = monitor.collect("github:acme/rocket-ng", now=T1 + (T1 - T0))
    assert [(str(o.repo), o.status) for o in summary.outcomes] == [
        ("github:acme/rocket", "collected")]
