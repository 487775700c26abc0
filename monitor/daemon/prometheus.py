"""Opt-in Prometheus metrics, served on 127.0.0.1 only.

A custom collector reads the database at scrape time, so there is no module-level metric state to
keep in step with the store: what a scrape shows is what ``repos`` and ``status`` would show at
that instant, whichever process wrote it.

Exposed (gauges):

- ``aoss_repo_metric{repo, project, platform, metric}``: the latest collected value of each
  tracked repo's metrics: the repos ``repos.toml`` names (``repo`` is the id as it lists it)
  and those an owner's listing brought that are members now (the id as listed)
- ``aoss_repo_last_collected_timestamp_seconds{repo, project, platform}``
- ``aoss_last_successful_cycle_timestamp_seconds``: end of the newest ``ok``/``partial`` collect
- ``aoss_repos_failing``, ``aoss_repos_deferred``: as ``status`` counts them
- ``aoss_job_last_run_timestamp_seconds{job}``: start of each job's newest run
- ``aoss_job_last_success{job}``: 1 if that run ended ``ok`` or ``partial``, else 0
- ``aoss_job_last_success_timestamp_seconds{job}``
- ``aoss_api_budget_remaining{platform}``, ``aoss_api_budget_limit{platform}``,
  ``aoss_api_budget_reset_timestamp_seconds{platform}``
- ``aoss_store_up``: 1 if the database answered this scrape, else 0 (and nothing else is shown)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from monitor.clock import Clock
from monitor.commands.status import Status, read_status
from monitor.config.repos import Tracked
from monitor.errors import MonitorError
from monitor.store.db import Database
from monitor.store.prometheus import latest_by_key
from monitor.store.runs import JOBS, SUCCESS_OUTCOMES
from monitor.store.series import LatestValues
from monitor.store.stays import current_members

__all__ = ["ExporterHandle", "MonitorCollector", "start_exporter"]

log = logging.getLogger("monitor.daemon.prometheus")

#: The only address the exporter listens on: metrics name tracked repos and the daemon's health,
#: and a scraper on another host should come through a reverse proxy the operator controls.
BIND_ADDRESS = "127.0.0.1"


class MonitorCollector(Collector):
    """Builds every metric family from the database when Prometheus scrapes."""

    def __init__(
        self, database: Database, tracked_provider: Callable[[], Tracked], clock: Clock
    ) -> None:
        self._database = database
        self._tracked = tracked_provider
        self._clock = clock

    def describe(self) -> Iterable[Metric]:
        return []  # no query at registration; names are only known per scrape

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("aoss_store_up", "1 if the database answered this scrape")
        try:
            families = self._families()
        except (MonitorError, OSError) as exc:
            log.warning("exporter.scrape_failed reason=%s", exc)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, *families]

    def _families(self) -> list[Metric]:
        tracked = self._tracked()
        status = read_status(self._database, tracked, now=self._clock())
        labels = {
            repo_id.key: (str(repo_id), project.name, repo_id.platform)
            for project in tracked.projects
            for repo_id in project.repos
        }
        with self._database.session() as session:
            for project, members in current_members(session.connection()).items():
                labels.update((m.repo.key, (str(m.repo), project, m.repo.platform))
                              for m in members if m.via is not None and m.repo.key not in labels)
            latest = latest_by_key(session, list(labels))
        return [
            *_repo_families(labels, latest),
            *_health_families(status),
            *_job_families(status),
            *_budget_families(status),
        ]


def _repo_families(
    labels: dict[str, tuple[str, str, str]], latest: dict[str, LatestValues]
) -> list[Metric]:
    """Each tracked repo's latest values and when it was last collected.

    *labels* are the ``repo, project, platform`` labels by config key, *latest* the values.
    """
    value = GaugeMetricFamily(
        "aoss_repo_metric", "Latest collected value of a tracked repo's metric",
        labels=["repo", "project", "platform", "metric"],
    )
    collected_at = GaugeMetricFamily(
        "aoss_repo_last_collected_timestamp_seconds",
        "When a tracked repo was last collected (Unix time)",
        labels=["repo", "project", "platform"],
    )
    for key, seen in sorted(latest.items(), key=lambda item: labels[item[0]]):
        repo, project, platform = labels[key]
        if seen.last_collected_at is not None:
            collected_at.add_metric([repo, project, platform], seen.last_collected_at.timestamp())
        for metric, number in sorted(seen.values.items()):
            value.add_metric([repo, project, platform, metric], number)
    return [value, collected_at]


def _health_families(status: Status) -> list[Metric]:
    """The last successful collect cycle, and how many repos are in trouble."""
    cycle = GaugeMetricFamily(
        "aoss_last_successful_cycle_timestamp_seconds",
        "When the newest collect run that ended ok or partial finished (Unix time)",
    )
    collect_success = status.job("collect").last_success_at
    if collect_success is not None:
        cycle.add_metric([], collect_success.timestamp())
    failing = GaugeMetricFamily(
        "aoss_repos_failing", "Tracked repos whose newest error is newer than their last "
        "collection", value=len(status.failing),
    )
    deferred = GaugeMetricFamily(
        "aoss_repos_deferred", "Tracked repos deferred by a spent budget since their last "
        "collection", value=len(status.deferred),
    )
    return [cycle, failing, deferred]


def _job_families(status: Status) -> list[Metric]:
    """Each job's newest run, whether it succeeded, and its newest success."""
    last_run = GaugeMetricFamily(
        "aoss_job_last_run_timestamp_seconds", "When each job's newest run started (Unix time)",
        labels=["job"],
    )
    last_ok = GaugeMetricFamily(
        "aoss_job_last_success",
        "1 if each job's newest finished run ended ok or partial, else 0", labels=["job"],
    )
    last_ok_at = GaugeMetricFamily(
        "aoss_job_last_success_timestamp_seconds",
        "When each job's newest ok or partial run finished (Unix time)", labels=["job"],
    )
    for name in JOBS:
        job = status.job(name)
        if job.last_run is not None:
            last_run.add_metric([name], job.last_run.started_at.timestamp())
            if job.last_run.outcome is not None:
                last_ok.add_metric([name], int(job.last_run.outcome in SUCCESS_OUTCOMES))
        if job.last_success_at is not None:
            last_ok_at.add_metric([name], job.last_success_at.timestamp())
    return [last_run, last_ok, last_ok_at]


def _budget_families(status: Status) -> list[Metric]:
    """Each platform's rate-limit budget as the newest run saw it."""
    remaining = GaugeMetricFamily(
        "aoss_api_budget_remaining", "Rate-limit budget left, as the newest run saw it",
        labels=["platform"],
    )
    limit = GaugeMetricFamily(
        "aoss_api_budget_limit", "Rate-limit budget per window, as the newest run saw it",
        labels=["platform"],
    )
    reset = GaugeMetricFamily(
        "aoss_api_budget_reset_timestamp_seconds", "When the budget resets (Unix time)",
        labels=["platform"],
    )
    for budget in status.budgets:
        remaining.add_metric([budget.platform], budget.remaining)
        if budget.limit is not None:
            limit.add_metric([budget.platform], budget.limit)
        if budget.reset_at is not None:
            reset.add_metric([budget.platform], budget.reset_at.timestamp())
    return [remaining, limit, reset]


@dataclass
class ExporterHandle:
    """The running exporter: where it listens, and how to stop it."""

    port: int
    _server: WSGIServer
    _thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{BIND_ADDRESS}:{self.port}/metrics"

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()


def start_exporter(
    port: int, database: Database, tracked_provider: Callable[[], Tracked], clock: Clock
) -> ExporterHandle:
    """Serve the metrics on http://127.0.0.1:PORT/metrics in a background thread.

    *port* 0 picks a free port (see :attr:`ExporterHandle.port`). *tracked_provider* is called
    at each scrape, so a reloaded ``repos.toml`` shows at the next one; *clock* too (the
    daemon's), for the heartbeat's age and the budgets' resets.
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MonitorCollector(database, tracked_provider, clock))
    server, thread = start_http_server(port, addr=BIND_ADDRESS, registry=registry)
    bound = int(server.server_address[1])
    log.info("exporter.listening url=http://%s:%d/metrics", BIND_ADDRESS, bound)
    return ExporterHandle(bound, server, thread)
