"""Reports at ecosystem scale: a project of hundreds of repos is shown by its top repos, with
how many more; small reports look as before; 2,000 repos stay small and readable on a phone."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from monitor.reports.model import MEMBERSHIP_RULE, Report
from monitor.reports.render import render_html, render_markdown
from tests.reports.sample import ECOSYSTEMS, ecosystem_report, sample_report
from tests.reports.test_render import Page, _tables

MB = 1_000_000


@pytest.fixture(scope="module")
def eco() -> Report:
    return ecosystem_report()


@pytest.fixture(scope="module")
def eco_html(eco: Report) -> str:
    return render_html(eco)


@pytest.fixture(scope="module")
def eco_md(eco: Report) -> str:
    return render_markdown(eco)


def _section(html: str, name: str) -> str:
    """The HTML of one project in the "Projects and repos" section."""
    projects = html.split('<section id="projects">', 1)[1].split("</section>", 1)[0]
    return projects.split(f'<h3 class="wrap">{name}</h3>', 1)[1].split("<h3", 1)[0]


def _md_section(markdown: str, name: str) -> str:
    return markdown.split(f"\n### {name}\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]


def _rows(html: str) -> int:
    return html.count("<tr>") - html.count("<thead>\n<tr>")


# -- small reports look as before ----------------------------------------------------------


def test_a_small_project_still_lists_every_repo_in_one_table() -> None:
    html = render_html(sample_report())
    paddle = _section(html, "PaddlePaddle")
    assert paddle.count("<table>") == 1 and _rows(paddle) == 2
    assert "<h4>" not in html and "more repo" not in html
    assert "Most stars" not in html and "Created in the period" not in html


def test_a_small_report_has_no_repo_count_column() -> None:
    html = render_html(sample_report())
    ranking = html.split('<section id="ranking">', 1)[1].split("</section>", 1)[0]
    assert ">Repos</th>" not in ranking
    assert "| Repos |" not in render_markdown(sample_report())


@pytest.mark.parametrize("report", [sample_report(), ecosystem_report()],
                         ids=["small", "ecosystems"])
def test_every_report_states_the_membership_rule(report: Report) -> None:
    assert MEMBERSHIP_RULE in Page(render_html(report)).all_text
    assert f"\n- {MEMBERSHIP_RULE}\n" in render_markdown(report)


# -- a large project -------------------------------------------------------------------------


def test_a_large_project_shows_its_top_repos_by_stars_and_by_growth(eco_html: str) -> None:
    paddle = _section(eco_html, "PaddlePaddle")
    stars = paddle.split("<h4>Most stars</h4>", 1)[1].split("<h4>", 1)[0]
    growth = paddle.split("<h4>Most stars gained</h4>", 1)[1].split("<h4>", 1)[0]
    assert _rows(stars) == 10 and _rows(growth) == 10
    assert "And 390 more repos." in stars
    # Largest first: module-0000 has the most stars of the generated repos.
    assert stars.index("module-0000<") < stars.index("module-0001<")


def test_a_large_project_shows_its_repo_count_and_moves(eco_html: str) -> None:
    paddle = _section(eco_html, "PaddlePaddle")
    assert "400 repos · in the period 20 joined, 8 left · 10 created in the period" in paddle
    assert "Joined in the period: " in paddle and " and 10 more." in paddle
    assert "Left in the period (no longer counted, in any period): " in paddle
    ranking = eco_html.split('<section id="ranking">', 1)[1].split("</section>", 1)[0]
    assert ">Repos</th>" in ranking
    assert 'title="20 joined, 8 left in the period">+12<' in ranking


def test_repos_created_in_the_period_are_listed_with_their_day(eco_html: str) -> None:
    paddle = _section(eco_html, "PaddlePaddle")
    created = paddle.split("<h4>Created in the period</h4>", 1)[1]
    assert _rows(created) == 10 and "<th>Created</th>" in created
    assert created.count('<td class="n">2026-11-') == 10


def test_the_setting_decides_how_many_repos_a_table_shows(eco: Report) -> None:
    html = render_html(replace(eco, top_repos=3))
    paddle = _section(html, "PaddlePaddle")
    stars = paddle.split("<h4>Most stars</h4>", 1)[1].split("<h4>", 1)[0]
    assert _rows(stars) == 3 and "And 397 more repos." in stars
    assert "And 7 more created in the period." in paddle


def test_a_project_of_one_repo_among_ecosystems_keeps_its_table(eco_html: str) -> None:
    alink = _section(eco_html, "Alink")
    assert alink.count("<table>") == 1 and _rows(alink) == 1 and "<h4>" not in alink


def test_releases_and_failing_repos_are_capped_per_project(eco: Report) -> None:
    html = render_html(replace(eco, top_repos=3))
    releases = html.split('<section id="releases">', 1)[1].split("</section>", 1)[0]
    assert _rows(releases) == 3 * (len(ECOSYSTEMS) - 1) + 1  # Alink has one
    assert "397 more of PaddlePaddle" in releases
    issues = html.split('<section id="issues">', 1)[1].split("</section>", 1)[0]
    shown = len(re.findall(r"<tr>\n<td class=\"wrap\">", issues))
    assert shown + sum(int(n) for n in re.findall(r"(\d+) more of", issues)) == len(eco.issues)


# -- 2,000 repos: small, and readable on a phone -------------------------------------------


def test_the_html_of_2000_repos_is_under_2_mb(eco: Report, eco_html: str) -> None:
    assert sum(len(p.repos) for p in eco.projects) == 2_000
    assert len(eco_html.encode()) < 2 * MB
    # At most top_repos rows per table, whatever the number of repos.
    assert _rows(eco_html) < 40 * len(ECOSYSTEMS)


def test_the_html_of_2000_repos_is_for_phones(eco_html: str) -> None:
    page = Page(eco_html)
    viewport = [a for a in page.tags("meta") if a.get("name") == "viewport"]
    assert viewport and "width=device-width" in (viewport[0]["content"] or "")
    # Every table scrolls inside its own box; nothing has a fixed width.
    assert eco_html.count("<table>") == eco_html.count('<div class="scroll">\n<table>')
    css = "".join(page.styles)
    widths = re.findall(r"(?<![-\w])width:\s*([^;}]+)", css)
    assert all(w.strip() in {"100%", "auto"} for w in widths), widths
    fixed = re.compile(r"(?<![-\w])width\s*:")
    assert not [attrs for _, attrs in page.elements if fixed.search(attrs.get("style") or "")]
    assert not [tag for tag, attrs in page.elements if "width" in attrs and tag != "rect"]
    # Long repo names wrap instead of widening their column.
    assert 'td class="wrap"><a href="https://github.com/PaddlePaddle/' in eco_html


# -- Markdown --------------------------------------------------------------------------------


def test_markdown_of_a_large_project_says_the_same(eco_md: str) -> None:
    paddle = _md_section(eco_md, "PaddlePaddle")
    assert "400 repos · in the period 20 joined, 8 left · 10 created in the period" in paddle
    for heading in ("Most stars", "Most stars gained", "Created in the period"):
        assert f"\n#### {heading}\n" in paddle
    assert "\nAnd 390 more repos.\n" in paddle
    assert "| 1 | PaddlePaddle" in eco_md and "| 400 (+12) |" in eco_md


def test_markdown_tables_of_2000_repos_are_well_formed_and_short(eco_md: str) -> None:
    tables = _tables(eco_md)
    for table in tables:
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in table}
        assert len(widths) == 1, table[:3]
        # A project's table: at most top_repos rows; releases and failing repos: that many
        # per project.
        assert len(table) <= 2 + 10 * len(ECOSYSTEMS), table[:3]
    # A table ends before the sentence after it (a blank line between).
    assert "|\nAnd " not in eco_md


def test_small_markdown_has_no_new_sections() -> None:
    markdown = render_markdown(sample_report())
    assert "####" not in markdown and "more repo" not in markdown


def test_a_project_without_repos_yet_says_so_instead_of_an_empty_table() -> None:
    report = sample_report()
    empty = replace(report.projects[2], repos=())
    report = replace(report, projects=(*report.projects[:2], empty))
    html = render_html(report)
    newcomer = _section(html, "Newcomer")
    assert "<table>" not in newcomer and "No repos yet" in newcomer
    markdown = render_markdown(report)
    assert "No repos yet" in _md_section(markdown, "Newcomer")
    assert all(len(table) >= 3 for table in _tables(markdown))
