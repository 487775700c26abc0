"""Report benchmark: time and peak memory to build one monthly report and render it.

Run from the repository root::

    python benchmarks/report.py [--cache DIR] [--quick | --ecosystems]

The synthetic store (SQLite): N repos (30% of projects have a GitHub repo and a Gitee mirror,
three groups, one project in two groups) with Y years of *daily* observations of every metric
(collected at 12:00Z), plus a daily backfill star series (08:00Z, which the collected rows
shadow, so the precedence rule is exercised on every star read), a release a month per repo and
a few failing repos: 1,000 repos x 5 years is ~14.6 M observation rows. Databases are generated
once with bulk inserts on the raw sqlite3 connection and cached under ``--cache`` (default
``/tmp/aoss-report-bench``); delete the folder to rebuild.

Each measurement runs in a fresh subprocess, so the peak RSS (``VmHWM``: ``ru_maxrss`` would
carry over the peak of the parent that forked it, which may have just built a store) is the
report's own, not the generator's: the time to build the report data (``load_report``), to
render JSON, and all three formats plus index and feed (``monitor.reports.files.render_all``),
on a cold process (the OS page cache is warm).

Target (issue): 1,000 repos x 5 years, one monthly report in all three formats in under 5 s and
300 MB on SQLite. The growth rows vary the repos tracked (250/500/1,000 of the 5-year store)
and the years stored (1/3/5 years of 1,000 repos).

Ecosystems (issue 12): 2,000 repos in eleven projects of whole organisations (400, 300, 250 ...
repos, and one of a single repo; a quarter of each on Gitee; one repo in 53 created in the
report's month), one year of daily data. Target: the HTML report under 2 MB (and readable on a
phone: its tables show a project's top repos, not all of them). Every row prints the HTML
report's size and the time to render it alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from monitor.config.repos import Group, Project, Tracked  # noqa: E402
from monitor.ids import RepoId  # noqa: E402
from monitor.metrics import METRICS  # noqa: E402
from monitor.reports.period import month  # noqa: E402
from monitor.store.db import open_database  # noqa: E402

#: The last day of data; the report is for the month that ends on it.
LAST_DAY = date(2025, 12, 31)
REPORT = ("2025", "12")
MIRRORED = 0.3  # share of projects with a Gitee mirror

#: The ecosystem layout: (project, groups, share of the repos), largest first; the last project
#: is a single repo.
ECOSYSTEMS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("PaddlePaddle", ("china",), 400), ("MindSpore", ("china",), 300),
    ("TensorFlow", ("us",), 250), ("PyTorch", ("us",), 200), ("Keras", ("us",), 200),
    ("MegEngine", ("china",), 150), ("OneFlow", ("china",), 150), ("Jittor", ("china",), 130),
    ("Angel", ("china",), 120), ("Bazel", ("us",), 99), ("Alink", ("china",), 1),
)
CREATED_EVERY = 53  # one repo in this many was created in the report's month

Layout = list[tuple[str, list[RepoId], tuple[str, ...]]]


def _layout(repos: int) -> Layout:
    """Projects as (name, repos, groups): pairs of GitHub + Gitee first, then single repos."""
    pairs = int(repos * MIRRORED / 2)
    projects: Layout = []
    index = 0
    while index < repos:
        n = len(projects)
        groups: tuple[str, ...] = ("china",) if n % 3 == 0 else ("us",) if n % 3 == 1 else ("eu",)
        if n == 5:
            groups = ("china", "us")
        name = f"project-{n:05d}"
        if n < pairs and index + 1 < repos:
            members = [RepoId("github", f"org{n}", name), RepoId("gitee", f"org{n}", name)]
        else:
            members = [RepoId("github", f"org{n}", name)]
        projects.append((name, members, groups))
        index += len(members)
    return projects


def _ecosystem_layout(repos: int) -> Layout:
    """Eleven projects of whole organisations sharing *repos* as ECOSYSTEMS says (a quarter of
    each project's repos on Gitee)."""
    total = sum(share for _, _, share in ECOSYSTEMS)
    sizes = [max(1, repos * share // total) for _, _, share in ECOSYSTEMS]
    sizes[0] += repos - sum(sizes)
    projects: Layout = []
    for (name, groups, _), size in zip(ECOSYSTEMS, sizes, strict=True):
        members = [
            RepoId("gitee", name.lower(), f"{name.lower()}-module-{i:04d}") if i % 4 == 3
            else RepoId("github", name, f"{name}-module-{i:04d}")
            for i in range(size)
        ]
        projects.append((name, members, groups))
    return projects


LAYOUTS = {"projects": _layout, "ecosystems": _ecosystem_layout}


def tracked_for(repos: int, layout: str = "projects") -> Tracked:
    groups = {
        "china": Group("china", "Chinese AI open source"),
        "us": Group("us", "US AI open source"),
        "eu": Group("eu", "European AI open source"),
    }
    return Tracked(
        groups,
        tuple(Project(name, groups_, tuple(members))
              for name, members, groups_ in LAYOUTS[layout](repos)),
    )


def stamp(day: date, hour: int) -> str:
    return f"{day.isoformat()} {hour:02d}:00:00.000000"  # SQLAlchemy's SQLite DateTime text


def build(
    path: Path, repos: int, years: int = 0, layout: str = "projects", *, days: int | None = None,
) -> None:
    """Create the synthetic store at *path* (migrated schema, then raw bulk inserts)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    database = open_database(f"sqlite:///{tmp}")
    database.upgrade()
    database.dispose()
    count = days if days is not None else 365 * years
    first = LAST_DAY - timedelta(days=count - 1)
    dates = [first + timedelta(days=i) for i in range(count)]
    collected = [stamp(d, 12) for d in dates]
    backfilled = [stamp(d, 8) for d in dates]
    month_start = date(int(REPORT[0]), int(REPORT[1]), 1)
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    started = time.perf_counter()
    with conn:
        repo_id = 0
        for p, (name, members, _groups) in enumerate(LAYOUTS[layout](repos)):
            conn.execute("INSERT INTO project (id, name) VALUES (?, ?)", (p + 1, name))
            for rid in members:
                repo_id += 1
                created = (month_start + timedelta(days=repo_id % 28)
                           if repo_id % CREATED_EVERY == 0 else dates[0])
                conn.execute(
                    "INSERT INTO repo (id, platform, platform_id, owner, name, config_key, "
                    "project_id, created_at, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (repo_id, rid.platform, repo_id, rid.owner, rid.name, rid.key, p + 1,
                     stamp(created, 3), stamp(dates[0], 0)),
                )
                _observations(conn, repo_id, collected, backfilled)
                conn.executemany(
                    "INSERT INTO repo_release (repo_id, tag, name, published_at, prerelease, url)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (repo_id, f"v{k}.0", f"Release {k}", stamp(dates[i], 15), False,
                         f"https://{'github.com' if rid.platform == 'github' else 'gitee.com'}"
                         f"/{rid.owner}/{rid.name}/releases/v{k}.0")
                        for k, i in enumerate(range(repo_id % 30, len(dates), 30))
                    ],
                )
        conn.execute(
            "INSERT INTO collection_run (id, kind, started_at, finished_at, outcome) "
            "VALUES (1, 'collect', ?, ?, 'partial')",
            (stamp(LAST_DAY, 18), stamp(LAST_DAY, 19)),
        )
        conn.executemany(
            "INSERT INTO repo_error (run_id, repo_id, occurred_at, kind, message) "
            "VALUES (1, ?, ?, 'not_found', 'HTTP 404')",
            [(r, stamp(LAST_DAY, 18)) for r in range(7, repo_id + 1, 97)],
        )
        # What write_observations keeps as it writes: each repo's newest collected values.
        conn.execute(
            "INSERT INTO latest_value (repo_id, metric, observed_at, value) "
            "SELECT repo_id, metric, observed_at, value FROM observation "
            "WHERE source = 'collected' AND observed_at = ?", (collected[-1],),
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    tmp.rename(path)
    took = time.perf_counter() - started
    print(f"  built {path.name}: {repos} repos x {count} days in {took:.0f} s"
          f" ({path.stat().st_size / 1e9:.1f} GB)", flush=True)


def _observations(
    conn: sqlite3.Connection, repo_id: int, collected: list[str], backfilled: list[str]
) -> None:
    base = 100 + (repo_id * 7919) % 50_000
    slope = 1 + repo_id % 40
    rows: list[tuple[int, str, str, int, str]] = []
    for m, metric in enumerate(METRICS):
        scale = (1, 0.3, 0.05, 0.02, 0.01, 0.03, 0.005)[m]
        if metric == "stars":
            rows.extend(
                (repo_id, metric, at, base + slope * i - 1, "backfill")
                for i, at in enumerate(backfilled)
            )
        rows.extend(
            (repo_id, metric, at, int((base + slope * i) * scale), "collected")
            for i, at in enumerate(collected)
        )
    rows.sort(key=lambda r: (r[1], r[2], r[4]))
    conn.executemany(
        "INSERT INTO observation (repo_id, metric, observed_at, value, source) "
        "VALUES (?, ?, ?, ?, ?)",
        rows,
    )


def measure(path: Path, repos: int, render: bool, layout: str = "projects") -> dict[str, float]:
    """One cold measurement in this process (called in a subprocess by main)."""
    from monitor.reports.data import load_report
    from monitor.reports.jsonout import render as render_json

    tracked = tracked_for(repos, layout)
    period = month(int(REPORT[0]), int(REPORT[1]))
    database = open_database(f"sqlite:///{path}")
    started = time.perf_counter()
    report = load_report(database, tracked, period)
    built = time.perf_counter()
    text = render_json(report)
    rendered_json = time.perf_counter()
    formats = "json"
    html_s = html_bytes = 0.0
    if render:
        from monitor.reports.files import render_all

        with tempfile.TemporaryDirectory() as out:
            render_all(report, Path(out))
            html_bytes = next(Path(out).glob("monthly/*.html")).stat().st_size
        formats = "html,md,json"
    finished = time.perf_counter()
    if render:  # the HTML alone, charts included (after the total: not counted twice)
        from monitor.reports.render import render_html

        html_started = time.perf_counter()
        render_html(report)
        html_s = time.perf_counter() - html_started
    database.dispose()
    peak = peak_mib()
    return {
        "data_s": built - started,
        "json_s": rendered_json - built,
        "total_s": finished - started,
        "peak_mib": peak,
        "json_kib": len(text.encode()) / 1024,
        "html_s": html_s,
        "html_kib": html_bytes / 1024,
        "projects": len(report.projects),
        "repos": sum(len(p.repos) for p in report.projects),
        "formats": formats,  # type: ignore[dict-item]
    }


def _run(path: Path, repos: int, render: bool = True, layout: str = "projects") -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(path), str(repos), "--layout", layout]
        + ([] if render else ["--no-render"]),
        check=True, capture_output=True, text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def peak_mib() -> float:
    """This process's peak resident memory, in MiB: ``VmHWM`` on Linux (its own image only;
    ``ru_maxrss`` keeps the peak of the parent it was forked from), else ``ru_maxrss``."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB -> MiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB (Linux)


def _baseline() -> float:
    """Peak RSS of a process that only imports what a measurement imports (for context)."""
    code = (
        "import benchmarks.report as bench, monitor.reports.data, monitor.reports.jsonout, "
        "monitor.reports.files\n"
        "print(bench.peak_mib())"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return float(out.stdout.strip())


ECOSYSTEM_REPOS, ECOSYSTEM_YEARS = 2000, 1
HTML_LIMIT = 2 * 1000 * 1000  # bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/aoss-report-bench"))
    runs = parser.add_mutually_exclusive_group()
    runs.add_argument("--quick", action="store_true", help="only 1,000 repos x 5 years")
    runs.add_argument("--ecosystems", action="store_true",
                      help="only 2,000 repos in eleven ecosystems x 1 year")
    parser.add_argument("--measure", nargs=2, metavar=("DB", "REPOS"), help=argparse.SUPPRESS)
    parser.add_argument("--layout", choices=sorted(LAYOUTS), default="projects",
                        help=argparse.SUPPRESS)
    parser.add_argument("--no-render", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), int(args.measure[1]),
                                 not args.no_render, args.layout)))
        return

    def store(years: int, repos: int = 1000, layout: str = "projects") -> Path:
        prefix = "report" if layout == "projects" else f"report-{layout}"
        path: Path = args.cache / f"{prefix}-{repos}x{years}y.db"
        if not path.exists():
            build(path, repos, years, layout)
        return path

    print(f"report benchmark: monthly report {REPORT[0]}-{REPORT[1]}, SQLite, cache {args.cache}")
    print(f"  baseline peak RSS (imports only): {_baseline():.0f} MiB")
    rows: list[tuple[str, dict[str, float]]] = []
    configs: list[tuple[str, Path, int, str]] = []
    if not args.ecosystems:
        configs.append(("1000 repos x 5 y", store(5), 1000, "projects"))
    if not args.quick and not args.ecosystems:
        configs += [(f"{n} repos x 5 y", store(5), n, "projects") for n in (250, 500)]
        configs += [(f"1000 repos x {y} y", store(y), 1000, "projects") for y in (1, 3)]
    if not args.quick:
        eco = store(ECOSYSTEM_YEARS, ECOSYSTEM_REPOS, "ecosystems")
        configs.append((f"{ECOSYSTEM_REPOS} in ecosystems", eco, ECOSYSTEM_REPOS, "ecosystems"))
    for label, path, repos, layout in configs:
        # The first run may read the file from disk; the second finds it in the page cache.
        first, second = _run(path, repos, layout=layout), _run(path, repos, layout=layout)
        rows.append((f"{label} (1st)", first))
        rows.append((f"{label} (2nd)", second))
    print(f"  {'store':<26} {'projects':>8} {'data s':>7} {'json s':>7} {'total s':>8} "
          f"{'peak MiB':>9} {'json KiB':>9} {'html s':>7} {'html KiB':>9}  formats")
    for label, r in rows:
        print(f"  {label:<26} {r['projects']:8.0f} {r['data_s']:7.2f} {r['json_s']:7.2f} "
              f"{r['total_s']:8.2f} {r['peak_mib']:9.0f} {r['json_kib']:9.0f} "
              f"{r['html_s']:7.2f} {r['html_kib']:9.0f}  {r['formats']}")
    for label, r in rows:
        if label.startswith("1000 repos x 5 y"):
            ok = r["total_s"] < 5 and r["peak_mib"] < 300
            print(f"  target (< 5 s, < 300 MB), {label}: {'met' if ok else 'MISSED'}")
        elif "ecosystems" in label:
            ok = r["html_kib"] * 1024 < HTML_LIMIT
            print(f"  target (HTML < 2 MB), {label}: {'met' if ok else 'MISSED'} "
                  f"({r['html_kib'] * 1024 / 1e6:.2f} MB, {r['repos']:.0f} repos)")


if __name__ == "__main__":
    main()
