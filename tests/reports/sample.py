"""Report objects built by hand, for rendering tests that need no database.

The untrusted fields (names, release titles, failure messages) carry hostile text on purpose.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from monitor.metrics import METRICS
from monitor.reports.model import (
    Change,
    GroupTotal,
    Period,
    ProjectReport,
    ReleaseItem,
    RepoIssue,
    RepoReport,
    Report,
    SeriesPoint,
)

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
EVIL_URL = "https://evil.example.com/phish"
PIPE = "a|b\nc"


def week(key: str = "2026-W47") -> Period:
    year, number = key.split("-W")
    first = date.fromisocalendar(int(year), int(number), 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return Period("week", key, start, start + timedelta(days=7))


def _history(final: int, weekly_gain: int, end: date) -> tuple[SeriesPoint, ...]:
    return tuple(
        SeriesPoint(end - timedelta(weeks=52 - i), max(final - weekly_gain * (52 - i), 0))
        for i in range(53)
    )


def _repo(ident: str, stars: Change, url: str | None = None) -> RepoReport:
    platform, name = ident.split(":", 1)
    metrics = {metric: Change(10, 12) for metric in METRICS}
    metrics["stars"] = stars
    metrics["watchers"] = Change(None, 5)
    return RepoReport(
        repo=ident,
        current_name=ident,
        platform=platform,
        url=url if url is not None else f"https://{platform}.com/{name}",
        metrics=metrics,
    )


def sample_report(key: str = "2026-W47") -> Report:
    period = week(key)
    previous = Period("week", "prev", period.start - timedelta(days=7), period.start)
    end = period.last_day
    paddle_gh = Change(20_000, 20_300)
    paddle_ge = Change(1_000, 1_010, end_stale=True)
    paddle = ProjectReport(
        name="PaddlePaddle",
        groups=("china",),
        repos=(_repo("github:PaddlePaddle/Paddle", paddle_gh),
               _repo("gitee:paddlepaddle/Paddle", paddle_ge)),
        stars=Change(21_000, 21_310, end_stale=True),
        split={"github": paddle_gh, "gitee": paddle_ge},
        rank_stars=2,
        rank_growth=1,
        rank_stars_previous=2,
        rank_growth_previous=3,
        releases=(
            ReleaseItem("github:PaddlePaddle/Paddle", "v3.0.0", "Paddle 3.0 " + SCRIPT,
                        period.start + timedelta(days=2), False,
                        "https://github.com/PaddlePaddle/Paddle/releases/tag/v3.0.0"),
            ReleaseItem("gitee:paddlepaddle/Paddle", "v3.0.0-rc" + ATTRIBUTE, ATTRIBUTE,
                        period.start + timedelta(days=1), True, JS_URL),
        ),
        stars_history=_history(21_310, 250, end),
    )
    torch_stars = Change(80_000, 80_120)
    torch = ProjectReport(
        name="PyTorch " + SCRIPT,
        groups=("us",),
        repos=(_repo("github:pytorch/pytorch", torch_stars),),
        stars=torch_stars,
        split={},
        rank_stars=1,
        rank_growth=2,
        rank_stars_previous=1,
        rank_growth_previous=1,
        releases=(
            ReleaseItem("github:pytorch/pytorch", "v2.9", PIPE + " [x](" + JS_URL + ")",
                        period.start + timedelta(days=3), False, EVIL_URL),
        ),
        stars_history=_history(80_120, 400, end),
    )
    newcomer_stars = Change(None, None)
    empty = ProjectReport(
        name="Newcomer",
        groups=("china",),
        repos=(_repo("gitee:new/comer", Change(None, None), url=JS_URL),),
        stars=newcomer_stars,
        split={},
        rank_stars=None,
        rank_growth=None,
        rank_stars_previous=None,
        rank_growth_previous=None,
        releases=(),
        stars_history=(),
    )
    groups = (
        GroupTotal("china", "Chinese AI " + SCRIPT, Change(21_000, 21_310, partial=True),
                   0.208, 0.21,
                   tuple(SeriesPoint(p.day, 200 + i % 10) for i, p in
                         enumerate(paddle.stars_history)), projects=2),
        GroupTotal("us", "US AI open source", torch_stars, 0.792, 0.79,
                   tuple(SeriesPoint(p.day, 800 - i % 10) for i, p in
                         enumerate(paddle.stars_history)), projects=1),
    )
    return Report(
        period=period,
        previous=previous,
        generated_from=period.end - timedelta(hours=3),
        mirrors_added=True,
        projects=(torch, paddle, empty),
        groups=groups,
        issues=(RepoIssue("gitee:new/comer", "not_found", "404 " + SCRIPT,
                          period.end - timedelta(days=1), project="Newcomer"),),
        total_stars=Change(101_000, 101_430, partial=True),
        notable=("PaddlePaddle released v3.0.0 " + SCRIPT, "PyTorch crossed 80,000 stars"),
    )
