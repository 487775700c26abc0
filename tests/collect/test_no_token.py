"""Without a GitHub token nothing breaks: a cycle that needs more than 60 requests collects what
the budget pays for, defers the rest to a later cycle (exit 0: deferred is not failed), and
``status`` says what the budget allows and what a token would unlock."""

from __future__ import annotations

import json

from tests.fakes import FakeRepo
from tests.harness import Monitor, Run

FLEET = 25  # 4 requests each on a first anonymous cycle: 100, against 60 an hour


def track_a_fleet(monitor: Monitor) -> list[str]:
    names = [f"github:fleet/ship{i:02}" for i in range(FLEET)]
    for i in range(FLEET):
        monitor.fake.github.add(FakeRepo(id=900 + i, owner="fleet", name=f"ship{i:02}",
                                         stars=10 + i, forks=1, watchers=1, contributors=2))
    repos = ", ".join(f'"{name}"' for name in names)
    (monitor.home / "config" / "repos.toml").write_text(
        f'[[projects]]\nname = "Fleet"\nrepos = [{repos}]\n')
    return names


def test_a_cycle_over_the_anonymous_budget_collects_some_and_defers_the_rest(
    run: Run, monitor: Monitor,
) -> None:
    names = track_a_fleet(monitor)
    assert monitor.fake.github.budget().limit == 60
    status, out, err = run("collect")
    assert status == 0, out + err  # deferred is not failed
    assert "Traceback" not in out + err
    counts = out.splitlines()[0]  # "collected N, deferred M, failed 0"
    collected, deferred, failed = (int(part.split()[1]) for part in counts.split(", "))
    assert collected > 0 and deferred > 0 and failed == 0
    assert collected + deferred == FLEET
    stored = {r.repo for r in monitor.rows()}
    assert len(stored) == collected and stored <= set(names)  # every one paid for is stored
    assert out.count(": rate limit spent; deferred to the next cycle") == deferred


def test_status_then_says_what_the_budget_allows_and_what_a_token_unlocks(
    run: Run, monitor: Monitor,
) -> None:
    track_a_fleet(monitor)
    run("collect")
    status, out, err = run("status", "--json")
    assert status == 0, err
    data = json.loads(out)
    advice = data["no_token"]
    assert advice["tracked_repos"] == FLEET and advice["fits"] is False
    assert advice["needed_per_cycle"] == FLEET * 3 + 7  # a quarter of the contributors lists
    assert len(data["deferred"]) > 0 and data["failing"] == []
    assert advice["message"] in run("status")[1]
