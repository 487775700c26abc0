"""``aoss-monitor run``: the daemon that collects, backfills and reports on the schedule.

One process per database (:mod:`monitor.daemon.lock`). An APScheduler 3 ``AsyncIOScheduler``
fires the jobs of ``[schedule]`` (coalesced, one instance each, a little jitter); the jobs
themselves run one at a time, so they never compete for the database or the API budget.

- Start: the default files (a fresh home works), the lock, then the schema upgrade (only the
  daemon holding the lock migrates: a second one is refused first), runs a killed process left
  open marked interrupted, and catch-up: a collection or backfill missed while the daemon was
  down runs once now, a report whose period passed meanwhile is rendered
  (:mod:`monitor.daemon.triggers`).
- Hot reload: ``config/repos.toml`` and ``config/monitor.toml`` are re-read when they change
  (checked every few seconds and before each job; SIGHUP forces it). A broken edit is logged as
  ``file:line: message``, stored in ``daemon.config_error`` for ``status``, and the daemon keeps
  the last good configuration. A changed ``[schedule]`` reschedules the jobs.
- Time: one clock (:mod:`monitor.clock`), given by the CLI, rides in the settings to every job;
  the daemon's own "now" (catch-up, heartbeats, records) is read from it too. Only durations
  for logs and the heartbeat's spacing are measured with ``time.monotonic``.
- Stop: SIGTERM/SIGINT stop the scheduler and cancel the running job; its database work runs in
  worker threads and is interrupted (the transaction in flight rolled back whole, see
  :mod:`monitor.store.threads`), so the signal is heard at once and the job records itself
  interrupted. Exit 0.
- The lock is verified every watch cycle (:meth:`InstanceLock.verify`): a lock lost while the
  daemon lives (server restart, idle timeout, lock file deleted) is taken back when free; if
  another daemon took it meanwhile, this one stops and exits 1, so there are never two.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.clock import Clock, system_clock
from monitor.commands.init import init_files
from monitor.config.repos import Tracked, load_repos
from monitor.config.settings import Schedule, Settings, load_settings
from monitor.daemon.advice import TokenAdvice
from monitor.daemon.jobs import run_backfill, run_collect, run_report
from monitor.daemon.lock import AlreadyRunning, InstanceLock
from monitor.daemon.triggers import (
    REPORT_KINDS,
    catch_up,
    interval_of,
    make_trigger,
    missed_reports,
)
from monitor.errors import ConfigError, MonitorError
from monitor.heap import settled_heap
from monitor.instants import iso_z
from monitor.reports.model import Period
from monitor.store import daemon as record
from monitor.store.db import Database, open_database
from monitor.store.runs import JOBS, interrupt_unfinished_runs

__all__ = ["Daemon"]

log = logging.getLogger("monitor.daemon")

Signature = tuple[tuple[int, int, int] | None, ...]


class Daemon:
    """The daemon of one home; :meth:`run` returns the exit status."""

    def __init__(
        self,
        home: Path | str | None = None,
        environ: Mapping[str, str] | None = None,
        *,
        watch_every: float = 2.0,
        heartbeat_every: float = 30.0,
        stop_timeout: float = 4.0,
        metrics_port: int | None = None,
        on_started: Callable[[Daemon], Awaitable[None]] | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.home = home
        self.clock = clock
        self.environ = environ
        self.watch_every = watch_every
        self.heartbeat_every = heartbeat_every
        self.stop_timeout = stop_timeout
        self.metrics_port = metrics_port
        self.on_started = on_started
        self.settings: Settings
        self.tracked: Tracked
        self.database: Database
        self.scheduler: AsyncIOScheduler | None = None
        self._signature: Signature = ()
        self._config_error: str | None = None
        self._down_since: datetime | None = None  # the previous daemon's last heartbeat
        self._busy = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._force_reload = False
        self._jobs_written: dict[str, tuple[str, datetime | None]] = {}
        self._early_signals: list[int] = []
        self._lock: InstanceLock | None = None
        self._lock_lost = False  # another daemon holds the database now: exit 1
        self._advice = TokenAdvice()  # without a GitHub token: what its budget allows

    # -- life ------------------------------------------------------------------------------

    def run(self) -> int:
        """Run until SIGTERM or SIGINT; 0 after a clean stop, 1 when another daemon took the
        lock this one lost. Errors at start-up raise."""
        # A stop asked during start-up (migrations, the lock) is honoured once the loop runs.
        early: list[int] = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda number, _frame: early.append(number))
        self._early_signals = early
        self.settings = load_settings(self.home, self.environ, clock=self.clock)
        init_files(self.settings)
        self.tracked = load_repos(self.settings.repos_path)
        self._signature = self._files_signature()
        self.database = open_database(self.settings.database_url)
        with self.database, InstanceLock(self.database) as lock, contextlib.ExitStack() as stack:
            self._lock = lock
            self.database.upgrade()  # under the lock: a second daemon never migrates
            if self.metrics_port is not None:
                from monitor.daemon.prometheus import start_exporter

                exporter = start_exporter(self.metrics_port, self.database, lambda: self.tracked,
                                          self.clock)
                stack.callback(exporter.stop)
            with settled_heap():  # months of cycles: full GC rounds skip the start-up heap
                asyncio.run(self._main())
        return 1 if self._lock_lost else 0

    async def _main(self) -> None:
        self._stop, self._wake, self._busy = asyncio.Event(), asyncio.Event(), asyncio.Lock()
        with self.database.session(write=True) as session:
            interrupted = interrupt_unfinished_runs(session, self.clock())
            self._down_since = record.mark_started(session, self.clock())
        log.info(
            "daemon.started home=%s database=%s repos=%d interrupted_runs=%d",
            self.settings.home, self.database.url, len(self.tracked.repos()), interrupted,
        )
        await self._advice.tell(self.settings, self.database, self.tracked)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop, signum)
        loop.add_signal_handler(signal.SIGHUP, self._hangup)
        if self._early_signals:
            self.stop(self._early_signals[0])
        self.scheduler = AsyncIOScheduler(
            timezone=ZoneInfo(self.settings.schedule.timezone),
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.scheduler.add_listener(self._skipped, EVENT_JOB_MAX_INSTANCES)
        if logging.getLogger("apscheduler").getEffectiveLevel() >= logging.WARNING:
            # Its "skipped: maximum number of running instances" is our job.skipped (debug).
            logging.getLogger("apscheduler").setLevel(logging.ERROR)
        self.scheduler.start()
        try:
            await self._schedule_all(start=True)
            if self.on_started is not None:
                await self.on_started(self)
            await self._watch()
        finally:
            await self._shutdown()
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(signum)

    def stop(self, signum: int | None = None) -> None:
        """Ask the daemon to stop (what SIGTERM and SIGINT do)."""
        if not self._stop.is_set():
            name = signal.Signals(signum).name if signum else "request"
            log.info("daemon.stopping signal=%s", name)
        self._stop.set()
        self._wake.set()

    def _skipped(self, event: Any) -> None:
        log.debug("job.skipped job=%s reason=still_running", event.job_id)

    def _hangup(self) -> None:
        log.info("daemon.reload signal=SIGHUP")
        self._force_reload = True
        self._wake.set()

    async def _watch(self) -> None:
        """Until stopped: notice configuration edits, keep next runs and the heartbeat fresh."""
        beat = time.monotonic()
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.watch_every)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                if not await self._check_lock():
                    break
                force, self._force_reload = self._force_reload, False
                await self.reload(force=force)
                await self._write_jobs()
                if time.monotonic() - beat >= self.heartbeat_every:
                    await self._db(record.touch, self.clock())
                    beat = time.monotonic()
            except MonitorError as exc:  # a database hiccup must not end the daemon
                log.error("daemon.watch_error error=%r", str(exc))
            except Exception:
                log.exception("daemon.watch_error")

    async def _check_lock(self) -> bool:
        """Still the one daemon of this database? A lost lock is taken back; False (and a stop)
        when another daemon holds it now."""
        assert self._lock is not None
        try:
            retaken = await asyncio.to_thread(self._lock.verify)
        except AlreadyRunning as exc:
            log.error("daemon.lock_lost error=%r (another daemon took the lock; exiting)",
                      str(exc))
            self._lock_lost = True
            self.stop()
            return False
        if retaken:
            log.warning("daemon.lock_retaken (the single-instance lock was lost; held again)")
        return True

    async def _shutdown(self) -> None:
        started = time.monotonic()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        pending = [task for task in self._tasks if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            _, late = await asyncio.wait(pending, timeout=self.stop_timeout)
            if late:
                log.warning("daemon.stop_timeout jobs=%d", len(late))
        try:
            if not self._lock_lost:  # else the record is the other daemon's
                await self._db(record.mark_stopped, self.clock())
        except Exception:
            log.exception("daemon.stop_record_failed")
        log.info("daemon.stopped seconds=%.1f", time.monotonic() - started)

    async def _db(self, write: Callable[..., Any], *args: Any) -> Any:
        """One bookkeeping transaction, off the event loop (a busy SQLite must not stall it)."""
        return await self.database.write(write, *args)

    # -- schedule --------------------------------------------------------------------------

    async def _schedule_all(self, *, start: bool = False) -> None:
        assert self.scheduler is not None
        schedule = self.settings.schedule
        now = self.clock()
        last = {}
        first_data = None
        if start:
            for job in JOBS:
                last[job] = await self._db(record.last_run_started, job)
            first_data = await self._db(record.first_observation_at)
        due_now = set(catch_up(schedule, last, now)) if start else set()
        for job in JOBS:
            spec = getattr(schedule, job)
            trigger = make_trigger(spec, schedule.timezone)
            options: dict[str, Any] = {}
            seconds = interval_of(spec)
            if job in due_now:  # once now; collect first, then backfill
                options["next_run_time"] = now + timedelta(seconds=JOBS.index(job))
            elif start and seconds is not None and last.get(job) is not None:
                previous = last[job]
                assert previous is not None
                options["next_run_time"] = max(now, previous + timedelta(seconds=seconds))
            self.scheduler.add_job(
                self._job, trigger, args=(job,), id=job, name=job, replace_existing=True,
                **options,
            )
        if start:
            for job, kind in REPORT_KINDS.items():
                missed = missed_reports(kind, schedule, job, self.settings.reports_dir,
                                        first_data, now, self._down_since)
                for order, period in enumerate(missed):  # oldest first, each once
                    log.info("report.catch_up job=%s period=%s", job, period.key)
                    self.scheduler.add_job(
                        self._job, args=(job, period), id=f"{job}.catch_up.{period.key}",
                        name=f"{job}.catch_up",
                        next_run_time=now + timedelta(seconds=2, microseconds=order),
                        replace_existing=True,
                    )
        await self._write_jobs()
        for job in JOBS:
            next_run = self._jobs_written.get(job, ("", None))[1]
            log.info("job.scheduled job=%s schedule=%r next_run_at=%s", job,
                     getattr(schedule, job), iso_z(next_run) or "none")

    def _reschedule(self, old: Schedule) -> None:
        assert self.scheduler is not None
        new = self.settings.schedule
        for job in JOBS:
            spec = getattr(new, job)
            if spec == getattr(old, job) and new.timezone == old.timezone:
                continue
            self.scheduler.reschedule_job(job, trigger=make_trigger(spec, new.timezone))
            log.info("job.rescheduled job=%s schedule=%r", job, spec)

    def next_runs(self) -> dict[str, tuple[str, datetime | None]]:
        """Each job's schedule and next run time, as the scheduler has it now."""
        found: dict[str, tuple[str, datetime | None]] = {}
        if self.scheduler is None:
            return found
        for job in JOBS:
            scheduled = self.scheduler.get_job(job)
            when = getattr(scheduled, "next_run_time", None) if scheduled else None
            found[job] = (getattr(self.settings.schedule, job),
                          when.astimezone(UTC) if when is not None else None)
        return found

    async def _write_jobs(self) -> None:
        current = self.next_runs()
        if current != self._jobs_written:
            await self._db(record.set_jobs, current, self.clock())
            self._jobs_written = current

    # -- jobs ------------------------------------------------------------------------------

    async def _job(self, name: str, period: Period | None = None) -> None:
        """One job run: after the previous job, on the newest good configuration."""
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            async with self._busy:
                if self._stop.is_set():
                    return
                await self.reload()
                await self._run(name, period)
        except asyncio.CancelledError:
            pass  # stopping: the job recorded itself as interrupted
        finally:
            self._tasks.discard(task)

    async def _run(self, name: str, period: Period | None) -> None:
        settings, tracked, database = self.settings, self.tracked, self.database
        started = time.monotonic()
        log.info("job.start job=%s", name)
        try:
            if name == "collect":
                await run_collect(settings, database, tracked)
                await self._advice.tell(settings, database, tracked)
            elif name == "backfill":
                await run_backfill(settings, database, tracked)
            else:
                await run_report(settings, database, tracked, REPORT_KINDS[name], period, job=name)
        except asyncio.CancelledError:
            log.warning("job.interrupted job=%s seconds=%.1f", name, time.monotonic() - started)
            raise
        except MonitorError as exc:  # expected trouble (database down…): one line, no traceback
            log.error("job.failed job=%s seconds=%.1f error=%r", name,
                      time.monotonic() - started, str(exc))
        except Exception as exc:
            log.exception("job.failed job=%s seconds=%.1f error=%r", name,
                          time.monotonic() - started, str(exc))
        else:
            log.info("job.done job=%s seconds=%.1f", name, time.monotonic() - started)
        try:
            await self._db(record.touch, self.clock())
            await self._write_jobs()
        except Exception:
            log.exception("daemon.record_failed job=%s", name)

    # -- configuration ---------------------------------------------------------------------

    def _files_signature(self) -> Signature:
        paths = (self.settings.settings_path, self.settings.repos_path)
        found: list[tuple[int, int, int] | None] = []
        for path in paths:
            try:
                st = path.stat()
                found.append((st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                found.append(None)
        return tuple(found)

    async def reload(self, *, force: bool = False) -> bool:
        """Re-read both configuration files if they changed; False if the edit is broken."""
        signature = self._files_signature()
        if not force and signature == self._signature:
            return self._config_error is None
        self._signature = signature
        try:
            settings = load_settings(self.home, self.environ, clock=self.clock)
            tracked = load_repos(settings.repos_path)
        except (ConfigError, OSError) as exc:
            message = str(exc)
            if message != self._config_error:
                log.error("config.invalid %s (keeping the last good configuration)", message)
                self._config_error = message
                await self._db(record.set_config_error, message, self.clock())
            return False
        if self._config_error is not None:
            log.info("config.fixed")
            self._config_error = None
            await self._db(record.set_config_error, None, self.clock())
        old = self.settings
        if settings.database_url != old.database_url:
            log.warning("config.needs_restart key=database_url (still using %s)",
                        self.database.url)
            settings = replace(settings, database_url=old.database_url)
        added = set(tracked.repos()) - set(self.tracked.repos())
        removed = set(self.tracked.repos()) - set(tracked.repos())
        self.settings, self.tracked = settings, tracked
        log.info("config.reloaded repos=%d added=%d removed=%d", len(tracked.repos()),
                 len(added), len(removed))
        if settings.schedule != old.schedule:
            self._reschedule(old.schedule)
            await self._write_jobs()
        return True
