"""The Prometheus exporter: scraped over HTTP on 127.0.0.1, values read from the store."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor.clock import system_clock
from monitor.config.members import Assigned
from monitor.config.repos import Tracked, load_repos
from monitor.daemon.prometheus import ExporterHandle, start_exporter
from monitor.ids import OwnerId, RepoId
from monitor.store.db import Database
from monitor.store.members import sync_members
from monitor.store.series import ObservationIn, write_observations
from tests.status.test_status import RESET, T0, T1, make_home, seed

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(handle: ExporterHandle) -> Samples:
    response = httpx.get(handle.url, timeout=10)
    assert response.status_code == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.fixture
def tracked(tmp_path: Path) -> Tracked:
    return load_repos(make_home(tmp_path / "home") / "config" / "repos.toml")


@pytest.fixture
def exporter(database: Database, tracked: Tracked) -> Iterator[ExporterHandle]:
    handle = start_exporter(0, database, lambda: tracked, system_clock)
    try:
        yield handle
    finally:
        handle.stop()


def repo_labels(repo: str, project: str, metric: str) -> tuple[tuple[str, str], ...]:
    platform = repo.split(":")[0]
    return tuple(sorted({"repo": repo, "project": project, "platform": platform,
                         "metric": metric}.items()))


def test_metrics_come_from_the_store_at_scrape_time(
    database: Database, exporter: ExporterHandle,
) -> None:
    empty = scrape(exporter)
    assert empty[("aoss_store_up", ())] == 1
    assert empty[("aoss_repos_failing", ())] == 0
    assert not any(name == "aoss_repo_metric" for name, _ in empty)

    seed(database)  # written after the exporter started: the next scrape shows it
    samples = scrape(exporter)
    metric = "aoss_repo_metric"
    assert samples[(metric, repo_labels("github:acme/rocket", "Rocket", "stars"))] == 120
    assert samples[(metric, repo_labels("github:acme/rocket", "Rocket", "forks"))] == 12
    assert samples[(metric, repo_labels("gitee:acme/rocket", "Rocket", "stars"))] == 7
    assert samples[(metric, repo_labels("github:acme/slow", "Trouble", "stars"))] == 100
    assert not any("old/untracked" in str(labels) for _, labels in samples)  # untracked
    assert samples[("aoss_repo_last_collected_timestamp_seconds", tuple(sorted({
        "repo": "github:acme/slow", "project": "Trouble", "platform": "github"}.items())))
    ] == T0.timestamp()

    assert samples[("aoss_last_successful_cycle_timestamp_seconds", ())] == T1.timestamp() + 90
    assert samples[("aoss_repos_failing", ())] == 1
    assert samples[("aoss_repos_deferred", ())] == 1
    job = "aoss_job_last_run_timestamp_seconds"
    assert samples[(job, (("job", "collect"),))] == T1.timestamp()
    assert samples[(job, (("job", "backfill"),))] == T1.timestamp() + 120
    assert (job, (("job", "weekly_report"),)) not in samples  # never ran
    assert samples[("aoss_job_last_success", (("job", "collect"),))] == 1
    assert samples[("aoss_job_last_success", (("job", "backfill"),))] == 0
    assert samples[("aoss_api_budget_remaining", (("platform", "github"),))] == 100
    assert samples[("aoss_api_budget_limit", (("platform", "github"),))] == 5000
    assert samples[("aoss_api_budget_reset_timestamp_seconds", (("platform", "github"),))] == (
        RESET.timestamp())
    assert ("aoss_api_budget_remaining", (("platform", "gitee"),)) not in samples


def test_members_an_owner_lists_have_series_and_those_that_left_none(
    database: Database, exporter: ExporterHandle,
) -> None:
    acme = OwnerId("github", "acme")
    rocket = [Assigned(RepoId.parse("github:acme/rocket"), None)]
    tool, gone = RepoId.parse("github:acme/Tool"), RepoId.parse("github:acme/dropped")
    with database.session(write=True) as session:
        rows = sync_members(session, {"Rocket": [*rocket, Assigned(tool, acme, 1),
                                                 Assigned(gone, acme, 2)]}, (), T0)
        write_observations(session, [ObservationIn(rows[r.key].id or 0, "stars", T0, 5)
                                     for r in (tool, gone)])
        sync_members(session, {"Rocket": [*rocket, Assigned(tool, acme, 1)]}, (), T1)
    samples = scrape(exporter)
    assert samples[("aoss_repo_metric", repo_labels("github:acme/Tool", "Rocket", "stars"))] == 5
    assert not any("acme/dropped" in str(labels) for _, labels in samples)


def test_binds_to_loopback_only_and_stops(database: Database, tracked: Tracked) -> None:
    handle = start_exporter(0, database, lambda: tracked, system_clock)
    try:
        assert handle.url.startswith("http://127.0.0.1:")
        assert handle._server.server_address[0] == "127.0.0.1"
        assert scrape(handle)[("aoss_store_up", ())] == 1
    finally:
        handle.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", handle.port), 1):
        pass
    handle.stop()  # idempotent


def test_a_store_that_fails_is_reported_not_raised(tmp_path: Path, tracked: Tracked) -> None:
    from monitor.store.db import open_database

    broken = open_database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    handle = start_exporter(0, broken, lambda: tracked, system_clock)
    try:
        samples = scrape(handle)
        assert samples == {("aoss_store_up", ()): 0}
    finally:
        handle.stop()
        broken.dispose()
