"""Report objects built by hand, for rendering tests that need no database.

The untrusted fields (names, release titles, failure messages) carry hostile text on purpose.
"""

from __future__ import annotations

from dataclasses import replace
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
from monitor.reports.notable import notable
from monitor.reports.ranks import ranking_key, ranks_of
from monitor.reports.totals import sum_changes

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


# -- ecosystems: projects of hundreds of repos -------------------------------------------------

#: Repos per project of a 2,000-repo tracked list of whole organisations (the last one a single
#: repo, like Alink), largest first.
ECOSYSTEMS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("PaddlePaddle", ("china",), 400), ("MindSpore", ("china",), 300),
    ("TensorFlow", ("us",), 250), ("PyTorch", ("us",), 200), ("Keras", ("us",), 200),
    ("MegEngine", ("china",), 150), ("OneFlow", ("china",), 150), ("Jittor", ("china",), 130),
    ("Angel", ("china",), 120), ("Bazel", ("us",), 99), ("Alink", ("china",), 1),
)


def _ecosystem_repo(name: str, index: int, period: Period, created: bool) -> RepoReport:
    platform = "gitee" if index % 4 == 3 else "github"
    ident = f"{platform}:{name}/{name}-example-module-{index:04d}"
    end = 90_000 // (index + 1) + (index * 37) % 400
    delta = (index * 53) % 300 - 40
    stars = (Change(None, None) if index % 50 == 49
             else Change(end - delta, end, end_stale=index % 60 == 59))
    metrics = {metric: Change(end // 10 + i, end // 10 + i + index % 7)
               for i, metric in enumerate(METRICS)}
    metrics["stars"] = stars
    return RepoReport(
        repo=ident, current_name=ident, platform=platform,
        url=f"https://{platform}.com/{name}/{name}-example-module-{index:04d}",
        metrics=metrics,
        created_at=period.start + timedelta(days=index % 7, hours=index % 24) if created
        else period.start - timedelta(days=400 + index),
    )


def ecosystem_project(
    name: str,
    repos: int,
    period: Period,
    *,
    groups: tuple[str, ...] = ("china",),
    joined: int = 0,
    left: int = 0,
    created: int = 0,
    releases: bool = False,
) -> ProjectReport:
    """A project of *repos* repos (the last *created* of them created in the period), *joined*
    of them new in it and *left* others gone; a release of every repo in the period."""
    members = tuple(_ecosystem_repo(name, i, period, i >= repos - created) for i in range(repos))
    stars = sum_changes([r.metrics["stars"] for r in members])
    platforms = sorted({r.platform for r in members})
    split = {} if len(platforms) < 2 else {
        p: sum_changes([r.metrics["stars"] for r in members if r.platform == p])
        for p in platforms}
    return ProjectReport(
        name=name, groups=groups, repos=members, stars=stars, split=split,
        rank_stars=None, rank_growth=None, rank_stars_previous=None, rank_growth_previous=None,
        releases=tuple(
            ReleaseItem(r.repo, f"v{i}.0", f"{r.repo} {i}.0",
                        period.end - timedelta(hours=1 + i), i % 9 == 0,
                        f"{r.url}/releases/tag/v{i}.0")
            for i, r in enumerate(members)) if releases else (),
        stars_history=_history(stars.end or 0, max((stars.delta or 0) // 7, 1), period.last_day),
        joined=tuple(r.repo for r in members[:joined]),
        left=tuple(f"github:{name}/retired-{k}" for k in range(left)),
    )


def ecosystem_report(key: str = "2026-W47") -> Report:
    """2,000 repos in eleven projects, every repo with a release in the period, 53 failing."""
    period = week(key)
    made = [ecosystem_project(name, size, period, groups=groups, joined=size // 20,
                              left=size // 50, created=size // 40, releases=True)
            for name, groups, size in ECOSYSTEMS]
    before = {p.name: Change(p.stars.start, p.stars.start) for p in made}
    ranks = ranks_of({p.name: p.stars for p in made}, before)
    projects = sorted(
        (replace(p, rank_stars=ranks[p.name].stars, rank_growth=ranks[p.name].growth,
                  rank_stars_previous=ranks[p.name].stars_previous) for p in made),
        key=lambda p: ranking_key(p.rank_stars, p.name))
    issues = tuple(
        RepoIssue(r.repo, "unavailable", "HTTP 502", period.end - timedelta(days=1),
                  project=p.name)
        for p in projects for i, r in enumerate(p.repos) if i % 40 == 7)
    total = sum_changes([p.stars for p in projects])
    groups = tuple(
        GroupTotal(g, g.upper(), sum_changes([p.stars for p in projects if g in p.groups]),
                   0.5, 0.5, projects=sum(1 for p in projects if g in p.groups))
        for g in ("china", "us"))
    return Report(
        period=period, previous=Period("week", "prev", period.start - timedelta(days=7),
                                       period.start),
        generated_from=period.end - timedelta(hours=1), mirrors_added=True,
        projects=tuple(projects), groups=groups, issues=issues,
        notable=notable(projects, issues), total_stars=total,
    )
