"""What the commands show a person: ``collect``'s live progress on a terminal (log lines
otherwise) and summary, ``backfill``'s and ``status``'s text.

Kept out of :mod:`monitor.commands.collect` so the cycle stays free of presentation; the cycle
only calls a ``progress(platform, done, total)`` callback.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING

from monitor.instants import iso_z

if TYPE_CHECKING:  # what each command shows is imported by that command, not at start
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from monitor.commands.backfill import BackfillSummary
    from monitor.commands.collect import CycleSummary
    from monitor.commands.status import Status
    from monitor.progress import BackfillProgress

__all__ = ["CollectProgress", "backfill_lines", "backfill_progress", "status_lines",
           "summary_lines"]

log = logging.getLogger("monitor.commands.collect")

#: How many of the repos that left ``status`` names (newest first); ``--json`` has them all.
LEFT_SHOWN = 20


class CollectProgress:
    """A progress bar per platform on a terminal (stderr); plain log lines when piped."""

    def __init__(self, console: Console | None = None) -> None:
        from rich.console import Console

        self._console = console or Console(stderr=True)
        self._live = self._console.is_terminal and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> CollectProgress:
        if self._live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

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
    for owner in summary.owners:
        if owner.status != "listed":
            lines.append(f"listing {owner.status} {owner.owner}: {owner.reason}")
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


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _span(delta: timedelta) -> str:
    """A short human duration: 45s, 12m, 3h 5m, 2d 4h."""
    seconds = int(abs(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 10 and rest:
        return f"{minutes}m {rest}s"
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    delta = moment - now
    relative = f"in {_span(delta)}" if delta.total_seconds() > 0 else f"{_span(delta)} ago"
    return f"{iso_z(moment)} ({relative})"


def status_lines(status: Status) -> list[str]:
    """Compact sections for a person: daemon, jobs, failing repos, deferred, renamed, left,
    budgets."""
    now = status.generated_at
    lines = [f"home      {status.home}" if status.home is not None else "home      -",
             f"database  {status.database}"]
    if status.config_error:
        lines.append(f"config    error: {status.config_error}")

    d = status.daemon
    lines += ["", "daemon"]
    if d.state == "never ran":
        lines.append("  not running (never started on this database)")
    else:
        where = f"pid {d.pid} on {d.host}"
        if d.state == "running":
            lines.append(f"  running, {where}, since {_when(d.started_at, now)}")
        elif d.state == "stopped":
            lines.append(f"  stopped {_when(d.stopped_at, now)} ({where})")
        else:
            lines.append(f"  not responding: last heartbeat {_when(d.heartbeat_at, now)} ({where})")
    if d.config_error:
        lines.append(f"  config error since {_when(d.config_error_at, now)}: {d.config_error}")
        lines.append("  (running on the last good configuration)")

    lines += ["", "jobs"]
    width = max(len(job.name) for job in status.jobs)
    every_width = max(len(job.schedule or "") for job in status.jobs) + 2
    for job in status.jobs:
        run = job.last_run
        if run is None:
            last = "last: never"
        else:
            outcome = run.outcome or ("running" if d.running else "unfinished")
            took = f", took {_span(run.duration)}" if run.duration is not None else ""
            last = (f"last: {_when(run.started_at, now)} {outcome}{took}, "
                    f"{run.requests} requests")
        nxt = (f"next: {_when(job.next_run_at, now)}" if job.next_run_at is not None
               else f"next: {job.next_run_note}")
        every = f"[{job.schedule}]" if job.schedule else ""
        lines.append(f"  {job.name:<{width}} {every:<{every_width}}  {last}; {nxt}")

    lines += ["", f"failing repos ({len(status.failing)})"]
    lines += [f"  {p.repo}: {p.kind}: {p.message}; since {_when(p.occurred_at, now)}, last "
              f"collected {_when(p.last_collected_at, now)}" for p in status.failing] or ["  none"]
    if status.deferred:
        lines += ["", f"deferred repos ({len(status.deferred)})"]
        lines += [f"  {p.repo}: {p.message}; since {_when(p.occurred_at, now)}"
                  for p in status.deferred]
    if status.renamed:
        lines += ["", f"renamed repos ({len(status.renamed)})"]
        lines += [f"  {r.notice}" for r in status.renamed]
    if status.left:
        lines += ["", f"left repos ({len(status.left)}): no longer listed, history kept"]
        lines += [f"  {r.repo} ({r.project}, via {r.via}): left {_when(r.left_at, now)}"
                  for r in status.left[:LEFT_SHOWN]]
        if len(status.left) > LEFT_SHOWN:
            lines.append(f"  … {len(status.left) - LEFT_SHOWN} more (status --json lists all)")
    if status.backfill_refused:
        lines += ["", f"backfill refused ({len(status.backfill_refused)})"]
        lines += [f"  {r.repo} {r.metric}: {r.reason}" for r in status.backfill_refused]

    if status.backfill is not None:
        lines += ["", "backfill", *(f"  {line}" for line in backfill_progress(status.backfill))]

    lines += ["", "API budget"]
    if not status.budgets:
        lines.append("  no figures yet (no run has reported one)")
    for b in status.budgets:
        limit = f"/{b.limit}" if b.limit is not None else ""
        resets = f", resets {_when(b.reset_at, now)}" if b.reset_at is not None else ""
        lines.append(f"  {b.platform}: {b.remaining}{limit} left{resets} "
                     f"(as of {_span(b.age)} ago)")
    if status.no_token is not None:
        lines.append(f"  {status.no_token.message}")
    return lines


def backfill_progress(progress: BackfillProgress) -> list[str]:
    """Where the tracked repos' first backfill stands, the requests left, the time left."""
    total = progress.complete + progress.in_progress + progress.not_started + progress.refused
    owners = progress.owners_not_listed
    lines = [f"{_count(total, 'tracked repo')}"
             + (f" and {_count(owners, 'owner')} not listed yet" if owners else "")
             + f": {progress.complete:,} complete, {progress.in_progress:,} in progress, "
             f"{progress.not_started:,} not started"
             + (f", {progress.refused:,} refused" if progress.refused else "")]
    if progress.done:
        return [*lines, "every history is complete"]
    left = progress.requests_left
    if left is None:
        lines.append("requests and time left unknown until every repo was collected and every "
                     "owner listed once (their sizes are unknown)")
        return lines
    runs = ", ".join(f"{platform} {n:,} at {progress.allowed.get(platform, 0):,} a run"
                     for platform, n in progress.requests.items() if n)
    lines.append(f"about {left:,} requests left ({runs})")
    if progress.time_left is None:
        why = ("the backfill schedule fires too rarely to tell" if progress.every is None
               else "a run's budget share allows no request")
        lines.append(f"time left unknown: {why}")
    else:
        every = _span(progress.every) if progress.every is not None else "?"
        lines.append(f"time left: about {_span(progress.time_left)} "
                     f"at the current budget (a run every {every})")
    return lines
