"""Report files: atomic writes, paths, the index and the Atom feed, byte-identical re-renders."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from monitor.atomic import write_atomic
from monitor.config.settings import Settings
from monitor.errors import InputError
from monitor.reports.files import (
    FORMATS,
    find_reports,
    parse_formats,
    render_all,
    write_index,
    write_report,
)
from monitor.reports.model import SCHEMA_VERSION
from monitor.reports.period import month
from monitor.store.series import ReleaseIn, upsert_releases
from tests.harness import Run, cli_runner
from tests.reports.conftest import TORCH, Seeded
from tests.reports.sample import sample_report

ATOM = "{http://www.w3.org/2005/Atom}"


def _snapshot(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


class _Links(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v or "" for k, v in attrs if k == "href")


# -- write_atomic ------------------------------------------------------------------------------


def test_write_atomic_creates_folders_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file.txt"
    write_atomic(target, "one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["file.txt"]  # no temporary file left behind
    assert target.stat().st_mode & 0o777 == 0o644


def test_write_atomic_keeps_the_old_file_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["report.html"]


# -- render_all --------------------------------------------------------------------------------


def test_render_all_writes_every_format_index_and_feed(tmp_path: Path) -> None:
    written = render_all(sample_report(), tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        "weekly/2026-W47.html", "weekly/2026-W47.md", "weekly/2026-W47.json",
        "index.html", "feed.xml",
    ]
    data = json.loads((tmp_path / "weekly" / "2026-W47.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION


def test_render_all_only_the_formats_asked(tmp_path: Path) -> None:
    written = render_all(sample_report(), tmp_path, ("md",))
    assert [p.name for p in written] == ["2026-W47.md", "index.html", "feed.xml"]
    assert not (tmp_path / "weekly" / "2026-W47.html").exists()


def test_rendering_twice_gives_identical_files(tmp_path: Path) -> None:
    render_all(sample_report(), tmp_path)
    first = _snapshot(tmp_path)
    render_all(sample_report(), tmp_path)
    assert _snapshot(tmp_path) == first


def test_monthly_reports_go_to_monthly(tmp_path: Path) -> None:
    report = sample_report()
    november = month(2026, 11)
    monthly = replace(report, period=november, previous=month(2026, 10))
    written = render_all(monthly, tmp_path, ("html",))
    assert written[0] == tmp_path / "monthly" / "2026-11.html"


def test_parse_formats() -> None:
    assert parse_formats("json,html") == ("html", "json")
    assert parse_formats(" md , md ") == ("md",)
    assert parse_formats(",".join(FORMATS)) == FORMATS
    for bad in ("pdf", "html,pdf", "", ","):
        with pytest.raises(InputError):
            parse_formats(bad)


# -- index and feed ----------------------------------------------------------------------------


def _write_several(root: Path) -> None:
    report = sample_report()
    for key in ("2026-W45", "2026-W47", "2026-W46"):
        render_all(replace(sample_report(key), notable=()), root, ("md",))
    render_all(report, root, ("html", "json"))  # W47 in every format now
    render_all(replace(report, period=month(2026, 10), previous=month(2026, 9)), root, ("md",))
    (root / "weekly" / ".2026-W48.html.x1y2.tmp").write_text("half")  # an interrupted write
    (root / "weekly" / "notes.txt").write_text("not a report")


def test_index_lists_every_report_newest_first(tmp_path: Path) -> None:
    _write_several(tmp_path)
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    hrefs = [h for h in _Links(html).hrefs if h != "feed.xml"]
    assert hrefs == [
        "weekly/2026-W47.html", "weekly/2026-W47.md", "weekly/2026-W47.json",
        "weekly/2026-W46.md", "weekly/2026-W45.md", "monthly/2026-10.md",
    ]
    assert "W48" not in html and "notes" not in html
    assert "Week 47, 2026" in html and "October 2026" in html


def test_feed_is_atom_with_one_entry_per_report(tmp_path: Path) -> None:
    _write_several(tmp_path)
    root = ET.parse(tmp_path / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert ids == [
        "tag:aoss-monitor,2026:reports/weekly/2026-W47",
        "tag:aoss-monitor,2026:reports/weekly/2026-W46",
        "tag:aoss-monitor,2026:reports/weekly/2026-W45",  # ends 9 November
        "tag:aoss-monitor,2026:reports/monthly/2026-10",  # ends 1 November
    ]
    newest = entries[0]
    assert newest.findtext(f"{ATOM}updated") == "2026-11-23T00:00:00Z"  # the period's end
    assert root.findtext(f"{ATOM}updated") == "2026-11-23T00:00:00Z"
    links = {link.get("type"): link.get("href") for link in newest.findall(f"{ATOM}link")}
    assert links == {"text/html": "weekly/2026-W47.html", "text/markdown": "weekly/2026-W47.md",
                     "application/json": "weekly/2026-W47.json"}
    for entry in entries:
        assert entry.findtext(f"{ATOM}title")
    assert root.find(f"{ATOM}author/{ATOM}name") is not None


def test_index_and_feed_do_not_depend_on_the_clock(tmp_path: Path) -> None:
    _write_several(tmp_path)
    before = _snapshot(tmp_path)
    os.utime(tmp_path / "weekly" / "2026-W45.md", (0, 0))
    write_index(tmp_path)
    assert _snapshot(tmp_path) == before


def test_empty_reports_folder(tmp_path: Path) -> None:
    assert find_reports(tmp_path / "missing") == []
    write_index(tmp_path)
    assert "None yet." in (tmp_path / "index.html").read_text(encoding="utf-8")
    root = ET.parse(tmp_path / "feed.xml").getroot()
    assert root.findall(f"{ATOM}entry") == []


# -- `aoss-monitor report` end to end, on the seeded store -------------------------------------

_REPOS_TOML = """\
[groups.china]
title = "Chinese AI open source"

[groups.us]
title = "US AI open source"

[[projects]]
name = "Paddle"
groups = ["china"]
repos = ["github:PaddlePaddle/Paddle", "gitee:paddlepaddle/Paddle"]

[[projects]]
name = "Torch"
groups = ["us"]
repos = ["github:pytorch/pytorch"]

[[projects]]
name = "Mind"
groups = ["china", "us"]
repos = ["github:mindspore-ai/mindspore"]

[[projects]]
name = "Newbie"
groups = ["us"]
repos = ["github:new/comer"]

[[projects]]
name = "Broken"
groups = ["china"]
repos = ["gitee:broken/repo"]
"""


Cli = tuple[Path, Run]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """A home whose repos.toml is the seeded store's tracked list, and a way to run the CLI."""
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "repos.toml").write_text(_REPOS_TOML, encoding="utf-8")
    for name in ("MONITOR_HOME", "MONITOR_DATABASE_URL", "GITHUB_TOKEN", "GITEE_TOKEN",
                 "MONITOR_GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    return home, cli_runner(home, capsys)


@pytest.fixture
def report_cli(cli: Cli, seeded: Any, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """:func:`cli` on the seeded store (SQLite, and PostgreSQL when available)."""
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    return cli


def test_report_command_writes_every_file(
    report_cli: Cli,
) -> None:
    home, run = report_cli
    status, out, err = run("report", "--period", "week", "--end", "2025-03-09")
    assert status == 0, err
    reports = home / "storage" / "reports"
    assert out.splitlines() == [str(reports / p) for p in (
        "weekly/2025-W10.html", "weekly/2025-W10.md", "weekly/2025-W10.json",
        "index.html", "feed.xml",
    )]
    html = (reports / "weekly" / "2025-W10.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html
    assert 'href="https://github.com/PaddlePaddle/Paddle/releases/tag/v3.0"' in html
    assert html.count("<svg") == 3
    data = json.loads((reports / "weekly" / "2025-W10.json").read_text(encoding="utf-8"))
    assert data["period"]["key"] == "2025-W10"
    md = (reports / "weekly" / "2025-W10.md").read_text(encoding="utf-8")
    assert "| Torch |" in md or "| 1 | Torch |" in md

    before = _snapshot(reports)
    status, out2, err = run("report", "--end", "2025-03-12", "--format", "html,md,json")
    assert status == 0, err
    assert out2 == out  # a Wednesday: the week before, the same report
    assert _snapshot(reports) == before  # byte-identical


def test_report_command_formats_and_monthly(
    report_cli: Cli,
) -> None:
    _home, run = report_cli
    status, out, err = run("report", "--period", "month", "--end", "2025-02-28", "--format", "md")
    assert status == 0, err
    assert [Path(line).name for line in out.splitlines()] == [
        "2025-02.md", "index.html", "feed.xml",
    ]


@pytest.mark.parametrize("args", [
    ("--period", "year"),
    ("--end", "2025-13-01"),
    ("--end", "yesterday"),
    ("--format", "pdf"),
    ("--format", "html,docx"),
    ("--end", "2999-01-01"),
])
def test_report_command_bad_input_exits_2(cli: Cli, args: tuple[str, ...]) -> None:
    home, run = cli
    status, _out, err = run("report", *args)
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (home / "storage" / "reports").exists()


def test_report_command_without_data_fails_cleanly(
    report_cli: Cli,
) -> None:
    _home, run = report_cli
    status, out, err = run("report", "--end", "2020-01-05")
    assert status == 1
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == ""


ENTERPRISE = "https://ghe.example.com"


def test_report_links_point_at_the_github_enterprise_host(
    report_cli: Cli, seeded: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONITOR_GITHUB_API_URL", f"{ENTERPRISE}/api/v3")
    release = f"{ENTERPRISE}/pytorch/pytorch/releases/tag/v2.6.1"
    with seeded.database.session(write=True) as session:
        upsert_releases(session, seeded.ids[TORCH.key], [
            ReleaseIn("v2.6.1", None, datetime(2025, 3, 8, 12, tzinfo=UTC), False, release)])
    home, run = report_cli
    status, _, err = run("report", "--period", "week", "--end", "2025-03-09")
    assert status == 0, err
    folder = home / "storage" / "reports" / "weekly"

    hrefs = _Links((folder / "2025-W10.html").read_text(encoding="utf-8")).hrefs
    assert {f"{ENTERPRISE}/pytorch/pytorch", f"{ENTERPRISE}/PaddlePaddle/Paddle", release,
            "https://gitee.com/paddlepaddle/Paddle"} <= set(hrefs)
    assert not [href for href in hrefs if href.startswith("https://github.com/")]

    markdown = (folder / "2025-W10.md").read_text(encoding="utf-8")
    assert f"](<{ENTERPRISE}/pytorch/pytorch>)" in markdown and f"](<{release}>)" in markdown
    assert "](<https://github.com/" not in markdown

    data = json.loads((folder / "2025-W10.json").read_text(encoding="utf-8"))
    repos = {r["repo"]: r["url"] for p in data["projects"] for r in p["repos"]}
    assert repos["github:pytorch/pytorch"] == f"{ENTERPRISE}/pytorch/pytorch"
    assert repos["gitee:paddlepaddle/Paddle"] == "https://gitee.com/paddlepaddle/Paddle"
    urls = {r["tag"]: r["url"] for p in data["projects"] for r in p["releases"]}
    assert urls["v2.6.1"] == release
    assert urls["v3.0"] is None  # a github.com page is not this Enterprise's: no link


def test_write_report_takes_top_repos_from_the_settings(
    seeded: Seeded, database_url: str, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path, database_url=database_url, report_top_repos=1)
    written = write_report(settings, seeded.database, seeded.tracked, seeded.period, ("json",))
    data = json.loads(written[0].read_text(encoding="utf-8"))
    assert data["top_repos"] == 1
    paddle = next(p for p in data["projects"] if p["name"] == "Paddle")
    assert paddle["top_repos"]["stars"] == ["github:PaddlePaddle/Paddle"]
