"""The command line: parse arguments, call the functions that do the work, map errors to exits.

Exit statuses (SPEC): 0 success; 2 bad input or configuration (a database that `init` must
migrate first included), as one line on stderr with no traceback; 1 for other failures.
Nothing here computes anything a test could not call directly.

Each command imports what it runs when it is invoked: ``--help`` or ``status`` must not pay for
HTTP clients, templates and the scheduler (``benchmarks/daemon.py`` measures the start-up).
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from monitor import __version__
from monitor.cli.logs import mask, setup_logging
from monitor.clock import Clock, system_clock
from monitor.commands.export import FORMATS
from monitor.errors import ConfigError, InputError, MonitorError, NeedsInit
from monitor.ids import parse_tracked
from monitor.reports.formats import FORMATS as REPORT_FORMATS

if TYPE_CHECKING:
    from monitor.config.settings import Settings

__all__ = ["cli", "main"]


class _State:
    def __init__(self, home: Path | None, verbose: int, clock: Clock):
        self.home = home
        self.verbose = verbose
        self.clock = clock

    def settings(self) -> Settings:
        from monitor.config.settings import load_settings

        return load_settings(self.home, clock=self.clock)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Home directory (default: $MONITOR_HOME, else the current directory).")
@click.option("-v", "--verbose", count=True, help="More log output (debug).")
@click.version_option(__version__, "--version", prog_name="aoss-monitor")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, verbose: int) -> None:
    """Monitor open-source ecosystems on GitHub and Gitee."""
    setup_logging(verbose)
    # main() hands its clock in as the context object; the group replaces it with the state.
    clock: Clock = ctx.obj if callable(ctx.obj) else system_clock
    ctx.obj = _State(home, verbose, clock)


@cli.command()
@click.pass_obj
def init(state: _State) -> None:
    """Create config/ with the defaults (never overwriting) and create or upgrade the database."""
    from monitor.commands.init import init_home

    report = init_home(state.settings())
    for path in report.created:
        click.echo(f"created {path}")
    for path in report.kept:
        click.echo(f"kept {path}")
    click.echo(f"database {report.database} at schema {report.revision}")


@cli.command()
@click.argument("repos", nargs=-1, required=True, metavar="REPO|OWNER...")
@click.option("--project",
              help="Project they join (created if new; default: the repo's NAME, the OWNER).")
@click.option("--group", "groups", multiple=True, help="Group of the project (repeatable).")
@click.pass_obj
def track(state: _State, repos: Sequence[str], project: str | None, groups: Sequence[str]) -> None:
    """Add repos (github:OWNER/NAME) or whole owners (github:OWNER: every public repo of an
    organisation or user) to config/repos.toml, keeping its comments and layout."""
    from monitor.config.edit import add_repos

    targets = [parse_tracked(text, allow_url=True) for text in repos]
    for line in add_repos(state.settings().repos_path, targets, project=project, groups=groups):
        click.echo(line)


@cli.command()
@click.argument("repos", nargs=-1, required=True, metavar="REPO|OWNER...")
@click.pass_obj
def untrack(state: _State, repos: Sequence[str]) -> None:
    """Remove repos or owners from config/repos.toml; stored history is kept."""
    from monitor.config.edit import remove_repos

    targets = [parse_tracked(text, allow_url=True) for text in repos]
    for line in remove_repos(state.settings().repos_path, targets):
        click.echo(line)


@cli.command("repos")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def repos_command(state: _State, as_json: bool) -> None:
    """Tracked projects and repos, with the last collection time and latest values."""
    from rich.console import Console
    from rich.table import Table

    from monitor.commands.repos import tracked_overview
    from monitor.metrics import METRICS

    projects = tracked_overview(state.settings())
    if as_json:
        click.echo(json.dumps([p.as_json() for p in projects], indent=2))
        return
    table = Table(box=None, pad_edge=False)
    for column in ("project", "repo", "last collected", *METRICS):
        table.add_column(column, justify="right" if column in METRICS else "left")
    for project in projects:
        for view in project.repos:
            shown = str(view.repo) + (f" (now {view.current_name})" if view.current_name else "")
            shown += f" (via {view.via})" if view.via is not None else ""
            when = view.as_json()["last_collected_at"] or "never"
            values = [str(view.values[m]) if m in view.values else "-" for m in METRICS]
            table.add_row(project.name, shown, when, *values)
        for owner in project.unlisted:
            table.add_row(project.name, f"{owner} (owner: no repos listed yet)", "never",
                          *("-" for _ in METRICS))
    # On a terminal rich fits the screen; piped, nothing is cut (scripts should use --json).
    console = Console() if sys.stdout.isatty() else Console(width=1000)
    console.print(table)
    for view in (v for project in projects for v in project.repos if v.notice):
        click.echo(f"note: {view.notice}")


@cli.command("collect")
@click.argument("repos", nargs=-1, metavar="[REPO|OWNER]...")
@click.pass_obj
def collect_command(state: _State, repos: Sequence[str]) -> None:
    """One collection cycle now, for every tracked repo or those named (an owner names all its
    repos); exit 1 if any repo or owner's listing failed."""
    import asyncio

    from monitor.cli.console import CollectProgress, summary_lines
    from monitor.commands.collect import collect
    from monitor.commands.init import open_home_database
    from monitor.heap import settled_heap

    settings = state.settings()
    ids = [parse_tracked(text, allow_url=True) for text in repos]
    with (open_home_database(settings) as (database, tracked), CollectProgress() as progress,
          settled_heap()):
        summary = asyncio.run(collect(settings, database, tracked, ids, progress=progress))
    for line in summary_lines(summary):
        click.echo(line)
    if summary.having("failed") or summary.failed_owners:
        sys.exit(1)


@cli.command("backfill")
@click.argument("repos", nargs=-1, metavar="[REPO|OWNER]...")
@click.pass_obj
def backfill_command(state: _State, repos: Sequence[str]) -> None:
    """Rebuild star and release history from the platforms' timestamps; exit 1 if any failed."""
    import asyncio

    from monitor.cli.console import backfill_lines
    from monitor.commands.backfill import backfill
    from monitor.commands.init import open_home_database
    from monitor.heap import settled_heap

    settings = state.settings()
    ids = [parse_tracked(text, allow_url=True) for text in repos]
    with open_home_database(settings) as (database, tracked), settled_heap():
        summary = asyncio.run(backfill(settings, database, tracked, ids))
    for line in backfill_lines(summary):
        click.echo(line)
    if summary.failed:
        sys.exit(1)


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--repo", "repos", multiple=True, help="Only this repo (repeatable).")
@click.option("--metric", "metrics", multiple=True, help="Only this metric (repeatable).")
@click.option("--since", help="From this date or instant (inclusive).")
@click.option("--until", help="To this date (the whole day) or instant (inclusive).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE instead of stdout.")
@click.pass_obj
def export_command(
    state: _State, fmt: str, repos: Sequence[str], metrics: Sequence[str],
    since: str | None, until: str | None, output: Path | None,
) -> None:
    """The stored time series, long format (repo,metric,observed_at,value,source)."""
    from monitor.commands.export import export, parse_bound, write_output
    from monitor.commands.init import open_home_database

    settings = state.settings()
    window = {
        "since": parse_bound(since, end=False) if since else None,
        "until": parse_bound(until, end=True) if until else None,
    }
    with open_home_database(settings) as (database, _):
        if output is None:
            export(database, sys.stdout, fmt=fmt, repos=repos, metrics=metrics, **window)
            return
        with write_output(output) as handle:
            count = export(database, handle, fmt=fmt, repos=repos, metrics=metrics, **window)
    click.echo(f"wrote {count} rows to {output}", err=True)


@cli.command("report")
@click.option("--period", "kind", default="week", show_default=True, metavar="week|month",
              help="The kind of period.")
@click.option("--end", metavar="DATE",
              help="Last day the report may cover, YYYY-MM-DD (default: the last complete period).")
@click.option("--format", "formats", default=",".join(REPORT_FORMATS), show_default=True,
              metavar="html,md,json", help="Comma list of formats to write.")
@click.pass_obj
def report_command(state: _State, kind: str, end: str | None, formats: str) -> None:
    """Render the comparison report for a period; prints each path written."""
    from monitor.commands.init import open_home_database
    from monitor.reports.files import write_report
    from monitor.reports.formats import parse_formats
    from monitor.reports.period import resolve_period

    settings = state.settings()
    period = resolve_period(kind, end, settings.clock())
    chosen = parse_formats(formats)
    with open_home_database(settings) as (database, tracked):
        written = write_report(settings, database, tracked, period, chosen)
    for path in written:
        click.echo(path)


@cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status_command(state: _State, as_json: bool) -> None:
    """Last and next run of each job, repos failing and why, API budget left per platform."""
    from monitor.cli.console import status_lines
    from monitor.commands.status import gather_status

    status = gather_status(state.settings())
    if as_json:
        click.echo(json.dumps(status.as_json(), indent=2))
        return
    for line in status_lines(status):
        click.echo(line)


@cli.command("run")
@click.option("--metrics-port", type=click.IntRange(0, 65535), default=None, metavar="PORT",
              help="Serve Prometheus metrics on http://127.0.0.1:PORT/metrics.")
@click.pass_obj
def run_command(state: _State, metrics_port: int | None) -> None:
    """The daemon: collect, backfill and report on the schedule until SIGTERM or SIGINT."""
    from monitor.daemon.service import Daemon

    sys.exit(Daemon(state.home, metrics_port=metrics_port, clock=state.clock).run())


def _fail(message: str, status: int) -> NoReturn:
    click.echo(f"aoss-monitor: error: {mask(message)}", err=True)
    sys.exit(status)


def _crash() -> NoReturn:
    """A bug: its traceback for the report, every token masked, then exit 1."""
    click.echo(mask(traceback.format_exc()), err=True, nl=False)
    sys.exit(1)


def main(argv: Sequence[str] | None = None, *, clock: Clock = system_clock) -> None:
    """Entry point of the console script and ``python -m monitor``.

    *clock* is the one clock every command reads "now" from: the wall clock, or a test's.
    """
    try:
        cli.main(args=argv, prog_name="aoss-monitor", standalone_mode=False, obj=clock)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(2)
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        _fail(exc.format_message().splitlines()[0] + hint, 2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        _fail("aborted", 130)
    except (InputError, ConfigError, NeedsInit) as exc:
        _fail(str(exc), 2)
    except MonitorError as exc:
        _fail(str(exc), 1)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except OSError as exc:
        _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), 1)
    except Exception:
        _crash()
