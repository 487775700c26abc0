"""Start-up stays light: ``--help`` and ``status`` load what they use, not the HTTP clients,
templates, scheduler and migrations the other commands need (``benchmarks/daemon.py`` prints
the time this saves against importing httpx, SQLAlchemy and click).

``status`` reads the store with SQLAlchemy Core alone: the ORM, SQLModel and pydantic cost it
more than half of that reference time by themselves, and it must start within 1.5 times it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from monitor.store._schema import alembic_config, known_revisions
from monitor.store.db import head_revision, open_database
from tests.old_schema import migrate_to_previous

#: Loaded by the commands that need them, never by the command line itself. (APScheduler is
#: not here: loading the settings checks a cron schedule of the user's with the daemon's own
#: trigger; the shipped schedules were checked by the tests.)
HEAVY = ("httpx", "tenacity", "alembic", "jinja2", "matplotlib", "prometheus_client", "rich",
         "tomlkit", "mako")

#: What the commands that write rows as objects load, and ``status`` does not.
ORM = ("sqlalchemy.orm", "sqlmodel", "pydantic", "pydantic_core", "monitor.store.models")


def run_cli(home: Path, args: list[str], environ: Mapping[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    """``aoss-monitor --home HOME ARGS…`` as a user runs it (a new interpreter); its stderr
    ends with the names of every module it imported, on the last line."""
    code = (
        "import sys\n"
        "from monitor.cli import main\n"
        "try:\n"
        f"    main(['--home', {str(home)!r}, *{list(args)!r}])\n"
        "except SystemExit as exc:\n"
        "    sys.stderr.write('\\n' + ' '.join(sorted(sys.modules)))\n"
        "    raise\n"
        "sys.stderr.write('\\n' + ' '.join(sorted(sys.modules)))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, env={"PATH": "/usr/bin:/bin", **(environ or {})})


def modules_loaded(home: Path, *args: str, environ: Mapping[str, str] | None = None) -> set[str]:
    """Every module ``aoss-monitor --home HOME ARGS…`` imported, and the top-level package of
    each, in a new interpreter."""
    done = run_cli(home, list(args), environ)
    assert done.returncode == 0, done.stderr
    names = set(done.stderr.splitlines()[-1].split())
    return names | {name.split(".")[0] for name in names}


def test_help_loads_neither_the_database_nor_the_network(tmp_path: Path) -> None:
    loaded = modules_loaded(tmp_path, "--help")
    assert "click" in loaded
    assert not loaded & {*HEAVY, "apscheduler", "sqlalchemy", "sqlmodel", "pydantic", "psycopg"}


@pytest.mark.parametrize("output", [[], ["--json"]])
def test_status_loads_the_database_and_nothing_else_heavy(
    tmp_path: Path, output: list[str]
) -> None:
    with open_database(f"sqlite:///{tmp_path / 'storage' / 'monitor.db'}") as database:
        database.upgrade()
    loaded = modules_loaded(tmp_path, "status", *output)
    assert "sqlalchemy" in loaded
    assert not loaded & set(HEAVY)


@pytest.mark.parametrize("output", [[], ["--json"]])
def test_status_reads_the_store_without_the_orm_sqlmodel_or_pydantic(
    tmp_path: Path, database_url: str, output: list[str]
) -> None:
    with open_database(database_url) as database:
        database.upgrade()
    loaded = modules_loaded(tmp_path, "status", *output,
                            environ={"MONITOR_DATABASE_URL": database_url})
    assert "sqlalchemy" in loaded
    assert not loaded & set(ORM)


def test_status_of_a_home_as_init_made_it_loads_no_scheduler(tmp_path: Path) -> None:
    """The shipped ``monitor.toml`` names the shipped schedules: nothing to check at start."""
    done = run_cli(tmp_path, ["init"])
    assert done.returncode == 0, done.stderr
    assert "\nweekly_report = " in (tmp_path / "config" / "monitor.toml").read_text()
    assert not modules_loaded(tmp_path, "status") & {"apscheduler", "tzlocal"}


@pytest.mark.parametrize("schema", ["none", "previous"])
def test_status_without_the_orm_still_refuses_a_schema_init_must_bring_up(
    tmp_path: Path, database_url: str, schema: str
) -> None:
    """A database never initialised, or left by an older aoss-monitor: one line naming
    ``aoss-monitor init``, exit 2, and the database as it was."""
    if schema == "previous":
        migrate_to_previous(database_url)
    with open_database(database_url) as database:
        before = database.current_revision()
    done = run_cli(tmp_path, ["status"], {"MONITOR_DATABASE_URL": database_url})
    assert done.returncode == 2
    assert done.stdout == ""
    [message] = [line for line in done.stderr.splitlines()[:-1] if line]  # the modules last
    assert message.startswith("aoss-monitor: error: ") and "`aoss-monitor init`" in message
    with open_database(database_url) as database:
        assert database.current_revision() == before


def test_the_revisions_read_from_file_names_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    assert known_revisions() == {rev.revision for rev in script.walk_revisions()}
    assert head_revision() == script.get_current_head()


def test_the_daemon_loads_no_migrations_or_renderer_before_it_needs_them() -> None:
    """An idle daemon's memory is what it loaded: Alembic only migrates (``init`` does, before
    ``run``), Jinja2 and matplotlib only render reports."""
    code = ("import sys\nimport monitor.daemon.service\n"
            "sys.stdout.write(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    loaded = set(done.stdout.split())
    assert "apscheduler" in loaded
    assert not loaded & {"alembic", "mako", "jinja2", "matplotlib", "markupsafe"}
