"""An empty repository (no commits) is collected like any other: GitHub answers its
contributors with 204 No Content, which means none, not a broken repo."""

from __future__ import annotations

from tests.harness import T0, Monitor

EMPTY = "github:acme/empty"


def test_an_empty_github_repo_keeps_its_stars_with_zero_contributors(
    monitor: Monitor, mode: str
) -> None:
    monitor.fake.github.repo("acme/empty").stars = 4
    summary = monitor.collect(EMPTY)
    assert [o.status for o in summary.outcomes] == ["collected"]
    assert monitor.values(EMPTY, T0) == {
        "stars": 4, "forks": 0, "watchers": 0, "open_issues": 0, "open_prs": 0,
        "contributors": 0, "releases": 0,
    }
    assert monitor.errors() == {}


def test_an_empty_gitee_repo_keeps_its_stars_with_zero_contributors(monitor: Monitor) -> None:
    """Gitee lists an empty repo's contributors as ``[]`` (the fake; Gitee documents nothing
    else): zero, and the repo is collected."""
    (monitor.home / "config" / "repos.toml").write_text(
        '[[projects]]\nname = "Empty"\nrepos = ["gitee:acme/empty"]\n')
    monitor.fake.gitee.repo("acme/empty").stars = 2
    summary = monitor.collect("gitee:acme/empty")
    assert [o.status for o in summary.outcomes] == ["collected"]
    values = monitor.values("gitee:acme/empty", T0)
    assert (values["stars"], values["contributors"], values["releases"]) == (2, 0, 0)
