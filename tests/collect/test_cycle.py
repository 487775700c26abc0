"""One collection cycle against the fakes: what is stored, when, and what it costs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from monitor.cli.console import summary_lines
from monitor.store.db import open_database
from monitor.store.models import Repo
from tests.harness import EXPECTED, HEALTHY, T0, Monitor


def github_calls(monitor: Monitor) -> list[tuple[str, str, int]]:
    return [(r.method, r.path, r.status) for r in monitor.fake.requests_for("github")]


@pytest.mark.parametrize("repo", ["github:acme/rocket", "github:acme/booster"])
def test_github_metrics_are_stored_as_the_spec_defines_them(
    monitor: Monitor, mode: str, repo: str
) -> None:
    monitor.collect(*HEALTHY)
    assert monitor.values(repo) == EXPECTED[repo]


def test_gitee_metrics_are_stored_as_the_spec_defines_them(monitor: Monitor) -> None:
    monitor.collect(*HEALTHY)
    assert monitor.values("gitee:acme/rocket") == EXPECTED["gitee:acme/rocket"]


def test_every_observation_of_a_cycle_has_its_start_as_observed_at(
    monitor: Monitor, mode: str
) -> None:
    monitor.configure(graphql_batch=1)
    summary = monitor.collect(*HEALTHY, now=T0 + timedelta(microseconds=654321))
    assert summary.observed_at == T0
    assert {row.observed_at for row in monitor.rows()} == {T0}


def test_the_same_cycle_run_twice_stores_nothing_twice(monitor: Monitor, mode: str) -> None:
    monitor.collect(*HEALTHY)
    first = monitor.rows()
    monitor.collect(*HEALTHY)
    assert monitor.rows() == first
    assert len(first) == sum(len(values) for values in EXPECTED.values())


def test_an_unchanged_anonymous_cycle_spends_no_github_budget(monitor: Monitor) -> None:
    monitor.collect(*HEALTHY)
    monitor.clock.set(T0 + timedelta(hours=6))  # the fakes' hourly budget has reset since
    used = monitor.fake.github.budget().used
    monitor.fake.clear_log()
    summary = monitor.collect(*HEALTHY, now=T0 + timedelta(hours=6))
    assert monitor.fake.github.budget().used == used
    assert {status for _, _, status in github_calls(monitor)} == {304}
    assert monitor.values("github:acme/rocket", T0 + timedelta(hours=6)) == {
        k: v for k, v in EXPECTED["github:acme/rocket"].items() if k != "contributors"
    }
    assert summary.having("collected") and not summary.having("failed")


def test_an_unchanged_token_cycle_sends_only_the_graphql_batch(monitor: Monitor) -> None:
    monitor.use_tokens()
    monitor.collect(*HEALTHY)
    monitor.fake.clear_log()
    monitor.collect(*HEALTHY, now=T0 + timedelta(hours=6))
    assert github_calls(monitor) == [("POST", "/github/graphql", 200)]


def test_contributors_are_asked_again_once_contributors_every_has_passed(
    monitor: Monitor, mode: str
) -> None:
    monitor.configure(contributors_every="1d")
    monitor.collect(*HEALTHY)
    monitor.fake.github.repo("acme/rocket").contributors = 13
    later = T0 + timedelta(days=1, seconds=1)
    monitor.collect(*HEALTHY, now=later)
    assert monitor.values("github:acme/rocket", later)["contributors"] == 13


def test_etags_survive_a_restart(monitor: Monitor, database_url: str) -> None:
    monitor.collect(*HEALTHY)
    monitor.database.dispose()
    monitor.fake.clear_log()
    with open_database(database_url) as reopened:
        monitor.collect(*HEALTHY, now=T0 + timedelta(hours=6), database=reopened)
    asked = monitor.fake.requests
    assert asked and all(r.headers.get("if-none-match") for r in asked)
    assert {r.status for r in asked} == {304}


def test_a_renamed_repo_keeps_its_history_under_one_row(monitor: Monitor, mode: str) -> None:
    monitor.collect(*HEALTHY)
    monitor.fake.github.rename("acme/rocket", "acme", "rocket-ng")
    later = T0 + timedelta(hours=6)
    summary = monitor.collect(*HEALTHY, now=later)
    renamed = [o for o in summary.outcomes if o.renamed_to]
    assert [(str(o.repo), o.renamed_to) for o in renamed] == [
        ("github:acme/rocket", "github:acme/rocket-ng")
    ]
    assert ("renamed github:acme/rocket -> github:acme/rocket-ng "
            "(config/repos.toml left as is)") in summary_lines(summary)
    with monitor.database.session() as session:
        rows = session.exec(select(Repo).where(Repo.platform_id == 101)).all()
    assert [(r.owner, r.name, r.config_key) for r in rows] == [
        ("acme", "rocket-ng", "github:acme/rocket")
    ]
    stars = [(r.repo, r.observed_at) for r in monitor.rows("github:acme/rocket")
             if r.metric == "stars"]
    assert stars == [("github:acme/rocket-ng", T0), ("github:acme/rocket-ng", later)]


def test_a_repo_renamed_before_it_was_first_seen_is_followed(monitor: Monitor) -> None:
    monitor.fake.github.rename("acme/rocket", "acme", "rocket-ng")
    summary = monitor.collect("github:acme/rocket")
    assert summary.outcomes[0].renamed_to == "github:acme/rocket-ng"
    assert ("GET", "/github/repos/acme/rocket", 301) in github_calls(monitor)
    assert monitor.values("github:acme/rocket") == EXPECTED["github:acme/rocket"]


def test_only_the_named_repos_are_collected(monitor: Monitor) -> None:
    summary = monitor.collect("gitee:acme/rocket")
    assert [str(o.repo) for o in summary.outcomes] == ["gitee:acme/rocket"]
    assert {r.repo for r in monitor.rows()} == {"gitee:acme/rocket"}
    assert monitor.fake.requests_for("github") == []


def test_the_run_is_recorded_with_requests_and_budget(monitor: Monitor) -> None:
    summary = monitor.collect(*HEALTHY)
    (run,) = monitor.runs()
    assert (run.kind, run.started_at, run.outcome) == ("collect", T0, "ok")
    assert summary.requests["github"] == len(monitor.fake.requests_for("github"))
    assert summary.budgets["github"].remaining == monitor.fake.github.budget().remaining
