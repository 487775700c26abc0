"""What collecting through owners' listings costs, cycle by cycle, and what it stores.

A listed repo takes what its owner's listing tells (no request of its own); what the listing
lacks is asked on its cadence: contributors on ``contributors_every``, the other metrics on
``details_every`` (both a day by default). A metric not asked in a cycle is not observed then.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from monitor.store.models import HttpCacheEntry, Release, Repo
from tests.collect.owners import OWNERS_ONLY_TOML, T1, T_DAY, add_nebula, expected
from tests.fakes import FakeRelease
from tests.harness import EXPECTED, T0, Monitor

GITHUB = ("github:nebula/dust", "github:nebula/moon", "github:nebula/star")
GITEE = ("gitee:nebula/moon", "gitee:nebula/star")


PREFIXES = {"github": "/github", "gitee": "/gitee/api/v5"}


def paths(monitor: Monitor, platform: str) -> list[str]:
    """The requests of the last cycle, as ``METHOD /path`` below the platform's API base."""
    return sorted(f"{r.method} {r.path.removeprefix(PREFIXES[platform])}"
                  for r in monitor.fake.requests_for(platform))


def cycle(monitor: Monitor, now: datetime) -> None:
    monitor.fake.clear_log()
    summary = monitor.collect(now=now)
    assert not summary.having("failed") and not summary.having("deferred")


def test_github_with_a_token_reads_one_listing_query_and_contributors_on_their_cadence(
    monitor: Monitor,
) -> None:
    monitor.use_tokens()
    add_nebula(monitor, OWNERS_ONLY_TOML)
    cycle(monitor, T0)
    assert paths(monitor, "github") == sorted(
        ["POST /graphql"] + [f"GET /repos/nebula/{n}/contributors" for n in ("dust", "moon",
                                                                              "star")])
    cycle(monitor, T1)
    assert paths(monitor, "github") == ["POST /graphql"]
    assert monitor.values("github:nebula/star", T1) == {
        k: v for k, v in expected("github:nebula/star").items() if k != "contributors"}


def test_github_without_a_token_reads_the_rest_of_a_repo_once_a_day_and_the_listing_free(
    monitor: Monitor,
) -> None:
    add_nebula(monitor, OWNERS_ONLY_TOML)
    cycle(monitor, T0)
    listing = [r for r in monitor.fake.requests_for("github") if "/orgs/" in r.path]
    assert len(listing) == 1
    assert len(monitor.fake.requests_for("github")) == 1 + 4 * len(GITHUB)
    for repo in GITHUB:
        assert monitor.values(repo) == expected(repo), repo
    monitor.clock.set(T1)  # the fake's hourly budget has reset since
    used = monitor.fake.github.budget().used
    cycle(monitor, T1)
    assert [(r.path, r.status) for r in monitor.fake.requests_for("github")] == [
        ("/github/orgs/nebula/repos", 304)]
    assert monitor.fake.github.budget().used == used
    assert monitor.values("github:nebula/star", T1) == {"stars": 11, "forks": 2}


def test_gitee_reads_open_prs_and_releases_once_a_day_beside_the_listing(
    monitor: Monitor,
) -> None:
    add_nebula(monitor, OWNERS_ONLY_TOML)
    cycle(monitor, T0)
    assert len(monitor.fake.requests_for("gitee")) == 1 + 3 * len(GITEE)
    for repo in GITEE:
        assert monitor.values(repo) == expected(repo), repo
    cycle(monitor, T1)
    assert paths(monitor, "gitee") == ["GET /orgs/nebula/repos"]
    assert monitor.values("gitee:nebula/star", T1) == {
        "stars": 8, "forks": 1, "watchers": 4, "open_issues": 2}


def test_the_details_are_read_again_once_details_every_has_passed(monitor: Monitor) -> None:
    add_nebula(monitor, OWNERS_ONLY_TOML)
    monitor.configure(details_every="12h", contributors_every="3d")
    cycle(monitor, T0)
    monitor.fake.gitee.repo("nebula/star").open_prs = 7
    cycle(monitor, T1)
    assert "open_prs" not in monitor.values("gitee:nebula/star", T1)
    later = T0 + timedelta(hours=12)
    cycle(monitor, later)
    asked = paths(monitor, "gitee")
    assert "GET /repos/nebula/star/pulls" in asked
    assert not [p for p in asked if p.endswith("/contributors")]
    assert monitor.values("gitee:nebula/star", later)["open_prs"] == 7


def test_a_named_gitee_repo_costs_one_request_in_a_repeat_cycle(monitor: Monitor) -> None:
    monitor.collect("gitee:acme/rocket")
    monitor.fake.clear_log()
    monitor.collect("gitee:acme/rocket", now=T1)
    assert paths(monitor, "gitee") == ["GET /repos/acme/rocket"]
    assert monitor.values("gitee:acme/rocket", T1) == {
        k: v for k, v in EXPECTED["gitee:acme/rocket"].items()
        if k in ("stars", "forks", "watchers", "open_issues")}
    monitor.fake.clear_log()
    monitor.collect("gitee:acme/rocket", now=T_DAY)
    assert monitor.values("gitee:acme/rocket", T_DAY) == EXPECTED["gitee:acme/rocket"]


def test_releases_beyond_the_listings_newest_ten_are_read_once(monitor: Monitor) -> None:
    monitor.use_tokens()
    add_nebula(monitor, OWNERS_ONLY_TOML)
    start = datetime(2024, 6, 1, tzinfo=UTC)
    star = monitor.fake.github.repo("nebula/star")
    star.releases = [FakeRelease(f"v{i}", None, start + timedelta(days=i)) for i in range(15)]
    cycle(monitor, T0)
    assert stored_tags(monitor, "github:nebula/star") == {f"v{i}" for i in range(15)}
    assert monitor.values("github:nebula/star")["releases"] == 15
    star.releases.append(FakeRelease("v15", None, start + timedelta(days=15)))
    cycle(monitor, T1)
    assert paths(monitor, "github") == ["POST /graphql"]
    assert "v15" in stored_tags(monitor, "github:nebula/star")


def stored_tags(monitor: Monitor, repo: str) -> set[str]:
    with monitor.database.session() as session:
        return set(session.exec(
            select(Release.tag).join(Repo, col(Repo.id) == col(Release.repo_id))
            .where(Repo.config_key == repo)))


def test_a_whole_cycle_keeps_the_cached_answers_of_listed_members(monitor: Monitor) -> None:
    add_nebula(monitor, OWNERS_ONLY_TOML)
    cycle(monitor, T0)
    with monitor.database.session() as session:
        kept = session.exec(
            select(func.count()).select_from(HttpCacheEntry)
            .where(HttpCacheEntry.repo == "github:nebula/star")).one()
    assert kept > 0
    cycle(monitor, T_DAY)
    star = [r.status for r in monitor.fake.requests_for("github") if "2001" in r.path]
    assert star == [304]
