"""What a cycle does when repos, the network or the budget fail it: one repo's trouble is that
repo's, a spent budget defers, and a crash leaves whole batches only."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from monitor.commands.collect import CycleSummary
from monitor.platforms.github import GitHub
from monitor.platforms.http import UNREACHABLE_AFTER
from monitor.store.models import RepoError
from monitor.store.series import record_repo_error
from tests.fakes import closed_port_url
from tests.harness import EXPECTED, HEALTHY, T0, TOKENS, Monitor
from tests.shared import Killed

ROCKET = r"^/repos/acme/rocket$"


def statuses(summary: CycleSummary) -> dict[str, str]:
    return {str(o.repo): o.status for o in summary.outcomes}


def test_missing_private_and_blocked_repos_fail_with_their_reason(
    monitor: Monitor, mode: str
) -> None:
    summary = monitor.collect()
    assert monitor.errors() == {
        "github:acme/gone": "not_found",
        "github:acme/secret": "not_found",
        "github:acme/banned": "blocked",
    }
    assert monitor.errors(RepoError.message) == {
        str(o.repo): o.reason for o in summary.having("failed")
    }
    assert monitor.errors(RepoError.message)["github:acme/banned"].startswith(
        "github:acme/banned: blocked for legal reasons (dmca" if mode == "rest"
        else "github:acme/banned: Repository access blocked")
    assert {str(o.repo) for o in summary.having("collected")} == {*HEALTHY, "github:acme/empty"}
    for repo in HEALTHY:
        assert monitor.values(repo) == EXPECTED[repo]


def test_a_malformed_body_fails_that_repo_only(monitor: Monitor) -> None:
    monitor.fake.github.malformed_next(1, path_pattern=ROCKET)
    summary = monitor.collect(*HEALTHY)
    assert statuses(summary) == {
        "github:acme/rocket": "failed", "github:acme/booster": "collected",
        "gitee:acme/rocket": "collected",
    }
    assert "not JSON" in (summary.having("failed")[0].reason or "")
    assert monitor.errors() == {"github:acme/rocket": "malformed_response"}


def test_a_burst_of_5xx_is_retried_away(monitor: Monitor, mode: str) -> None:
    monitor.fake.github.fail_next(2, 503)  # not 502: a GraphQL 502 is a timeout, split not retried
    monitor.fake.gitee.fail_next(2, 500)
    summary = monitor.collect(*HEALTHY)
    assert not summary.having("failed")
    assert len(monitor.sleeps) == 4
    assert monitor.values("github:acme/rocket") == EXPECTED["github:acme/rocket"]


def test_endless_5xx_fails_that_repo_and_no_other(monitor: Monitor) -> None:
    monitor.fake.github.fail_next(1000, 500, path_pattern=ROCKET)
    summary = monitor.collect(*HEALTHY)
    assert [str(o.repo) for o in summary.having("failed")] == ["github:acme/rocket"]
    assert "HTTP 500 after 4 tries" in (summary.having("failed")[0].reason or "")
    assert monitor.errors() == {"github:acme/rocket": "unavailable"}
    assert monitor.values("github:acme/booster") == EXPECTED["github:acme/booster"]


def test_a_request_slower_than_the_timeout_fails_the_repo(monitor: Monitor) -> None:
    monitor.configure(timeout="1s")
    monitor.fake.latency = 1.5
    started = time.monotonic()
    summary = monitor.collect("gitee:acme/rocket")
    assert time.monotonic() - started < 6
    assert "Timeout" in (summary.having("failed")[0].reason or "")
    assert monitor.errors() == {"gitee:acme/rocket": "unavailable"}


def test_a_secondary_limit_waits_as_long_as_retry_after_says(monitor: Monitor, mode: str) -> None:
    monitor.fake.github.secondary_limit_next(1, retry_after=7)
    summary = monitor.collect(*HEALTHY)
    assert not summary.having("failed")
    assert monitor.sleeps == [7]


def test_a_spent_budget_defers_the_platform_and_sends_it_nothing_more(
    monitor: Monitor, mode: str
) -> None:
    monitor.configure(concurrency=1)
    token = TOKENS["GITHUB_TOKEN"] if mode == "graphql" else None
    resource = "graphql" if mode == "graphql" else "core"
    monitor.fake.github.set_budget(token, resource=resource, remaining=0,
                                   reset=int(T0.timestamp()) + 3600)
    summary = monitor.collect(*HEALTHY)
    assert statuses(summary) == {
        "github:acme/rocket": "deferred", "github:acme/booster": "deferred",
        "gitee:acme/rocket": "collected",
    }
    assert len(monitor.fake.requests_for("github")) == 1
    assert monitor.errors() == {"github:acme/rocket": "deferred", "github:acme/booster": "deferred"}
    assert monitor.runs()[0].outcome == "partial"
    assert monitor.sleeps == []


def crash_on_call(n: int, function: Callable[..., Any]) -> Callable[..., Any]:
    """*function*, except that its n-th call dies as a killed process would (SIGINT)."""
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == n:
            raise KeyboardInterrupt
        return function(*args, **kwargs)

    return wrapper


def test_a_crash_mid_batch_leaves_whole_batches_and_the_run_interrupted(
    monitor: Monitor, monkeypatch: pytest.MonkeyPatch, killed: Killed,
) -> None:
    monitor.configure(graphql_batch=2)
    order = ("github:acme/gone", "github:acme/rocket", "github:acme/booster", "github:acme/secret")
    # Batch 1 stores gone's error and rocket; batch 2 dies writing secret's error, after
    # booster's values: the whole of batch 2 must be undone.
    with monkeypatch.context() as patch:
        target = "monitor.commands.collect.record_repo_error"
        patch.setattr(target, crash_on_call(2, record_repo_error))
        with killed():
            monitor.collect(*order)
    assert {r.repo for r in monitor.rows()} == {"github:acme/rocket"}
    assert monitor.errors() == {"github:acme/gone": "not_found"}
    assert [run.outcome for run in monitor.runs()] == ["interrupted"]


def test_the_run_after_a_crash_stores_the_rest_once(
    monitor: Monitor, monkeypatch: pytest.MonkeyPatch, killed: Killed,
) -> None:
    monitor.configure(graphql_batch=1)

    def interrupt(platform: str, done: int, total: int) -> None:
        raise KeyboardInterrupt

    with killed():
        monitor.collect("github:acme/rocket", "github:acme/booster", progress=interrupt)
    assert {r.repo for r in monitor.rows()} == {"github:acme/rocket"}
    monitor.collect("github:acme/rocket", "github:acme/booster")
    for repo in ("github:acme/rocket", "github:acme/booster"):
        assert [(r.metric, r.value) for r in monitor.rows(repo)] == sorted(EXPECTED[repo].items())
    assert [run.outcome for run in monitor.runs()] == ["interrupted", "ok"]


def test_a_platform_bug_stores_no_token_from_its_text(
    monitor: Monitor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monitor.use_tokens()
    secret = TOKENS["GITHUB_TOKEN"]

    async def broken(self: GitHub, targets: object) -> None:
        raise RuntimeError(f"bug with headers {{'Authorization': 'Bearer {secret}'}}")

    monkeypatch.setattr(GitHub, "fetch", broken)
    summary = monitor.collect("github:acme/rocket")
    assert statuses(summary) == {"github:acme/rocket": "failed"}
    message = monitor.errors(RepoError.message)["github:acme/rocket"]
    assert message.startswith("internal error: RuntimeError")
    assert secret not in message


GITHUB_REPOS = ("github:acme/rocket", "github:acme/booster", "github:acme/gone",
                "github:acme/secret", "github:acme/banned", "github:acme/empty")


def test_an_unreachable_platform_is_deferred_after_a_few_connection_failures(
    monitor: Monitor, mode: str, caplog: pytest.LogCaptureFixture,
) -> None:
    monitor.configure(concurrency=1)
    fake_urls = dict(monitor.environ)
    offline = closed_port_url()
    monitor.environ.update(MONITOR_GITHUB_API_URL=offline,
                           MONITOR_GITHUB_GRAPHQL_URL=f"{offline}/graphql")
    caplog.set_level(logging.WARNING, logger="monitor")
    summary = monitor.collect()
    assert statuses(summary) == {**dict.fromkeys(GITHUB_REPOS, "deferred"),
                                 "gitee:acme/rocket": "collected"}
    assert summary.requests["github"] == UNREACHABLE_AFTER  # not 4 tries for each of 6 repos
    assert set(monitor.errors(RepoError.message).values()) == {
        f"github unreachable: ConnectError {UNREACHABLE_AFTER} times in a row; "
        "deferred to the next cycle"}
    unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(unreachable) == 1  # one clear line
    assert "github" in unreachable[0].getMessage()

    monitor.environ.update(fake_urls)  # the network is back: the next cycle asks again
    summary = monitor.collect(*HEALTHY, now=T0 + timedelta(hours=6))
    assert set(statuses(summary).values()) == {"collected"}
