"""The JSON report: the report's data as it is, versioned by ``schema_version``.

Its shape is documented by ``docs/report-schema.json`` (JSON Schema, draft 2020-12), whose
``$id`` carries :data:`~monitor.reports.model.SCHEMA_VERSION`; any change of shape bumps both.
The output is deterministic — keys sorted, no wall-clock time, lists in the report's order — so
rendering the same period from the same data gives the same bytes.

Instants are ISO 8601 UTC with a ``Z`` (as in export); days are ``YYYY-MM-DD``; a missing value
is ``null``, never 0; ``relative`` is the change over the start value (0.05 = +5%), ``null``
when the start is missing or 0.

Every repo of every project is here, however many: the HTML and Markdown show a large project
by its top repos (``top_repos`` of each, :mod:`.tops`), whose ids this file names too.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from monitor.errors import InputError
from monitor.ids import RepoId
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
from monitor.reports.tops import created_in, top_by_growth, top_by_stars

__all__ = ["as_json", "render"]


def _instant(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _day(day: date) -> str:
    return day.isoformat()


def _seconds(span: timedelta) -> int:
    return int(span.total_seconds())


def _relative(change: Change) -> float | None:
    relative = change.relative
    return None if relative is None else round(relative, 6)


def change_json(change: Change) -> dict[str, Any]:
    return {
        "start": change.start,
        "end": change.end,
        "delta": change.delta,
        "relative": _relative(change),
        "start_stale": change.start_stale,
        "end_stale": change.end_stale,
        "start_at": _instant(change.start_at),
        "end_at": _instant(change.end_at),
        "partial": change.partial,
    }


def _period(period: Period) -> dict[str, Any]:
    return {
        "kind": period.kind,
        "key": period.key,
        "start": _instant(period.start),
        "end": _instant(period.end),
        "first_day": _day(period.first_day),
        "last_day": _day(period.last_day),
    }


def _series(points: tuple[SeriesPoint, ...]) -> list[dict[str, Any]]:
    return [{"day": _day(p.day), "value": p.value} for p in points]


def _web_url(url: str | None) -> str | None:
    """Defence in depth (data.py already filters): only http(s) links reach the file."""
    if url is None or not url.lower().startswith(("https://", "http://")):
        return None
    return url


def _release(release: ReleaseItem) -> dict[str, Any]:
    return {
        "repo": release.repo,
        "tag": release.tag,
        "name": release.name,
        "published_at": _instant(release.published_at),
        "prerelease": release.prerelease,
        "url": _web_url(release.url),
    }


def _repo_url(repo: RepoReport) -> str:
    if repo.url.lower().startswith(("https://", "http://")):  # an Enterprise host may be http
        return repo.url
    try:
        return RepoId.parse(repo.current_name).url
    except InputError:
        return RepoId.parse(repo.repo).url


def _repo(repo: RepoReport) -> dict[str, Any]:
    return {
        "repo": repo.repo,
        "current_name": repo.current_name,
        "platform": repo.platform,
        "url": _repo_url(repo),
        "created_at": _instant(repo.created_at),
        "metrics": {metric: change_json(repo.metrics[metric]) for metric in METRICS
                    if metric in repo.metrics},
    }


def _ids(repos: tuple[RepoReport, ...]) -> list[str]:
    return [repo.repo for repo in repos]


def _project(project: ProjectReport, period: Period, top: int) -> dict[str, Any]:
    return {
        "name": project.name,
        "groups": list(project.groups),
        "stars": change_json(project.stars),
        "split": {platform: change_json(c) for platform, c in project.split.items()},
        "ranks": {
            "stars": project.rank_stars,
            "growth": project.rank_growth,
            "stars_previous": project.rank_stars_previous,
            "growth_previous": project.rank_growth_previous,
        },
        "releases": [_release(r) for r in project.releases],
        "stars_history": _series(project.stars_history),
        "repo_count": len(project.repos),
        "repos_joined": list(project.joined),
        "repos_left": list(project.left),
        "repos_created": _ids(created_in(project.repos, period, len(project.repos)).items),
        "top_repos": {
            "stars": _ids(top_by_stars(project.repos, top).items),
            "growth": _ids(top_by_growth(project.repos, top).items),
        },
        "repos": [_repo(r) for r in project.repos],
    }


def _group(group: GroupTotal) -> dict[str, Any]:
    return {
        "key": group.key,
        "title": group.title,
        "projects": group.projects,
        "stars": change_json(group.stars),
        "share_start": None if group.share_start is None else round(group.share_start, 6),
        "share_end": None if group.share_end is None else round(group.share_end, 6),
        "share_history_permille": _series(group.share_history),
    }


def _issue(issue: RepoIssue) -> dict[str, Any]:
    return {
        "repo": issue.repo,
        "project": issue.project,
        "kind": issue.kind,
        "message": issue.message,
        "since": _instant(issue.since),
        "last_collected_at": _instant(issue.last_collected_at),
    }


def as_json(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data (what :func:`render` serialises)."""
    return {
        "schema_version": report.schema_version,
        "period": _period(report.period),
        "previous": _period(report.previous),
        "generated_from": _instant(report.generated_from),
        "mirrors_added": report.mirrors_added,
        "stale_after_seconds": _seconds(report.stale_after),
        "missing_after_seconds": _seconds(report.missing_after),
        "metrics": list(METRICS),
        "total_stars": None if report.total_stars is None else change_json(report.total_stars),
        "membership_rule": report.membership_rule,
        "top_repos": report.top_repos,
        "projects": [_project(p, report.period, report.top_repos) for p in report.projects],
        "groups": [_group(g) for g in report.groups],
        "issues": [_issue(i) for i in report.issues],
        "notable": list(report.notable),
    }


def render(report: Report) -> str:
    """The JSON report: UTF-8 text, keys sorted, two-space indent, a final newline."""
    return json.dumps(as_json(report), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
