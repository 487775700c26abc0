"""What each daemon job does, given the configuration it runs with.

Each job records itself as a ``collection_run`` row named like the job (``collect`` records its
own inside :func:`monitor.commands.collect.collect`), so ``status`` shows the last run's time,
outcome, duration and requests. A job cut short (SIGTERM, cancel) is recorded as ``interrupted``.
"""

from __future__ import annotations

import asyncio
import logging

from monitor.commands.backfill import BackfillSummary, backfill
from monitor.commands.collect import collect
from monitor.config.repos import Tracked
from monitor.config.settings import Settings
from monitor.errors import NoData
from monitor.platforms import PlatformFactory, open_platform
from monitor.reports.model import Period
from monitor.reports.period import PeriodKind, default_end, period_ending
from monitor.store.db import Database
from monitor.store.runs import RunPlatformIn, finish_run, start_run
from monitor.store.threads import off_loop

__all__ = ["backfill_outcome", "run_backfill", "run_collect", "run_report"]

log = logging.getLogger(__name__)


async def run_collect(
    settings: Settings, database: Database, tracked: Tracked, *,
    platform_factory: PlatformFactory = open_platform,
) -> None:
    """One collection cycle, then the first backfill of repos never backfilled (new ones)."""
    summary = await collect(settings, database, tracked, platform_factory=platform_factory)
    log.info(
        "collect.done observed_at=%s collected=%d deferred=%d failed=%d listings_failed=%d "
        "requests=%d outcome=%s",
        summary.observed_at.isoformat(), len(summary.having("collected")),
        len(summary.having("deferred")), len(summary.having("failed")),
        len(summary.failed_owners), sum(summary.requests.values()), summary.outcome,
    )
    await run_backfill(settings, database, tracked, new_only=True,
                       platform_factory=platform_factory)


async def run_backfill(
    settings: Settings, database: Database, tracked: Tracked, *, new_only: bool = False,
    platform_factory: PlatformFactory = open_platform,
) -> None:
    """A backfill run, recorded as kind ``backfill`` (a *new_only* run only if it did work)."""
    started = settings.clock()
    run_id = None
    if not new_only:
        run_id = await database.write(start_run, "backfill", started)
    summary = BackfillSummary()
    outcome = "interrupted"
    try:
        summary = await backfill(settings, database, tracked, new_only=new_only,
                                 platform_factory=platform_factory)
        outcome = backfill_outcome(summary)
    except asyncio.CancelledError:
        raise
    except Exception:
        outcome = "failed"
        raise
    finally:
        if run_id is None and summary.outcomes:
            run_id = await database.write(start_run, "backfill", started)
        if run_id is not None:
            await database.write(
                finish_run, run_id, outcome,
                [RunPlatformIn(name, count) for name, count in summary.requests.items()],
                settings.clock())
    if summary.outcomes or not new_only:
        log.info(
            "backfill.done new_only=%s repos=%d failed=%d requests=%d outcome=%s",
            str(new_only).lower(), len(summary.outcomes), len(summary.failed),
            sum(summary.requests.values()), outcome,
        )


def backfill_outcome(summary: BackfillSummary) -> str:
    """ok (nothing failed), partial (some failed) or failed (every repo failed)."""
    failed = len(summary.failed)
    if not failed:
        return "ok"
    return "failed" if failed == len(summary.outcomes) else "partial"


async def run_report(
    settings: Settings,
    database: Database,
    tracked: Tracked,
    kind: PeriodKind,
    period: Period | None = None,
    *,
    job: str | None = None,
) -> None:
    """Render the report of *period* (default: the last complete *kind* period).

    Recorded as kind *job* (``weekly_report``/``monthly_report``). No data for the period is
    logged and counts as done: there is simply nothing to report yet. "Now" is the settings'
    clock, as everywhere below the daemon.
    """
    # Templates, charts and the report queries load with the first report, not at start:
    # a daemon that only collects between reports stays small.
    from monitor.reports.files import FORMATS, write_report

    name = job or ("weekly_report" if kind == "week" else "monthly_report")
    chosen = period or period_ending(kind, default_end(settings.clock()))
    run_id = await database.write(start_run, name, settings.clock())
    outcome = "interrupted"
    try:
        written = await off_loop(write_report, settings, database, tracked, chosen, FORMATS)
        outcome = "ok"
        log.info("report.written period=%s files=%d", chosen.key, len(written))
    except NoData as exc:
        outcome = "ok"
        log.info("report.nodata period=%s reason=%r", chosen.key, str(exc))
    except asyncio.CancelledError:
        raise
    except Exception:
        outcome = "failed"
        raise
    finally:
        await database.write(finish_run, run_id, outcome, (), settings.clock())
