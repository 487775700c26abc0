"""A database as an older aoss-monitor left it: migrated up to the revision before the newest."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from monitor.store.db import MIGRATIONS_DIR, head_revision, open_database

__all__ = ["migrate_to_previous", "previous_revision", "stored_revision"]


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


def previous_revision() -> str:
    """The revision just before the newest one this aoss-monitor ships."""
    script = ScriptDirectory.from_config(_config())
    down = script.get_revision(head_revision()).down_revision
    assert isinstance(down, str), "the package ships more than one migration"
    return down


def migrate_to_previous(url: str) -> str:
    """Migrate the empty database at *url* to :func:`previous_revision`; returns that revision."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    config = _config()
    config.set_main_option("sqlalchemy.url", parsed.render_as_string(hide_password=False))
    revision = previous_revision()
    command.upgrade(config, revision)
    return revision


def stored_revision(url: str) -> str | None:
    """The schema revision the database at *url* records (None: no schema at all)."""
    with open_database(url) as database:
        return database.current_revision()
