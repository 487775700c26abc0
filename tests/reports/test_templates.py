"""Report templates a user overrides: ``<home>/templates/NAME`` wins over the shipped NAME."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.config.settings import Settings
from monitor.reports.files import render_all, templates_dir, write_report
from monitor.reports.render import render_html, render_markdown
from tests.reports.conftest import Seeded
from tests.reports.sample import SCRIPT, sample_report

NOTABLE = re.compile(r'<section id="notable">.*?</section>', re.DOTALL)
OVERRIDE = (
    '<section id="notable"><p class="mine">Our own notable list: '
    "{{ report.notable|length }} sentences, first {{ report.notable[0] }}</p></section>\n"
)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    """A home's templates/ folder overriding one partial, _notable.html."""
    folder = tmp_path / "home" / "templates"
    folder.mkdir(parents=True)
    (folder / "_notable.html").write_text(OVERRIDE, encoding="utf-8")
    return folder


def test_an_overridden_partial_replaces_the_shipped_one_and_only_it(templates: Path) -> None:
    shipped = render_html(sample_report())
    mine = render_html(sample_report(), templates=templates)
    assert 'class="mine">Our own notable list: 2 sentences' in mine
    assert 'class="mine"' not in shipped
    # Everything but the notable section is the shipped templates' output, byte for byte.
    assert NOTABLE.sub("", mine) == NOTABLE.sub("", shipped)


def test_an_overridden_template_is_still_autoescaped(templates: Path) -> None:
    mine = render_html(sample_report(), templates=templates)
    assert SCRIPT not in mine
    assert "first PaddlePaddle released v3.0.0 &lt;script&gt;" in mine


def test_without_a_templates_folder_the_shipped_templates_are_used(tmp_path: Path) -> None:
    missing = tmp_path / "home" / "templates"
    assert render_html(sample_report(), templates=missing) == render_html(sample_report())
    assert render_markdown(sample_report(), templates=missing) == render_markdown(sample_report())


def test_an_override_counts_from_the_next_render(templates: Path) -> None:
    first = render_html(sample_report(), templates=templates)
    (templates / "_notable.html").write_text(OVERRIDE.replace("Our own", "Edited"), "utf-8")
    assert "Edited notable list" in render_html(sample_report(), templates=templates)
    assert "Edited" not in first


def test_the_index_and_feed_use_the_overrides_too(templates: Path, tmp_path: Path) -> None:
    (templates / "index.html").write_text("<p>my index</p>\n", encoding="utf-8")
    written = render_all(sample_report(), tmp_path / "reports", ("md",), templates=templates)
    assert [p.name for p in written] == ["2026-W47.md", "index.html", "feed.xml"]
    assert (tmp_path / "reports" / "index.html").read_text(encoding="utf-8") == "<p>my index</p>\n"
    assert "<feed" in (tmp_path / "reports" / "feed.xml").read_text(encoding="utf-8")


def test_write_report_uses_the_templates_of_the_home(
    seeded: Seeded, templates: Path, database_url: str
) -> None:
    settings = Settings(home=templates.parent, database_url=database_url)
    assert templates_dir(settings) == templates
    written = write_report(settings, seeded.database, seeded.tracked, seeded.period, ("html",))
    html = written[0].read_text(encoding="utf-8")
    assert written[0] == settings.reports_dir / "weekly" / "2025-W10.html"
    assert 'class="mine">Our own notable list:' in html
    assert '<section id="ranking">' in html  # the other partials are the shipped ones
