"""Building a report's data (:class:`~monitor.reports.model.Report`) from the store.

What the store is asked (:mod:`monitor.reports.queries`, every answer an index seek):

* each metric of each tracked repo at the period's start and end, and stars at the previous
  period's start (for the previous ranks) and at 53 weekly instants (for the charts): two
  statements for all repos;
* the releases published in the period; the repos failing at the period's end.

Everything else — sums, ranks, shares, sentences — is arithmetic on those few thousand values.

Rules the report states (see also :mod:`monitor.reports.model`):

* A boundary value older than :data:`STALE_AFTER` is flagged stale; older than the period's
  length (:func:`missing_after`), or absent, it is missing (``None``), never 0.
* A project's stars add its repos (``mirrors_added=True``, the default) or count only its first
  listed repo, its home (``False``). Sums over parts that lack a value at one boundary cover the
  parts that have both values and are marked ``partial``, so a delta never compares different
  sets of repos.
* Ranks: competition ranking (1, 2, 2, 4) by stars at the end and by star delta; a project
  without the value is unranked (``None``), and so is a growth computed from a stale value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session

from monitor.config.repos import Project, Tracked
from monitor.errors import NoData
from monitor.ids import PLATFORM_HOSTS, RepoId
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
from monitor.reports.period import history_instants, previous
from monitor.store.db import Database
from monitor.store.reports import (
    StoredRepo,
    failing_repos,
    points_at,
    releases_between,
    repos_by_key,
)
from monitor.store.series import Point

__all__ = [
    "MILESTONES",
    "STALE_AFTER",
    "build_report",
    "load_report",
    "missing_after",
]

#: A boundary value from an observation older than this is flagged stale.
STALE_AFTER: dict[str, timedelta] = {"week": timedelta(days=2), "month": timedelta(days=7)}

#: Star counts whose crossing in a period is worth a sentence.
MILESTONES: tuple[int, ...] = (
    1_000, 5_000, 10_000, 50_000, 100_000, 200_000, 500_000, 1_000_000,
)

HISTORY_WEEKS = 52


def missing_after(period: Period) -> timedelta:
    """An observation older than the period's own length says nothing about its boundary."""
    return period.end - period.start


@dataclass(frozen=True, slots=True)
class _Value:
    """One boundary value as the report uses it (``value`` None: missing)."""

    value: int | None
    stale: bool
    at: datetime | None


_NO_VALUE = _Value(None, False, None)


class _Judge:
    """Turns stored points into boundary values under the period's tolerances."""

    def __init__(self, stale_after: timedelta, missing_after: timedelta) -> None:
        self.stale_after = stale_after
        self.missing_after = missing_after

    def value(self, point: Point | None, boundary: datetime) -> _Value:
        if point is None:
            return _NO_VALUE
        age = boundary - point.observed_at
        if age > self.missing_after:
            return _Value(None, True, point.observed_at)
        return _Value(point.value, age > self.stale_after, point.observed_at)


def _change(start: _Value, end: _Value) -> Change:
    return Change(start.value, end.value, start.stale, end.stale, start.at, end.at)


def _oldest(times: Iterable[datetime | None]) -> datetime | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None


def _sum(parts: Sequence[Change]) -> Change:
    """The sum of *parts* (see the module docstring for parts without a value)."""
    if not parts:
        return Change(None, None)
    both = [c for c in parts if c.start is not None and c.end is not None]
    partial = any(c.partial for c in parts)
    if both:
        chosen_start = chosen_end = both
        partial = partial or len(both) < len(parts)
        start: int | None = sum(c.start for c in both if c.start is not None)
        end: int | None = sum(c.end for c in both if c.end is not None)
    else:
        # No part has both values: a side is summed only if every part has it.
        chosen_start = chosen_end = list(parts)
        start = None
        end = None
        if all(c.start is not None for c in parts):
            start = sum(c.start for c in parts if c.start is not None)
        if all(c.end is not None for c in parts):
            end = sum(c.end for c in parts if c.end is not None)
        partial = partial or (
            len(parts) > 1 and (start is None or end is None)
            and any(c.start is not None or c.end is not None for c in parts)
        )
    return Change(
        start,
        end,
        start_stale=start is not None and any(c.start_stale for c in chosen_start),
        end_stale=end is not None and any(c.end_stale for c in chosen_end),
        start_at=_oldest(c.start_at for c in chosen_start) if start is not None else None,
        end_at=_oldest(c.end_at for c in chosen_end) if end is not None else None,
        partial=partial,
    )


def _ranks(values: dict[str, int | None]) -> dict[str, int | None]:
    """Competition ranking, largest first; ``None`` values are unranked."""
    ordered = sorted((v for v in values.values() if v is not None), reverse=True)
    first: dict[int, int] = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {name: None if v is None else first[v] for name, v in values.items()}


def _growth(change: Change) -> int | None:
    if change.start_stale or change.end_stale:
        return None
    return change.delta


def _safe_url(url: str | None, platform: str) -> str | None:
    """Only an http(s) URL on the platform's own web host survives (release URLs come from
    the platform's API, but a report must never carry a ``javascript:`` or foreign link)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = PLATFORM_HOSTS.get(platform)
    if parts.scheme not in ("http", "https") or host is None:
        return None
    if (parts.hostname or "").lower() != host or parts.username or parts.password:
        return None
    return url


def _current_name(rid: RepoId, row: StoredRepo | None) -> str:
    return row.canonical if row is not None else str(rid)


def _repo_url(rid: RepoId, row: StoredRepo | None) -> str:
    if row is None:
        return rid.url
    return f"https://{PLATFORM_HOSTS[row.platform]}/{row.owner}/{row.name}"


def _counted(project: Project, mirrors_added: bool) -> tuple[RepoId, ...]:
    return project.repos if mirrors_added else project.repos[:1]


def _thousands(n: int) -> str:
    return f"{n:,}"


def build_report(
    session: Session,
    tracked: Tracked,
    period: Period,
    *,
    mirrors_added: bool = True,
    history_weeks: int = HISTORY_WEEKS,
) -> Report:
    """The report of *period* for the *tracked* projects, from the store behind *session*.

    Raises :class:`~monitor.errors.NoData` when nothing is tracked, or when no tracked repo has
    a value (of any metric) near either boundary of the period.
    """
    if not tracked.projects:
        raise NoData("nothing is tracked: add repos to config/repos.toml (aoss-monitor track)")
    before = previous(period)
    judge = _Judge(STALE_AFTER[period.kind], missing_after(period))
    history_judge = _Judge(timedelta(days=7), timedelta(days=7))

    repo_ids = tracked.repos()
    rows = repos_by_key(session, [rid.key for rid in repo_ids])
    db_id: dict[str, int] = {k: r.id for k, r in rows.items()}
    ids = list(db_id.values())

    boundary = points_at(session, (period.start, period.end), ids, METRICS)
    instants = history_instants(period, history_weeks)
    history = points_at(session, sorted({*instants, before.start}), ids, ("stars",))

    def point(key: str, metric: str, at: datetime) -> Point | None:
        rid = db_id.get(key)
        if rid is None:
            return None
        return boundary.get((rid, metric, at)) or history.get((rid, metric, at))

    # -- per repo -----------------------------------------------------------------------------
    repo_reports: dict[str, RepoReport] = {}
    previous_stars: dict[str, Change] = {}
    for rid in repo_ids:
        row = rows.get(rid.key)
        metrics = {
            metric: _change(
                judge.value(point(rid.key, metric, period.start), period.start),
                judge.value(point(rid.key, metric, period.end), period.end),
            )
            for metric in METRICS
        }
        repo_reports[rid.key] = RepoReport(
            repo=str(rid),
            current_name=_current_name(rid, row),
            platform=rid.platform,
            url=_repo_url(rid, row),
            metrics=metrics,
        )
        previous_stars[rid.key] = _change(
            judge.value(point(rid.key, "stars", before.start), before.start),
            judge.value(point(rid.key, "stars", period.start), period.start),
        )

    if all(
        c.start is None and c.end is None
        for report in repo_reports.values()
        for c in report.metrics.values()
    ):
        raise NoData(_no_data_message(period, boundary))

    # -- releases and issues --------------------------------------------------------------------
    by_db_id = {db_id[rid.key]: rid for rid in repo_ids if rid.key in db_id}
    releases: dict[str, list[ReleaseItem]] = {}
    for release in releases_between(session, ids, period.start, period.end):
        rid = by_db_id[release.repo_id]
        releases.setdefault(rid.key, []).append(
            ReleaseItem(
                repo=repo_reports[rid.key].current_name,
                tag=release.tag,
                name=release.name,
                published_at=release.published_at,
                prerelease=release.prerelease,
                url=_safe_url(release.url, rid.platform),
            )
        )
    project_of = {rid.key: p.name for p in tracked.projects for rid in p.repos}
    issues = tuple(
        sorted(
            (
                RepoIssue(
                    repo=str(by_db_id[f.repo_id]),
                    kind=f.kind,
                    message=f.message,
                    since=f.since,
                    project=project_of.get(by_db_id[f.repo_id].key),
                    last_collected_at=f.last_collected_at,
                )
                for f in failing_repos(session, ids, period.end)
            ),
            key=lambda issue: (issue.repo.lower(), issue.repo),
        )
    )

    # -- per project ----------------------------------------------------------------------------
    stars: dict[str, Change] = {}
    stars_before: dict[str, Change] = {}
    for project in tracked.projects:
        counted = _counted(project, mirrors_added)
        stars[project.name] = _sum([repo_reports[r.key].metrics["stars"] for r in counted])
        stars_before[project.name] = _sum([previous_stars[r.key] for r in counted])
    rank_stars = _ranks({name: c.end for name, c in stars.items()})
    rank_growth = _ranks({name: _growth(c) for name, c in stars.items()})
    rank_stars_before = _ranks({name: c.end for name, c in stars_before.items()})
    rank_growth_before = _ranks({name: _growth(c) for name, c in stars_before.items()})

    repo_series: dict[str, dict[datetime, int]] = {}
    for rid in repo_ids:
        key = rid.key
        judged = {at: history_judge.value(point(key, "stars", at), at).value for at in instants}
        repo_series[key] = {at: v for at, v in judged.items() if v is not None}

    def series(keys: Sequence[RepoId]) -> dict[datetime, int]:
        parts = [repo_series[r.key] for r in keys]
        totals: dict[datetime, int] = {}
        for at in instants:
            present = [p[at] for p in parts if at in p]
            if present:
                totals[at] = sum(present)
        return totals

    project_series = {p.name: series(_counted(p, mirrors_added)) for p in tracked.projects}

    projects: list[ProjectReport] = []
    for project in tracked.projects:
        platforms = sorted({r.platform for r in project.repos})
        split = (
            {
                platform: _sum(
                    [repo_reports[r.key].metrics["stars"] for r in project.repos
                     if r.platform == platform]
                )
                for platform in platforms
            }
            if len(platforms) > 1
            else {}
        )
        project_releases = sorted(
            (item for r in project.repos for item in releases.get(r.key, [])),
            key=lambda item: (-item.published_at.timestamp(), item.repo.lower(), item.tag),
        )
        projects.append(
            ProjectReport(
                name=project.name,
                groups=project.groups,
                repos=tuple(repo_reports[r.key] for r in project.repos),
                stars=stars[project.name],
                split=split,
                rank_stars=rank_stars[project.name],
                rank_growth=rank_growth[project.name],
                rank_stars_previous=rank_stars_before[project.name],
                rank_growth_previous=rank_growth_before[project.name],
                releases=tuple(project_releases),
                stars_history=tuple(
                    SeriesPoint(at.date(), v) for at, v in project_series[project.name].items()
                ),
            )
        )
    projects.sort(
        key=lambda p: (
            p.rank_stars is None,
            p.rank_stars or 0,
            p.name.casefold(),
            p.name,
        )
    )

    # -- groups ---------------------------------------------------------------------------------
    total = _sum(list(stars.values()))
    groups: list[GroupTotal] = []
    for key, group in tracked.groups.items():
        members = [p.name for p in tracked.projects if key in p.groups]
        groups.append(
            GroupTotal(
                key=key,
                title=group.title,
                stars=_sum([stars[name] for name in members]),
                share_start=_share(
                    [stars[n].start for n in members], [c.start for c in stars.values()]
                ),
                share_end=_share(
                    [stars[n].end for n in members], [c.end for c in stars.values()]
                ),
                share_history=_share_history(
                    instants, [project_series[n] for n in members], list(project_series.values())
                ),
                projects=len(members),
            )
        )

    newest = [p.observed_at for p in boundary.values()]
    return Report(
        period=period,
        previous=before,
        generated_from=max(newest),
        mirrors_added=mirrors_added,
        projects=tuple(projects),
        groups=tuple(groups),
        issues=issues,
        notable=_notable(projects, issues),
        total_stars=total,
        stale_after=judge.stale_after,
        missing_after=judge.missing_after,
    )


def _share(part: Sequence[int | None], whole: Sequence[int | None]) -> float | None:
    numerator = sum(v for v in part if v is not None)
    denominator = sum(v for v in whole if v is not None)
    if denominator <= 0 or all(v is None for v in part):
        return None
    return numerator / denominator


def _share_history(
    instants: Sequence[datetime],
    members: Sequence[dict[datetime, int]],
    everyone: Sequence[dict[datetime, int]],
) -> tuple[SeriesPoint, ...]:
    points = []
    for at in instants:
        part = [s[at] for s in members if at in s]
        whole = sum(s[at] for s in everyone if at in s)
        if part and whole > 0:
            points.append(SeriesPoint(at.date(), round(1000 * sum(part) / whole)))
    return tuple(points)


def _no_data_message(period: Period, points: dict[tuple[int, str, datetime], Point]) -> str:
    span = f"{period.first_day.isoformat()} to {period.last_day.isoformat()}"
    what = f"no data for the {period.kind} {period.key} ({span})"
    if points:
        newest = max(p.observed_at for p in points.values())
        return (
            f"{what}: the newest observation before its end is from "
            f"{newest:%Y-%m-%d %H:%MZ}, too old to stand for it; choose an earlier --end"
        )
    return (
        f"{what}: no tracked repo has an observation before its end; run `aoss-monitor "
        "collect` (and `backfill` for history) first, or choose a later --end"
    )


def _notable(
    projects: Sequence[ProjectReport], issues: Sequence[RepoIssue]
) -> tuple[str, ...]:
    """Plain sentences about the period (escaped on output like every other text)."""
    sentences: list[str] = []
    growth = [p for p in projects if p.rank_growth == 1 and (p.stars.delta or 0) > 0]
    for project in growth:
        delta = project.stars.delta or 0
        relative = project.stars.relative
        pct = f" ({relative:+.1%})" if relative is not None else ""
        sentences.append(
            f"{project.name} gained the most stars: +{_thousands(delta)}{pct}."
        )
    for project in projects:
        start, end = project.stars.start, project.stars.end
        if start is None or end is None:
            continue
        crossed = [m for m in MILESTONES if start < m <= end]
        if crossed:
            sentences.append(f"{project.name} passed {_thousands(crossed[-1])} stars.")
    for project in projects:
        now, before = project.rank_stars, project.rank_stars_previous
        if now is not None and before is not None and now < before and now <= 10:
            sentences.append(f"{project.name} moved up to #{now} by stars (from #{before}).")
    for project in projects:
        if project.releases:
            latest = project.releases[0]
            more = len(project.releases) - 1
            tail = f" and {more} more" if more else ""
            sentences.append(f"{project.name} released {latest.tag}{tail}.")
    if issues:
        count = len(issues)
        sentences.append(
            f"{count} repo{'s' if count != 1 else ''} failed {'their' if count != 1 else 'its'}"
            " last collection (see the issues)."
        )
    return tuple(sentences)


def load_report(
    database: Database, tracked: Tracked, period: Period, *, mirrors_added: bool = True
) -> Report:
    """:func:`build_report` in a read-only session of its own."""
    with database.session() as session:
        return build_report(session, tracked, period, mirrors_added=mirrors_added)
