"""A cycle's summary as asyncio and logs show it."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.commands.outcomes import CycleSummary, Outcome
from monitor.ids import RepoId


def test_a_summary_repr_counts_its_outcomes_rather_than_spelling_them_out() -> None:
    # asyncio.run formats its finished main task, result included, when it closes.
    summary = CycleSummary(observed_at=datetime(2026, 11, 30, tzinfo=UTC))
    summary.outcomes += [Outcome(RepoId("github", "acme", f"r{i}"), "collected")
                         for i in range(1000)]
    assert repr(summary) == ("CycleSummary(observed_at=2026-11-30T00:00:00+00:00, "
                             "outcomes=1000, owners=0)")
