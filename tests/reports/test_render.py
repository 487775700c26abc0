"""HTML and Markdown rendering: self-contained, escaped, deterministic, well-formed tables."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from monitor.reports.links import safe_url
from monitor.reports.render import (
    md_escape,
    period_title,
    render_html,
    render_markdown,
)
from tests.reports.sample import (
    ATTRIBUTE,
    EVIL_URL,
    JS_URL,
    SCRIPT,
    sample_report,
    week,
)

PLATFORM_LINK = re.compile(r"^https://(github\.com|gitee\.com)/")
# Elements that fetch or run something; none may appear in a report. (SVG <use> may stay: its
# only references are checked to be fragments of the same page.)
FORBIDDEN = {"script", "iframe", "object", "embed", "img", "link", "video", "audio", "source",
             "frame", "base", "form", "input", "meta-refresh", "foreignobject", "image"}


class Page(HTMLParser):
    """Every element with its attributes, and the page's text, as a browser would see them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.styles if self._in_style else self.text).append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]

    @property
    def all_text(self) -> str:
        return "".join(self.text)


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(sample_report())


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return Page(html)


@pytest.fixture(scope="module")
def markdown() -> str:
    return render_markdown(sample_report())


# -- HTML --------------------------------------------------------------------------------------


def test_html_loads_nothing_and_runs_nothing(page: Page) -> None:
    tags = {tag for tag, _ in page.elements}
    assert not tags & FORBIDDEN, tags & FORBIDDEN
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in {"src", "srcset", "action", "formaction", "background"}, (tag, name)
            if name in {"href", "xlink:href"}:
                assert value is not None
                if tag == "a" and not value.startswith("#"):
                    assert PLATFORM_LINK.match(value), value
                else:
                    assert value.startswith("#"), (tag, value)
            if name == "style":
                assert "url(" not in (value or "") or "url(#" in (value or ""), value
    css = "".join(page.styles)
    assert "@import" not in css and "url(" not in css and "http" not in css
    assert "@font-face" not in css


def test_html_forbids_loading_by_policy(page: Page) -> None:
    policies = [a["content"] for a in page.tags("meta")
                if (a.get("http-equiv") or "").lower() == "content-security-policy"]
    assert policies and (policies[0] or "").startswith("default-src 'none'")


def test_untrusted_text_is_shown_literally(page: Page, html: str) -> None:
    text = page.all_text
    # The parser turned the escapes back into the hostile strings: they were text, not markup.
    assert SCRIPT in text
    assert ATTRIBUTE in text
    assert "<script>" not in html and "<img" not in html
    assert "onerror=alert(1)>" not in html.replace("&gt;", "")  # only as escaped text


def test_only_platform_urls_become_links(page: Page, html: str) -> None:
    hrefs = [a.get("href") or "" for a in page.tags("a")]
    external = [h for h in hrefs if not h.startswith("#")]
    assert "https://github.com/PaddlePaddle/Paddle/releases/tag/v3.0.0" in external
    assert "https://gitee.com/paddlepaddle/Paddle" in external
    assert all(PLATFORM_LINK.match(h) for h in external), external
    assert not any("javascript" in h.lower() or "evil" in h for h in hrefs)
    # The release with a bad URL is still listed, by its tag, as text.
    assert "v2.9" in page.all_text
    assert EVIL_URL not in html
    for attrs in page.tags("a"):
        if not (attrs.get("href") or "").startswith("#"):
            assert "noreferrer" in (attrs.get("rel") or "")


def test_html_has_charts_inline(page: Page) -> None:
    assert len(page.tags("svg")) == 3
    ids = [attrs["id"] for _, attrs in page.elements if attrs.get("id")]
    assert len(ids) == len(set(ids)), "ids must be unique across the inlined charts"


def test_html_is_for_phones_and_dark_mode(page: Page) -> None:
    viewport = [a for a in page.tags("meta") if a.get("name") == "viewport"]
    assert viewport and "width=device-width" in (viewport[0]["content"] or "")
    css = "".join(page.styles)
    assert "prefers-color-scheme: dark" in css
    assert "overflow-x: auto" in css


def test_tables_are_wrapped_to_scroll(html: str) -> None:
    # Every table scrolls inside its own box instead of widening the page on a phone.
    assert html.count("<table>") == html.count('<div class="scroll">\n<table>')


def test_missing_and_stale_values_are_flagged(page: Page, html: str) -> None:
    assert "no data" in page.all_text
    assert 'class="stale"' in html
    # A missing value is never shown as zero: the newcomer's stars row has no 0.
    row = html.split("Newcomer</td>", 1)[1].split("</tr>", 1)[0]
    assert ">0<" not in row and "no data" in row


def test_html_shows_the_content(page: Page) -> None:
    text = page.all_text
    for expected in ("Week 47, 2026", "Notable", "Ranking", "Groups", "Releases in the period",
                     "PaddlePaddle", "21,310", "+310", "v3.0.0", "pre-release",
                     "PyTorch crossed 80,000 stars", "not_found", "20.8\u202f%"):
        assert expected in text, expected


def test_rendering_is_deterministic(html: str) -> None:
    assert render_html(sample_report()) == html


def test_rendering_is_identical_in_another_process(html: str, tmp_path: Path) -> None:
    out = tmp_path / "again.html"
    code = (
        "from tests.reports.sample import sample_report\n"
        "from monitor.reports.render import render_html\n"
        f"open({str(out)!r}, 'w', encoding='utf-8').write(render_html(sample_report()))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=env)
    assert out.read_text(encoding="utf-8") == html


def test_report_without_history_or_groups_still_renders() -> None:
    report = sample_report()
    bare = replace(
        report,
        projects=tuple(replace(p, stars_history=()) for p in report.projects),
        groups=(),
        issues=(),
        notable=(),
    )
    page = Page(render_html(bare))
    assert not page.tags("svg") or len(page.tags("svg")) == 1  # only the growth bars are left
    assert "Nothing notable in this period." in page.all_text
    assert "No groups are configured." in page.all_text


# -- Markdown ----------------------------------------------------------------------------------

_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_DELIMITER = re.compile(r"^\|(\s*:?-+:?\s*\|)+$")


def _tables(markdown: str) -> list[list[str]]:
    tables: list[list[str]] = []
    current: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def test_markdown_tables_are_well_formed(markdown: str) -> None:
    tables = _tables(markdown)
    assert len(tables) >= 6  # ranking, groups, releases, three projects, failing repos
    for table in tables:
        assert len(table) >= 3, table
        assert _DELIMITER.match(table[1]), table[1]
        widths = {len(_CELL_SPLIT.split(row)) for row in table}
        assert len(widths) == 1, table
        for row in table:
            assert row.endswith("|") and not row.endswith("\\|"), row


def test_markdown_escapes_untrusted_text(markdown: str) -> None:
    # No raw HTML: every < is escaped.
    assert not re.search(r"(?<!\\)<(?!https://)", markdown)
    # No link made from API text: the only link targets are the platforms.
    targets = re.findall(r"\]\(<([^>]*)>\)", markdown)
    assert targets and all(PLATFORM_LINK.match(t) for t in targets), targets
    assert not re.search(r"(?<!\\)\]\(javascript", markdown)
    assert JS_URL + ">" not in markdown
    # The pipe in a release name is escaped and its newline folded.
    assert r"a\|b c" in markdown


def test_markdown_shows_the_same_content(markdown: str, page: Page) -> None:
    for expected in ("Week 47, 2026", "21,310", "+310", "20.8\u202f%", "not\\_found",
                     "PyTorch crossed 80,000 stars", "(pre-release)"):
        assert expected in markdown, expected
    assert "\u2014" in markdown  # no data
    assert "21,310\\*" in markdown  # stale, explained in the notes
    headings = re.findall(r"^## (.+)$", markdown, flags=re.MULTILINE)
    assert headings == ["Notable", "Ranking", "Groups", "Releases in the period",
                        "Projects and repos", "Repos failing at their last collection", "Notes"]
    for heading in headings[:-1]:
        assert heading in page.all_text


def test_markdown_is_deterministic(markdown: str) -> None:
    assert render_markdown(sample_report()) == markdown


def test_md_escape_folds_lines_and_escapes() -> None:
    assert md_escape("a|b\r\nc") == r"a\|b c"
    assert md_escape("[x](javascript:y)") == r"\[x\](javascript:y)"
    assert md_escape("<b>&amp;") == r"\<b\>\&amp;"
    assert md_escape("*_`~") == r"\*\_\`\~"


# -- links and titles --------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "ok"), [
    ("https://github.com/a/b", True),
    ("http://gitee.com/a/b", True),
    ("https://GitHub.com/a/b", True),
    ("javascript:alert(1)", False),
    ("JavaScript:alert(1)", False),
    ("data:text/html,x", False),
    ("//github.com/a/b", False),
    ("https://evil.example.com/github.com", False),
    ("https://github.com.evil.example/a", False),
    ("https://github.com@evil.example/a", False),
    ("https://evil.example\\@github.com/a", False),
    ("https://github.com/a b", False),
    ('https://github.com/a"onmouseover=x', False),
    ("https://github.com:99999/a", False),
    ("", False),
    (None, False),
])
def test_safe_url(url: str | None, ok: bool) -> None:
    assert (safe_url(url) == url) if ok else safe_url(url) is None


def test_safe_url_accepts_configured_hosts() -> None:
    assert safe_url("https://ghe.example.com/a/b") is None
    url = "https://ghe.example.com/a/b"
    assert safe_url(url, {"github.com", "ghe.example.com"}) == url


def test_period_titles() -> None:
    assert period_title(week("2026-W47")) == "Week 47, 2026 (16\u201322 Nov 2026)"
    assert period_title(week("2026-W53")) == "Week 53, 2026 (28 Dec 2026 \u2013 3 Jan 2027)"
    assert period_title(week("2026-W49")) == "Week 49, 2026 (30 Nov \u2013 6 Dec 2026)"
