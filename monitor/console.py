"""What ``collect`` shows a person: live progress on a terminal, log lines otherwise, a summary.

Kept out of :mod:`monitor.collect` so the cycle stays free of presentation; the cycle only calls
a ``progress(platform, done, total)`` callback.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from monitor.backfill import BackfillSummary
from monitor.collect import CycleSummary

__all__ = ["CollectProgress", "backfill_lines", "summary_lines"]

log = logging.getLogger("monitor.collect")


class CollectProgress:
    """A progress bar per platform on a terminal (stderr); plain log lines when piped."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True)
        self._live = self._console.is_terminal and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> CollectProgress:
        if self._live:
            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                console=self._console, transient=True,
            )
            self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, platform: str, done: int, total: int) -> None:
        if self._progress is None:
            log.info("collect.progress platform=%s done=%d total=%d", platform, done, total)
            return
        if platform not in self._tasks:
            self._tasks[platform] = self._progress.add_task(platform, total=total)
        self._progress.update(self._tasks[platform], completed=done)


def summary_lines(summary: CycleSummary) -> list[str]:
    """Counts, then requests and budget per platform, then each repo that needs attention."""
    collected, deferred, failed = (summary.having(s) for s in ("collected", "deferred", "failed"))
    lines = [f"collected {len(collected)}, deferred {len(deferred)}, failed {len(failed)}"]
    for platform in sorted(summary.requests):
        budget = summary.budgets.get(platform)
        if budget is None or budget.remaining is None:
            left = "budget not reported"
        else:
            limit = f"/{budget.limit}" if budget.limit is not None else ""
            left = f"budget {budget.remaining}{limit} left"
            if budget.reset_at is not None:
                left += f", resets {budget.reset_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
        lines.append(f"{platform}: {summary.requests[platform]} requests, {left}")
    for outcome in summary.outcomes:
        if outcome.status != "collected":
            lines.append(f"{outcome.status} {outcome.repo}: {outcome.reason}")
        elif outcome.renamed_to:
            lines.append(f"renamed {outcome.repo} -> {outcome.renamed_to} "
                         "(config/repos.toml left as is)")
    return lines




def backfill_lines(summary: BackfillSummary) -> list[str]:
    """One line per repo (what happened, pages read), then requests and allowance per platform."""
    lines = []
    for outcome in summary.outcomes:
        reason = f": {outcome.reason}" if outcome.reason else ""
        lines.append(f"{outcome.status} {outcome.repo} ({outcome.pages} pages){reason}")
    for platform in sorted(summary.requests):
        allowed = summary.allowance.get(platform)
        share = f" of {allowed} allowed" if allowed is not None else ""
        lines.append(f"{platform}: {summary.requests[platform]} requests{share}")
    return lines
