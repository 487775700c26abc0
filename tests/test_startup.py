"""Start-up stays light: ``--help`` and ``status`` load what they use, not the HTTP clients,
templates, scheduler and migrations the other commands need (``benchmarks/daemon.py`` prints
the time this saves against importing httpx, SQLAlchemy and click)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.store.db import _alembic_config, _known_revisions, head_revision, open_database

#: Loaded by the commands that need them, never by the command line itself. (APScheduler is
#: not here: loading the settings checks a cron schedule with the daemon's own trigger.)
HEAVY = ("httpx", "tenacity", "alembic", "jinja2", "matplotlib", "prometheus_client", "rich",
         "tomlkit", "mako")


def modules_loaded(home: Path, *args: str) -> set[str]:
    """The top-level packages ``aoss-monitor --home HOME ARGS…`` imported, run as a user runs
    it (a new interpreter)."""
    code = (
        "import sys\n"
        "from monitor.cli import main\n"
        "try:\n"
        f"    main(['--home', {str(home)!r}, *{list(args)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={"PATH": "/usr/bin:/bin"})
    return set(done.stderr.split())


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


def test_the_revisions_read_from_file_names_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    assert _known_revisions() == {rev.revision for rev in script.walk_revisions()}
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
