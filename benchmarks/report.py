"""Report benchmark: time and peak memory to build one monthly report and render it.

Run from the repository root::

    python benchmarks/report.py [--cache DIR] [--quick]

The synthetic store (SQLite): N repos (30% of projects have a GitHub repo and a Gitee mirror,
three groups, one project in two groups) with Y years of *daily* observations of every metric
(collected at 12:00Z), plus a daily backfill star series (08:00Z, which the collected rows
shadow, so the precedence rule is exercised on every star read), a release a month per repo and
a few failing repos: 1,000 repos x 5 years is ~14.6 M observation rows. Databases are generated
once with bulk inserts on the raw sqlite3 connection and cached under ``--cache`` (default
``/tmp/aoss-report-bench``); delete the folder to rebuild.

Each measurement runs in a fresh subprocess: the time to build the report data
(``load_report``), to render JSON, and — when the HTML/Markdown renderer
(``monitor.reports.files.render_all``) is present — all three formats plus index and feed, on a
cold process (the OS page cache is warm). Its peak memory is ``VmHWM`` from
``/proc/self/status``, the high-water mark of the measuring process's own memory. Not
``ru_maxrss``: Linux carries the high-water mark of the process that ran ``exec`` over into the
new program's ``ru_maxrss``, so a measurement spawned right after the generator built a store
reported the generator's ~570 MiB instead of the report's ~190 MiB.

Target (issue): 1,000 repos x 5 years, one monthly report in all three formats in under 5 s and
300 MB on SQLite. The growth rows vary the repos tracked (250/500/1,000 of the 5-year store)
and the years stored (1/3/5 years of 1,000 repos).
"""

from __future__ import annotations

import argparse
import json
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


def _layout(repos: int) -> list[tuple[str, list[RepoId], tuple[str, ...]]]:
    """Projects as (name, repos, groups): pairs of GitHub + Gitee first, then single repos."""
    pairs = int(repos * MIRRORED / 2)
    projects: list[tuple[str, list[RepoId], tuple[str, ...]]] = []
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


def tracked_for(repos: int) -> Tracked:
    groups = {
        "china": Group("china", "Chinese AI open source"),
        "us": Group("us", "US AI open source"),
        "eu": Group("eu", "European AI open source"),
    }
    return Tracked(
        groups,
        tuple(Project(name, groups_, tuple(members)) for name, members, groups_ in _layout(repos)),
    )


def stamp(day: date, hour: int) -> str:
    return f"{day.isoformat()} {hour:02d}:00:00.000000"  # SQLAlchemy's SQLite DateTime text


def peak_mib() -> float:
    """This process's own peak resident memory (``VmHWM``), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def build(path: Path, repos: int, years: int = 0, *, days: int | None = None) -> None:
    """Create the synthetic store at *path* (migrated schema, then raw bulk inserts) with
    *years* of 365 days, or *days*."""
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
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    started = time.perf_counter()
    with conn:
        repo_id = 0
        for p, (name, members, _groups) in enumerate(_layout(repos)):
            conn.execute("INSERT INTO project (id, name) VALUES (?, ?)", (p + 1, name))
            for rid in members:
                repo_id += 1
                conn.execute(
                    "INSERT INTO repo (id, platform, platform_id, owner, name, config_key, "
                    "project_id, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (repo_id, rid.platform, repo_id, rid.owner, rid.name, rid.key, p + 1,
                     stamp(dates[0], 0)),
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


def measure(path: Path, repos: int, render: bool) -> dict[str, float]:
    """One cold measurement in this process (called in a subprocess by main)."""
    from monitor.reports.data import load_report
    from monitor.reports.jsonout import render as render_json

    tracked = tracked_for(repos)
    period = month(int(REPORT[0]), int(REPORT[1]))
    database = open_database(f"sqlite:///{path}")
    started = time.perf_counter()
    report = load_report(database, tracked, period)
    built = time.perf_counter()
    text = render_json(report)
    rendered_json = time.perf_counter()
    formats = "json"
    if render:
        try:
            from monitor.reports.files import render_all
        except ImportError:
            render_all = None  # type: ignore[assignment]
        if render_all is not None:
            with tempfile.TemporaryDirectory() as out:
                render_all(report, Path(out))
            formats = "html,md,json"
    finished = time.perf_counter()
    database.dispose()
    peak = peak_mib()
    return {
        "data_s": built - started,
        "json_s": rendered_json - built,
        "total_s": finished - started,
        "peak_mib": peak,
        "json_kib": len(text.encode()) / 1024,
        "projects": len(report.projects),
        "formats": formats,  # type: ignore[dict-item]
    }


def _run(path: Path, repos: int, render: bool = True) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(path), str(repos)]
        + ([] if render else ["--no-render"]),
        check=True, capture_output=True, text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _baseline() -> float:
    """Peak RSS of a process that only imports what a measurement imports (for context)."""
    code = (
        "import monitor.reports.data, monitor.reports.jsonout\n"
        "try:\n    import monitor.reports.files\nexcept ImportError:\n    pass\n"
        "from benchmarks.report import peak_mib\n"
        "print(peak_mib())"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/aoss-report-bench"))
    parser.add_argument("--quick", action="store_true", help="only 1,000 repos x 5 years")
    parser.add_argument("--measure", nargs=2, metavar=("DB", "REPOS"), help=argparse.SUPPRESS)
    parser.add_argument("--no-render", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), int(args.measure[1]),
                                 not args.no_render)))
        return

    def store(years: int) -> Path:
        path: Path = args.cache / f"report-1000x{years}y.db"
        if not path.exists():
            build(path, 1000, years)
        return path

    print(f"report benchmark: monthly report {REPORT[0]}-{REPORT[1]}, SQLite, cache {args.cache}")
    print(f"  baseline peak RSS (imports only): {_baseline():.0f} MiB")
    rows: list[tuple[str, dict[str, float]]] = []
    five = store(5)
    configs = [("1000 repos x 5 y", five, 1000)]
    if not args.quick:
        configs += [(f"{n} repos x 5 y", five, n) for n in (250, 500)]
        configs += [(f"1000 repos x {y} y", store(y), 1000) for y in (1, 3)]
    for label, path, repos in configs:
        # The first run may read the file from disk; the second finds it in the page cache.
        first, second = _run(path, repos), _run(path, repos)
        rows.append((f"{label} (1st)", first))
        rows.append((f"{label} (2nd)", second))
    print(f"  {'store':<24} {'data s':>7} {'json s':>7} {'total s':>8} {'peak MiB':>9} "
          f"{'json KiB':>9}  formats")
    for label, r in rows:
        print(f"  {label:<24} {r['data_s']:7.2f} {r['json_s']:7.2f} {r['total_s']:8.2f} "
              f"{r['peak_mib']:9.0f} {r['json_kib']:9.0f}  {r['formats']}")
    for label, r in rows[:2]:
        ok = r["total_s"] < 5 and r["peak_mib"] < 300
        print(f"  target (< 5 s, < 300 MB), {label}: {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
