"""Without a GitHub token (monitor/token_advice.py): what 60 requests an hour allow, what the
tracked list needs a cycle, and what a token would unlock, said plainly."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from monitor.token_advice import Cadence, GitHubTracked, advise, cycle_requests

SIX_HOURS = Cadence(cycle=timedelta(hours=6), contributors_every=timedelta(days=1))
DAILY_DETAILS = Cadence(timedelta(hours=6), timedelta(days=1), details_every=timedelta(days=1))


def test_a_named_repo_costs_three_requests_a_cycle_and_contributors_on_their_cadence() -> None:
    # 12 x (repo, open PRs, releases) + a quarter of 12 contributors lists
    assert cycle_requests(GitHubTracked(named=12, owners={}), SIX_HOURS) == 36 + 3


def test_an_owner_costs_its_listing_pages_and_its_repos_details_on_their_cadence() -> None:
    tracked = GitHubTracked(named=0, owners={"github:big": 1000})
    # 10 listing pages + a quarter of 1,000 x 3 details + a quarter of 1,000 contributors
    assert cycle_requests(tracked, DAILY_DETAILS) == 10 + 750 + 250


def test_an_owner_not_listed_yet_costs_a_page_at_least() -> None:
    assert cycle_requests(GitHubTracked(named=0, owners={"github:new": None}), SIX_HOURS) == 1


def test_a_cycle_spends_at_most_an_hours_budget_however_long_its_interval() -> None:
    """It asks at once: a daily cycle cannot spend 24 hours' budget."""
    daily, half_hour = (Cadence(every, timedelta(days=1))
                        for every in (timedelta(days=1), timedelta(minutes=30)))
    twelve = GitHubTracked(named=12, owners={})
    assert [getattr(advise(twelve, c), "allowed", None) for c in (daily, half_hour)] == [60, 30]
    over = advise(GitHubTracked(named=19, owners={}), daily)  # 57 + 19 contributors lists
    assert over is not None and over.needed == 76 and over.fits is False


def test_what_fits_says_so_with_the_token_it_could_have() -> None:
    advice = advise(GitHubTracked(named=12, owners={}), SIX_HOURS)
    assert advice is not None and advice.fits
    assert advice.message == (
        "github: no token: 60 requests an hour, at most 60 a cycle (collect every 6h); 12 tracked "
        "GitHub repos need up to 39 requests a cycle; a token (GITHUB_TOKEN) allows 5,000 an "
        "hour")


def test_what_does_not_fit_says_the_rest_is_deferred() -> None:
    # 10 pages + 3 for the named repo + 750 details + a quarter of 1,001 contributors lists
    advice = advise(GitHubTracked(named=1, owners={"github:big": 1000}), DAILY_DETAILS)
    assert advice is not None and advice.fits is False
    assert "1,001 tracked GitHub repos need up to 1,014 requests a cycle, so what a cycle " \
           "cannot pay is deferred to later cycles" in advice.message


def test_owners_not_listed_yet_make_the_need_a_lower_bound() -> None:
    advice = advise(GitHubTracked(named=1, owners={"github:a": None, "github:b": None}),
                    SIX_HOURS)
    assert advice is not None
    assert "1 tracked GitHub repo and 2 owners not listed yet need at least 6 requests" \
        in advice.message


def test_a_cron_cycle_tells_the_hourly_budget_only() -> None:
    advice = advise(GitHubTracked(named=2, owners={}), Cadence(None, timedelta(days=1)))
    assert advice is not None and advice.allowed is None and advice.fits is None
    assert advice.message.startswith("github: no token: 60 requests an hour; 2 tracked")
    assert advice.needed == 2 * 3 + 2  # how often unknown: contributors every cycle, at most
    assert advice.as_json()["allowed_per_cycle"] is None


def test_one_repo_needs_and_a_short_cycle_is_weighed_by_the_hour() -> None:
    advice = advise(GitHubTracked(named=1, owners={}), Cadence(timedelta(seconds=30),
                                                               timedelta(days=1)))
    assert advice is not None and advice.allowed == 0
    assert "1 tracked GitHub repo needs up to 4 requests a cycle" in advice.message
    assert advice.fits is False  # 4 every 30 s is 480 an hour


def test_no_github_repo_needs_no_advice() -> None:
    assert advise(GitHubTracked(named=0, owners={}), SIX_HOURS) is None


def test_the_json_carries_the_figures_and_the_sentence() -> None:
    advice = advise(GitHubTracked(named=12, owners={}), SIX_HOURS)
    assert advice is not None
    assert advice.as_json() == {
        "platform": "github", "requests_per_hour": 60, "allowed_per_cycle": 60,
        "cycle_seconds": 21600, "tracked_repos": 12, "owners_not_listed": 0,
        "needed_per_cycle": 39, "fits": True, "token_requests_per_hour": 5000,
        "message": advice.message,
    }


sizes = st.integers(min_value=0, max_value=20000)
owner_sizes = st.dictionaries(st.sampled_from(["github:a", "github:b", "github:c"]),
                              st.none() | sizes)
hours = st.integers(min_value=1, max_value=72).map(lambda h: timedelta(hours=h))


@given(sizes, owner_sizes, st.integers(min_value=0, max_value=500), hours)
def test_more_repos_never_need_fewer_requests(
    named: int, owners: dict[str, int | None], more: int, cycle: timedelta,
) -> None:
    cadence = Cadence(cycle, timedelta(days=1), timedelta(days=1))
    fewer = cycle_requests(GitHubTracked(named, owners), cadence)
    assert cycle_requests(GitHubTracked(named + more, owners), cadence) >= fewer
    grown = {key: None if n is None else n + more for key, n in owners.items()}
    assert cycle_requests(GitHubTracked(named, grown), cadence) >= fewer


def test_a_need_of_exactly_what_a_cycle_allows_fits() -> None:
    # 15 x 3 + 15 contributors lists, all every 6 h: 60, the hour's budget to the request
    advice = advise(GitHubTracked(named=15, owners={}),
                    Cadence(timedelta(hours=6), timedelta(hours=6)))
    assert advice is not None and (advice.needed, advice.fits) == (60, True)


def test_contributors_due_more_often_than_a_cycle_are_read_once_a_cycle() -> None:
    assert cycle_requests(GitHubTracked(named=15, owners={}),
                          Cadence(timedelta(hours=6), timedelta(hours=1))) == 45 + 15
