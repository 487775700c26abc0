"""Time is an input: the commands run at the clock they are given, not at the wall clock.

The CLI is run in-process at a :class:`~monitor.clock.ManualClock` instant years from today,
the same clock the fakes answer by; what is stored and which period a report covers by default
must come from that clock, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.harness import Monitor, Run

HEALTHY = ("github:acme/rocket", "gitee:acme/rocket")
SUNDAY = datetime(2021, 1, 3, 12, 30, tzinfo=UTC)  # the last day of ISO week 2020-W53
MONDAY = datetime(2021, 1, 4, 6, 0, tzinfo=UTC)


def test_collect_stores_the_clock_instant_as_observed_at(monitor: Monitor, run: Run) -> None:
    monitor.clock.set(SUNDAY)
    status, out, err = run("collect", *HEALTHY)
    assert status == 0, out + err
    assert monitor.fake.clock is monitor.clock  # the fakes answer by the same clock
    stamps = {row.observed_at for row in monitor.rows(*HEALTHY)}
    assert stamps == {SUNDAY}
    assert [(r.started_at, r.finished_at) for r in monitor.runs()] == [(SUNDAY, SUNDAY)]


def test_the_default_report_period_ends_yesterday_by_the_clock(
    monitor: Monitor, run: Run,
) -> None:
    for instant in (SUNDAY, MONDAY):
        monitor.clock.set(instant)
        assert run("collect", *HEALTHY)[0] == 0
    status, out, err = run("report", "--format", "json")
    assert status == 0, out + err
    [written] = [Path(line) for line in out.splitlines() if line.endswith(".json")]
    assert written.name == "2020-W53.json"  # yesterday, 3 January 2021, ends ISO week 53
    period = json.loads(written.read_text(encoding="utf-8"))["period"]
    assert (period["key"], period["end"]) == ("2020-W53", "2021-01-04T00:00:00Z")
