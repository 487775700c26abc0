"""Charts: inline-ready SVG, deterministic, nothing external, readable in light and dark."""

from __future__ import annotations

import re
import threading
import warnings
import xml.etree.ElementTree as ET
from dataclasses import replace

from monitor.reports.charts import (
    MAX_LINES,
    group_shares_svg,
    growth_svg,
    render_charts,
    stars_svg,
)
from monitor.reports.model import SeriesPoint
from tests.reports.sample import SCRIPT, sample_report

SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_every_chart_is_bare_svg_for_inlining() -> None:
    charts = render_charts(sample_report())
    assert set(charts) == {"stars", "growth", "shares"}
    for name, svg in charts.items():
        assert svg.startswith("<svg"), name  # no XML prolog, no DOCTYPE, no comment
        root = _parse(svg)
        assert root.tag == f"{SVG_NS}svg"
        assert "viewBox" in root.attrib
        assert "width" not in root.attrib and "height" not in root.attrib  # the page sizes it
        assert root.find(f"{SVG_NS}metadata") is None  # no date, no creator URL


def test_charts_reference_nothing_outside() -> None:
    for name, svg in render_charts(sample_report()).items():
        root = _parse(svg)
        for element in root.iter():
            tag = element.tag.removeprefix(SVG_NS)
            assert tag not in {"script", "image", "foreignObject", "a"}, (name, tag)
            for attribute, value in element.attrib.items():
                assert not attribute.startswith("on"), (name, attribute)
                if attribute in {"href", XLINK_HREF}:
                    assert value.startswith("#"), (name, value)
            style = element.attrib.get("style", "")
            assert "url(" not in style or "url(#" in style
        # Internal references all point at ids of this chart (prefixed with its name).
        for target in re.findall(r'(?:url\(#|href="#)([^")]+)', svg):
            assert target.startswith(f"{name}-"), (name, target)


def test_ids_are_unique_across_charts() -> None:
    ids: list[str] = []
    for svg in render_charts(sample_report()).values():
        ids.extend(e.attrib["id"] for e in _parse(svg).iter() if "id" in e.attrib)
    assert len(ids) == len(set(ids))


def test_charts_are_deterministic() -> None:
    assert render_charts(sample_report()) == render_charts(sample_report())


def test_charts_follow_the_page_colour() -> None:
    svg = stars_svg(sample_report())
    assert svg is not None
    assert "currentColor" in svg
    assert "#010203" not in svg.lower()  # the placeholder ink is always replaced
    assert "fill: #ffffff" not in svg  # transparent background, for dark pages too


def test_labels_are_text_escaped_not_markup() -> None:
    svg = growth_svg(sample_report())
    assert svg is not None
    assert "<script" not in svg
    texts = "".join(t.text or "" for t in _parse(svg).iter(f"{SVG_NS}text"))
    assert SCRIPT in texts  # shown literally (svg.fonttype none keeps it as text)


def test_dollar_and_underscore_names_are_shown_literally() -> None:
    report = sample_report()
    odd = replace(report, projects=(
        replace(report.projects[0], name="$x^2$ costs $5"),
        replace(report.projects[1], name="_nolegend_"),
    ))
    stars = stars_svg(odd)
    assert stars is not None
    texts = "".join(t.text or "" for t in _parse(stars).iter(f"{SVG_NS}text"))
    assert "$x^2$ costs $5" in texts
    assert "_nolegend_" in texts


def test_cjk_names_are_kept_as_text_without_warnings() -> None:
    report = sample_report()
    named = replace(report, projects=(replace(report.projects[0], name="飞桨 PaddlePaddle"),
                                      *report.projects[1:]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = stars_svg(named)
    assert svg is not None and "飞桨 PaddlePaddle" in svg


def test_missing_data_gives_no_chart() -> None:
    report = sample_report()
    bare = replace(
        report,
        projects=tuple(replace(p, stars_history=(), stars=replace(p.stars, end=None))
                       for p in report.projects),
        groups=tuple(replace(g, share_history=()) for g in report.groups),
    )
    assert stars_svg(bare) is None
    assert growth_svg(bare) is None
    assert group_shares_svg(bare) is None
    assert render_charts(bare) == {}


def test_stars_chart_draws_the_largest_projects_only() -> None:
    report = sample_report()
    base = report.projects[0]
    many = tuple(
        replace(base, name=f"p{i:02d}",
                stars_history=tuple(SeriesPoint(p.day, p.value + i) for p in base.stars_history))
        for i in range(MAX_LINES + 5)
    )
    svg = stars_svg(replace(report, projects=many))
    assert svg is not None
    texts = {t.text for t in _parse(svg).iter(f"{SVG_NS}text")}
    assert f"p{MAX_LINES + 4:02d}" in texts and "p00" not in texts


def test_charts_can_be_made_from_several_threads() -> None:
    expected = render_charts(sample_report())
    results: list[dict[str, str]] = []

    def work() -> None:
        results.append(dict(render_charts(sample_report())))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [dict(expected)] * 4
