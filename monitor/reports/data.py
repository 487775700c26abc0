"""Building a report's data (:class:`~monitor.reports.model.Report`) from the store.

What the store is asked (:mod:`monitor.reports.queries`, every answer an index seek):

* each metric of each tracked repo at the period's start and end, and stars at the previous
  period's start (for the previous ranks) and at 53 weekly instants (for the charts): two
  statements for all repos;
* the releases published in the period; the repos failing at the period's end.

Everything else is arithmetic on those few thousand values, in modules with no I/O (each
states the rules it applies): boundary values, stale or missing (:mod:`.values`); sums, shares
and weekly series (:mod:`.totals`); ranks and their moves (:mod:`.ranks`); the notable
sentences (:mod:`.notable`).

:func:`build_report` reads top to bottom as the steps of a report, and the helpers below it
follow in the same order: gather the boundaries, read the values, build each repo's row, list
the releases and the failing repos, total each project's stars, rank the projects, assemble
each project (platform split included), then the groups and their shares, and the notable
sentences.

A project's repos are those it has now (:mod:`.membership`: today's membership, applied to
every period); which repos those are is asked of one function, :func:`project_members`. Its
stars add those repos (``mirrors_added=True``, the default) or count only its first, its home
(``False``); the per-platform split always shows every repo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session

from monitor.config.repos import Project, Tracked
from monitor.config.settings import DEFAULT_TOP_REPOS
from monitor.errors import NoData
from monitor.ids import RepoId, web_base
from monitor.metrics import METRICS
from monitor.reports import model
from monitor.reports.links import safe_url
from monitor.reports.membership import Member, Membership, membership_in, stored_members
from monitor.reports.model import Change, Period
from monitor.reports.notable import notable
from monitor.reports.period import history_instants, previous
from monitor.reports.ranks import Ranks, ranking_key, ranks_of
from monitor.reports.totals import group_totals, series_total, sum_changes
from monitor.reports.values import HISTORY_TOLERANCE, Judge, change
from monitor.store.db import Database
from monitor.store.reports import (
    StoredRepo,
    failing_repos,
    points_at,
    releases_between,
    repos_by_key,
)
from monitor.store.series import Point
from monitor.store.stays import project_stays

__all__ = ["HISTORY_WEEKS", "PUBLIC_WEB", "build_report", "load_report", "project_members"]

#: How far back the charts go, in weeks before the period's end.
HISTORY_WEEKS = 52

#: Each platform's web pages when no Enterprise host is configured (``Settings.web_bases``).
PUBLIC_WEB: Mapping[str, str] = {platform: web_base(platform) for platform in ("github", "gitee")}

#: Stars of one repo or project at each weekly instant of the charts (no value: no key).
Series = dict[datetime, int]


@dataclass(frozen=True)
class _Boundaries:
    """The instants a report reads, and the tolerances its values are judged by."""

    period: Period
    previous: Period
    history: tuple[datetime, ...]  # the charts' weekly instants, oldest first
    judge: Judge  # boundary values (stale / missing by the period's kind and length)
    history_judge: Judge  # the charts' points


@dataclass(frozen=True)
class _Stored:
    """What the store answered: the tracked repos it knows, and their points at every instant."""

    repo_ids: tuple[RepoId, ...]  # every project's repos now, in the membership's order
    rows: dict[str, StoredRepo]  # by configured key; a repo never stored is absent
    boundary: dict[tuple[int, str, datetime], Point]  # every metric at start and end
    history: dict[tuple[int, str, datetime], Point]  # stars at the weekly and previous instants

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.rows.values()]

    def by_id(self) -> dict[int, RepoId]:
        return {self.rows[rid.key].id: rid for rid in self.repo_ids if rid.key in self.rows}

    def point(self, key: str, metric: str, at: datetime) -> Point | None:
        row = self.rows.get(key)
        if row is None:
            return None
        return self.boundary.get((row.id, metric, at)) or self.history.get((row.id, metric, at))


@dataclass(frozen=True)
class _Repos:
    """Each tracked repo's row of the report, by configured key."""

    reports: dict[str, model.RepoReport]
    previous_stars: dict[str, Change]  # stars over the previous period (for previous ranks)
    stars_series: dict[str, Series]


@dataclass(frozen=True)
class _ProjectTotals:
    """Each project's stars, by project name, over the repos it counts."""

    stars: dict[str, Change]
    stars_before: dict[str, Change]  # over the previous period (for previous ranks)
    series: dict[str, Series]


def build_report(
    session: Session,
    tracked: Tracked,
    period: Period,
    *,
    mirrors_added: bool = True,
    history_weeks: int = HISTORY_WEEKS,
    web: Mapping[str, str] = PUBLIC_WEB,
    top_repos: int = DEFAULT_TOP_REPOS,
    members: Mapping[str, Sequence[Member]] | None = None,
) -> model.Report:
    """The report of *period* for the *tracked* projects, from the store behind *session*.

    *web*: where each platform's pages are (``Settings.web_bases``: a GitHub Enterprise host,
    say); repo links point there, and only a release page there becomes a link.
    *members*: each project's repos by project name (default: :func:`project_members`).
    *top_repos*: how many repos of a project the HTML and Markdown tables show.

    Raises :class:`~monitor.errors.NoData` when nothing is tracked, or when no tracked repo has
    a value (of any metric) near either boundary of the period.
    """
    if not tracked.projects:
        raise NoData("nothing is tracked: add repos to config/repos.toml (aoss-monitor track)")
    bounds = _boundaries(period, history_weeks)
    sources = project_members(session, tracked) if members is None else members
    views = {p.name: membership_in(sources.get(p.name, ()), period) for p in tracked.projects}
    stored = _read_values(session, views.values(), bounds)
    repos = _repo_rows(stored, bounds, web)
    if not _has_any_value(repos):
        raise NoData(_no_data_message(period, stored.boundary))
    releases = _releases(session, stored, repos, period, web)
    issues = _failing(session, views, stored, period)
    totals = _project_totals(tracked, views, repos, bounds, mirrors_added)
    ranks = ranks_of(totals.stars, totals.stars_before)
    projects = sorted(
        (_project(p, views[p.name], repos, totals, ranks[p.name], releases)
         for p in tracked.projects),
        key=lambda p: ranking_key(p.rank_stars, p.name),
    )
    return model.Report(
        period=period,
        previous=bounds.previous,
        generated_from=max(p.observed_at for p in stored.boundary.values()),
        mirrors_added=mirrors_added,
        projects=tuple(projects),
        groups=group_totals(tracked, totals.stars, totals.series, bounds.history),
        issues=issues,
        notable=notable(projects, issues),
        total_stars=sum_changes(list(totals.stars.values())),
        stale_after=bounds.judge.stale_after,
        missing_after=bounds.judge.missing_after,
        top_repos=top_repos,
    )


def load_report(
    database: Database,
    tracked: Tracked,
    period: Period,
    *,
    mirrors_added: bool = True,
    top_repos: int = DEFAULT_TOP_REPOS,
    web: Mapping[str, str] = PUBLIC_WEB,
) -> model.Report:
    """:func:`build_report` in a read-only session of its own."""
    with database.session() as session:
        return build_report(session, tracked, period, mirrors_added=mirrors_added,
                            top_repos=top_repos, web=web)


def project_members(session: Session, tracked: Tracked) -> dict[str, tuple[Member, ...]]:
    """Each project's repos, with when they joined and left, by project name: the one place a
    report asks who belongs to a project. The stored membership
    (:func:`~monitor.store.members.project_stays`), read by
    :func:`~monitor.reports.membership.stored_members` (the configured repos of a project
    with no stay stored yet)."""
    return stored_members(project_stays(session.connection()), tracked)


# -- gather the boundaries, read the values --------------------------------------------------


def _boundaries(period: Period, history_weeks: int) -> _Boundaries:
    return _Boundaries(
        period=period,
        previous=previous(period),
        history=history_instants(period, history_weeks),
        judge=Judge.of(period),
        history_judge=Judge(HISTORY_TOLERANCE, HISTORY_TOLERANCE),
    )


def _read_values(
    session: Session, views: Iterable[Membership], bounds: _Boundaries
) -> _Stored:
    """Two statements for every value: all metrics at the boundaries, stars at the others."""
    repo_ids = list({rid.key: rid for view in views for rid in view.repos}.values())
    rows = repos_by_key(session, [rid.key for rid in repo_ids])
    ids = [row.id for row in rows.values()]
    period = bounds.period
    boundary = points_at(session, (period.start, period.end), ids, METRICS)
    others = sorted({*bounds.history, bounds.previous.start})
    history = points_at(session, others, ids, ("stars",))
    return _Stored(tuple(repo_ids), rows, boundary, history)


# -- per repo --------------------------------------------------------------------------------


def _repo_rows(stored: _Stored, bounds: _Boundaries, web: Mapping[str, str]) -> _Repos:
    """Every metric of every repo at the boundaries, its previous stars and its chart series."""
    period, before, judge = bounds.period, bounds.previous, bounds.judge

    def judged(key: str, metric: str, first: datetime, last: datetime) -> Change:
        return change(judge.value(stored.point(key, metric, first), first),
                      judge.value(stored.point(key, metric, last), last))

    reports: dict[str, model.RepoReport] = {}
    previous_stars: dict[str, Change] = {}
    stars_series: dict[str, Series] = {}
    for rid in stored.repo_ids:
        key, row = rid.key, stored.rows.get(rid.key)
        reports[key] = model.RepoReport(
            repo=str(rid),
            current_name=row.canonical if row is not None else str(rid),
            platform=rid.platform,
            url=_repo_url(rid, row, web[rid.platform]),
            metrics={m: judged(key, m, period.start, period.end) for m in METRICS},
            created_at=row.created_at if row is not None else None,
        )
        previous_stars[key] = judged(key, "stars", before.start, period.start)
        points = {at: bounds.history_judge.value(stored.point(key, "stars", at), at).value
                  for at in bounds.history}
        stars_series[key] = {at: v for at, v in points.items() if v is not None}
    return _Repos(reports, previous_stars, stars_series)


def _repo_url(rid: RepoId, row: StoredRepo | None, base: str) -> str:
    """The repo's page under its platform's web *base*, by the name the platform gave last."""
    current = rid if row is None else RepoId(row.platform, row.owner, row.name)
    return current.web_url(base)


def _has_any_value(repos: _Repos) -> bool:
    return any(
        c.start is not None or c.end is not None
        for report in repos.reports.values()
        for c in report.metrics.values()
    )


def _no_data_message(period: Period, points: Mapping[tuple[int, str, datetime], Point]) -> str:
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


# -- releases and failing repos --------------------------------------------------------------


def _releases(
    session: Session, stored: _Stored, repos: _Repos, period: Period, web: Mapping[str, str],
) -> dict[str, list[model.ReleaseItem]]:
    """The releases published in the period, by repo key, newest first."""
    by_id = stored.by_id()
    releases: dict[str, list[model.ReleaseItem]] = {}
    for release in releases_between(session, stored.ids, period.start, period.end):
        rid = by_id[release.repo_id]
        releases.setdefault(rid.key, []).append(
            model.ReleaseItem(
                repo=repos.reports[rid.key].current_name,
                tag=release.tag,
                name=release.name,
                published_at=release.published_at,
                prerelease=release.prerelease,
                # The platform's API gave the URL: only a page on its own web host survives.
                url=safe_url(release.url, {urlsplit(web[rid.platform]).hostname or ""}),
            )
        )
    return releases


def _failing(
    session: Session, views: Mapping[str, Membership], stored: _Stored, period: Period
) -> tuple[model.RepoIssue, ...]:
    """The repos whose last collection before the period's end failed, by name."""
    by_id = stored.by_id()
    project_of = {rid.key: name for name, view in views.items() for rid in view.repos}
    issues = (
        model.RepoIssue(
            repo=str(by_id[f.repo_id]),
            kind=f.kind,
            message=f.message,
            since=f.since,
            project=project_of.get(by_id[f.repo_id].key),
            last_collected_at=f.last_collected_at,
        )
        for f in failing_repos(session.connection(), stored.ids, period.end)
    )
    return tuple(sorted(issues, key=lambda issue: (issue.repo.lower(), issue.repo)))


# -- per project -----------------------------------------------------------------------------


def _counted(view: Membership, mirrors_added: bool) -> tuple[RepoId, ...]:
    """The repos a project's stars count: all of them, or only its home (the first)."""
    return view.repos if mirrors_added else view.repos[:1]


def _project_totals(
    tracked: Tracked,
    views: Mapping[str, Membership],
    repos: _Repos,
    bounds: _Boundaries,
    mirrors_added: bool,
) -> _ProjectTotals:
    """Each project's stars now and over the previous period, and its weekly series."""

    def counted(project: Project) -> tuple[RepoId, ...]:
        return _counted(views[project.name], mirrors_added)

    def total(project: Project, by_key: Mapping[str, Change]) -> Change:
        return sum_changes([by_key[r.key] for r in counted(project)])

    stars = {key: report.metrics["stars"] for key, report in repos.reports.items()}
    return _ProjectTotals(
        stars={p.name: total(p, stars) for p in tracked.projects},
        stars_before={p.name: total(p, repos.previous_stars) for p in tracked.projects},
        series={
            p.name: series_total(bounds.history,
                                 [repos.stars_series[r.key] for r in counted(p)])
            for p in tracked.projects
        },
    )


def _platform_split(
    members: Sequence[RepoId], reports: Mapping[str, model.RepoReport]
) -> dict[str, Change]:
    """Stars per platform, for a project on more than one (else empty)."""
    platforms = sorted({r.platform for r in members})
    if len(platforms) < 2:
        return {}
    return {
        platform: sum_changes([reports[r.key].metrics["stars"] for r in members
                               if r.platform == platform])
        for platform in platforms
    }


def _project(
    project: Project,
    view: Membership,
    repos: _Repos,
    totals: _ProjectTotals,
    ranks: Ranks,
    releases: Mapping[str, Sequence[model.ReleaseItem]],
) -> model.ProjectReport:
    project_releases = sorted(
        (item for r in view.repos for item in releases.get(r.key, [])),
        key=lambda item: (-item.published_at.timestamp(), item.repo.lower(), item.tag),
    )
    series = totals.series[project.name]
    return model.ProjectReport(
        name=project.name,
        groups=project.groups,
        repos=tuple(repos.reports[r.key] for r in view.repos),
        stars=totals.stars[project.name],
        split=_platform_split(view.repos, repos.reports),
        rank_stars=ranks.stars,
        rank_growth=ranks.growth,
        rank_stars_previous=ranks.stars_previous,
        rank_growth_previous=ranks.growth_previous,
        releases=tuple(project_releases),
        stars_history=tuple(model.SeriesPoint(at.date(), v) for at, v in series.items()),
        joined=tuple(str(r) for r in view.joined),
        left=tuple(str(r) for r in view.left),
    )
