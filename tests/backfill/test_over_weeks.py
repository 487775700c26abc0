"""Star history that stays true as time passes (issue 10, faults 1 to 3 and 7): simulated weeks on
the fakes with a moved clock, no sleeping.

Each step moves one clock (the fakes answer as of it; collect and backfill run at it), gives and
withdraws stars in the fake, then collects and backfills as the daemon would. The expected series
is computed here from the fake's star times alone: for every platform day from the first star's
to the last complete one, the stars given before the day ends and still present.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from monitor.store.models import Observation, Repo, StarWeek
from tests.fakes import FakeRepo
from tests.harness import Monitor

LA, SHANGHAI = ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Shanghai")
#: Simulated time starts here (a Wednesday) and stays before the wall clock, which the platform
#: clients still read for "today" until they take the clock too.
START = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)


def truth(stars: list[datetime], zone: ZoneInfo, now: datetime) -> list[tuple[datetime, int]]:
    """The series the SPEC promises: first star's day to the last complete day of *zone*."""
    if not stars:
        return []
    points, day = [], min(stars).astimezone(zone).date()
    last = now.astimezone(zone).date() - timedelta(days=1)
    while day <= last:
        end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
        points.append((end, sum(1 for s in stars if s < end)))
        day += timedelta(days=1)
    return points


class Sim:
    """The monitor and the fakes on one manual clock."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.clock = monitor.clock  # the fakes' clock too
        self.clock.set(START)

    def repo(self, repo: str) -> FakeRepo:
        platform, full = repo.split(":")
        found: FakeRepo = getattr(self.monitor.fake, platform).repo(full)
        return found

    def stars(self, repo: str, n: int, days: int) -> list[datetime]:
        """Give the repo *n* stars spread over the *days* before now (replacing its stars)."""
        now = self.clock()
        times = [now - timedelta(days=days) + timedelta(days=days) * (i + 0.5) / n
                 for i in range(n)]
        fake = self.repo(repo)
        fake.star_times = [t.replace(microsecond=0) for t in times]
        fake.stars = n
        return fake.star_times

    def run(self, *repos: str) -> None:
        self.monitor.collect(*repos, now=self.clock())
        summary = self.monitor.backfill(*repos, now=self.clock())
        assert [o.status for o in summary.outcomes if o.status in ("failed", "partial")] == []

    def series(self, repo: str) -> list[tuple[datetime, int]]:
        """Every stored backfill row (reads hide those a collected row shadows: not here)."""
        with self.monitor.database.session() as session:
            rows = session.exec(
                select(Observation.observed_at, Observation.value)
                .join(Repo, col(Repo.id) == col(Observation.repo_id))
                .where(Repo.config_key == repo, Observation.metric == "stars",
                       Observation.source == "backfill")
                .order_by(col(Observation.observed_at))
            )
            return [(at, value) for at, value in rows]

    def want(self, repo: str) -> list[tuple[datetime, int]]:
        zone = LA if repo.startswith("github") else SHANGHAI
        return truth(list(self.repo(repo).star_times or []), zone, self.clock())

    def history_requests(self, platform: str) -> list[str]:
        return [r.query.get("page", "1") for r in self.monitor.fake.requests_for(platform)
                if r.path.endswith(("/stargazers/history", "/stargazers"))]


GITHUB, GITEE = "github:acme/rocket", "gitee:acme/rocket"


@pytest.fixture
def sim(monitor: Monitor) -> Sim:
    return Sim(monitor)


def test_a_week_later_the_github_series_is_still_true(sim: Sim) -> None:
    """Fault 1: the week sliding from page 1 to page 2 must not be lost (125 became 122)."""
    sim.stars(GITHUB, 125, 260)
    sim.run(GITHUB)
    assert sim.series(GITHUB) == sim.want(GITHUB)
    assert sim.series(GITHUB)[-1][1] <= 125
    sim.clock.advance(days=7)
    sim.repo(GITHUB).give_star(sim.clock() - timedelta(days=2))
    sim.run(GITHUB)
    assert sim.series(GITHUB)[-1][1] == 126
    assert sim.series(GITHUB) == sim.want(GITHUB)


def test_five_weeks_later_the_github_series_is_still_true(sim: Sim) -> None:
    """Fault 1, compounded: five rollovers lost five weeks (115 against 126)."""
    sim.stars(GITHUB, 125, 260)
    sim.run(GITHUB)
    for _ in range(5):
        sim.clock.advance(days=7)
        sim.run(GITHUB)
        assert sim.series(GITHUB)[-1][1] == 125
        assert sim.series(GITHUB) == sim.want(GITHUB)


def test_a_star_withdrawn_40_weeks_back_is_gone_after_the_next_backfill(sim: Sim) -> None:
    """Fault 2: a withdrawal older than page 1 is found by the sum, for two page reads."""
    times = sim.stars(GITHUB, 125, 400)
    sim.run(GITHUB)
    sim.clock.advance(days=1)
    old = min(t for t in times if t > sim.clock() - timedelta(weeks=40))
    sim.repo(GITHUB).withdraw_star(old)
    sim.monitor.fake.clear_log()
    sim.run(GITHUB)
    assert sim.series(GITHUB)[-1][1] == 124
    assert sim.series(GITHUB) == sim.want(GITHUB)
    assert sim.history_requests("github") == ["1", "2"]  # page 1 (a free 304) and the changed one


def test_a_quiet_day_costs_one_free_github_request(sim: Sim) -> None:
    sim.stars(GITHUB, 125, 400)
    sim.run(GITHUB)
    sim.clock.advance(days=1)
    used = sim.monitor.fake.github.budget().used
    sim.monitor.fake.clear_log()
    sim.monitor.collect(GITHUB, now=sim.clock())
    collect_cost = sim.monitor.fake.github.budget().used - used
    sim.monitor.fake.clear_log()
    summary = sim.monitor.backfill(GITHUB, now=sim.clock())
    assert [o.status for o in summary.outcomes] == ["unchanged"]
    assert sim.history_requests("github") == ["1"]
    assert sim.monitor.fake.github.budget().used == used + collect_cost
    assert sim.series(GITHUB) == sim.want(GITHUB)  # and the series reaches yesterday


def test_a_reread_github_page_rewrites_only_the_weeks_whose_counts_changed(sim: Sim) -> None:
    """A star given today changes the current week of page 1 alone: that week is written again,
    the page's other weeks (the same as stored) are not."""
    sim.stars(GITHUB, 125, 400)
    sim.run(GITHUB)
    first = sim.clock()
    sim.clock.advance(days=1)  # Thursday: the same week
    sim.repo(GITHUB).give_star(sim.clock() - timedelta(hours=1))
    sim.run(GITHUB)
    with sim.monitor.database.session() as session:
        written = dict(session.exec(select(col(StarWeek.week), col(StarWeek.fetched_at))).all())
    this_week = date(2026, 3, 1)
    assert written[this_week] == sim.clock()
    assert {at for week, at in written.items() if week != this_week} == {first}
    assert sim.series(GITHUB) == sim.want(GITHUB)


def test_a_github_backfill_before_any_collect_starts_on_the_first_star_day(sim: Sim) -> None:
    """Fault 7 (second half): no zero rows from the creation week's Sunday."""
    sim.stars(GITHUB, 30, 100)
    sim.monitor.backfill(GITHUB, now=sim.clock())
    got = sim.series(GITHUB)
    assert got == sim.want(GITHUB)
    assert got[0][1] == 1


@pytest.mark.parametrize("newest_first", [False, True], ids=["oldest-first", "newest-first"])
def test_a_gitee_unstar_on_an_early_page_is_found(sim: Sim, newest_first: bool) -> None:
    """Fault 3: an unstar moves every later stargazer one place up, in either list order."""
    sim.monitor.fake.gitee.stargazers_newest_first = newest_first
    times = sim.stars(GITEE, 350, 300)
    sim.run(GITEE)
    assert sim.series(GITEE) == sim.want(GITEE)
    sim.clock.advance(days=1)
    sim.repo(GITEE).withdraw_star(sorted(times)[20])  # on the oldest page
    sim.repo(GITEE).give_star(sim.clock() - timedelta(hours=3))
    sim.run(GITEE)
    assert sim.series(GITEE) == sim.want(GITEE)
    sim.clock.advance(days=1)
    sim.repo(GITEE).withdraw_star(sorted(times)[150])  # in the middle
    sim.run(GITEE)
    assert sim.series(GITEE) == sim.want(GITEE)


@pytest.mark.parametrize("newest_first", [False, True], ids=["oldest-first", "newest-first"])
def test_a_quiet_gitee_day_costs_one_request(sim: Sim, newest_first: bool) -> None:
    sim.monitor.fake.gitee.stargazers_newest_first = newest_first
    sim.stars(GITEE, 350, 300)
    sim.run(GITEE)
    sim.clock.advance(days=1)
    sim.monitor.fake.clear_log()
    sim.run(GITEE)
    assert len(sim.history_requests("gitee")) == 1
    assert sim.series(GITEE) == sim.want(GITEE)


def test_a_gitee_list_that_turns_round_is_still_read_right(sim: Sim) -> None:
    sim.stars(GITEE, 350, 300)
    sim.run(GITEE)
    sim.monitor.fake.gitee.stargazers_newest_first = True
    sim.clock.advance(days=1)
    sim.repo(GITEE).give_star(sim.clock() - timedelta(hours=2))
    sim.repo(GITEE).withdraw_star(sorted(sim.repo(GITEE).star_times or [])[3])
    sim.run(GITEE)
    assert sim.series(GITEE) == sim.want(GITEE)


def test_weeks_of_stars_given_and_withdrawn_anywhere_stay_true(sim: Sim) -> None:
    sim.stars(GITHUB, 125, 500)
    sim.stars(GITEE, 260, 500)
    sim.run(GITHUB, GITEE)
    for week in range(6):
        for repo in (GITHUB, GITEE):
            fake = sim.repo(repo)
            present = sorted(fake.star_times or [])
            fake.withdraw_star(present[(week * 37) % len(present)])
            fake.give_star(sim.clock() - timedelta(hours=week + 1))
        sim.clock.advance(days=7)
        sim.run(GITHUB, GITEE)
        assert sim.series(GITHUB) == sim.want(GITHUB)
        assert sim.series(GITEE) == sim.want(GITEE)


def test_truth_counts_only_stars_still_present() -> None:
    """The reference itself: a withdrawn star is gone from every day."""
    stars = [datetime(2026, 1, 1, 12, tzinfo=UTC), datetime(2026, 1, 3, 12, tzinfo=UTC)]
    got = truth(stars, LA, datetime(2026, 1, 5, 12, tzinfo=UTC))
    assert got[0] == (datetime(2026, 1, 2, 8, tzinfo=UTC), 1)
    assert [v for _, v in got] == [1, 1, 2, 2]
    assert date(2026, 1, 1) == got[0][0].astimezone(LA).date() - timedelta(days=1)


def test_a_first_backfill_split_across_a_rollover_and_a_withdrawal_ends_true(sim: Sim) -> None:
    """Resumed a week later, after a star left a page already read: the sum finds it."""
    times = sim.stars(GITHUB, 125, 700)
    sim.monitor.fake.github.set_budget(None, remaining=4)  # half of it: 2 pages this run
    first = sim.monitor.backfill(GITHUB, now=sim.clock())
    assert [o.status for o in first.outcomes] == ["partial"]
    assert first.outcomes[0].reason == "resumes at page 3 next run"
    sim.clock.advance(days=7)
    sim.repo(GITHUB).withdraw_star(max(times))  # on page 1, read last week
    sim.monitor.fake.github.set_budget(None, remaining=60)
    sim.run(GITHUB)
    assert sim.series(GITHUB)[-1][1] == 124
    assert sim.series(GITHUB) == sim.want(GITHUB)


def test_a_deep_withdrawal_is_found_without_any_collect(sim: Sim) -> None:
    """The check needs no collected value: the backfill asks the platform for the stars now."""
    times = sim.stars(GITHUB, 125, 400)
    sim.monitor.backfill(GITHUB, now=sim.clock())
    sim.clock.advance(days=1)
    sim.repo(GITHUB).withdraw_star(min(t for t in times if t > sim.clock() - timedelta(weeks=40)))
    sim.monitor.fake.clear_log()
    sim.monitor.backfill(GITHUB, now=sim.clock())
    assert sim.series(GITHUB) == sim.want(GITHUB)
    assert sim.history_requests("github") == ["1", "2"]


def test_with_a_token_one_graphql_query_counts_the_stars_of_every_repo(sim: Sim) -> None:
    """A quiet day with a token: page 1 of each repo (a free 304) and one GraphQL query for the
    stars of them all, which the stored weeks add up to."""
    sim.monitor.use_tokens()
    sim.stars(GITHUB, 125, 400)
    booster = "github:acme/booster"
    sim.run(GITHUB, booster)
    sim.clock.advance(days=1)
    sim.monitor.fake.clear_log()
    summary = sim.monitor.backfill(GITHUB, booster, now=sim.clock())
    assert [o.status for o in summary.outcomes] == ["unchanged", "unchanged"]
    logged = sim.monitor.fake.requests_for("github")
    assert sorted(r.status for r in logged if r.path.endswith("/stargazers/history")) == [304, 304]
    assert [r.path for r in logged if r.method == "POST"] == ["/github/graphql"]
    assert sim.series(GITHUB) == sim.want(GITHUB)


def test_a_gitee_list_that_turns_round_is_seen_from_a_one_star_last_page(sim: Sim) -> None:
    """401 stars a day later: the last page holds one, whose time cannot tell the order; the stored
    stars can (it is the oldest of them, so that end is the oldest). Then a quiet day costs one
    request again, and no stored star is dropped on the way."""
    sim.stars(GITEE, 400, 300)
    sim.run(GITEE)
    sim.monitor.fake.gitee.stargazers_newest_first = True
    sim.clock.advance(days=1)
    sim.repo(GITEE).give_star(sim.clock() - timedelta(hours=2))
    sim.monitor.fake.clear_log()
    sim.run(GITEE)
    assert sim.series(GITEE) == sim.want(GITEE)
    assert len(sim.history_requests("gitee")) <= 2  # the guessed end, then page 1
    sim.clock.advance(days=1)
    sim.monitor.fake.clear_log()
    sim.run(GITEE)
    assert sim.history_requests("gitee") == ["1"]
    assert sim.series(GITEE) == sim.want(GITEE)
