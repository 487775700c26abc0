"""The home directory: its shipped defaults, and the database behind it.

``init`` must be safe to run again and again (scripts and the daemon call it), so it only ever
creates what is missing and upgrades the schema; it never rewrites a user's file.

Only ``init`` and the daemon holding its single-instance lock migrate. ``init`` takes that lock
for the upgrade, so it never changes the schema under a running daemon; every other command
opens the database through :func:`open_home_database`, which refuses a schema that is not this
version's and names ``aoss-monitor init`` (:class:`~monitor.errors.NeedsInit`, exit 2).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from monitor.config.repos import Tracked, load_repos
from monitor.config.settings import Settings, load_settings
from monitor.daemon.lock import AlreadyRunning, InstanceLock
from monitor.store.db import Database, head_revision, open_database

__all__ = ["DEFAULT_FILES", "InitReport", "init_files", "init_home", "open_home_database"]

#: The files ``init`` puts under ``config/`` when they are missing.
DEFAULT_FILES = ("monitor.toml", "repos.toml")


@dataclass(frozen=True)
class InitReport:
    created: tuple[Path, ...]
    kept: tuple[Path, ...]
    database: str  # URL with any password masked
    revision: str | None


def init_home(settings: Settings) -> InitReport:
    """Create missing default files and create or upgrade the database (not under a daemon)."""
    created, kept = init_files(settings)
    with open_database(settings.database_url) as database:
        if database.current_revision() != head_revision():
            try:
                with InstanceLock(database):
                    database.upgrade()
            except AlreadyRunning as exc:
                raise AlreadyRunning(f"cannot upgrade the database now: {exc}; stop it first "
                                     f"(this version's daemon upgrades it when it starts)"
                                     ) from None
        return InitReport(created, kept, database.url, database.current_revision())


def init_files(settings: Settings) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """Create the missing default files and validate both; the files (created, kept)."""
    created: list[Path] = []
    kept: list[Path] = []
    settings.config_dir.mkdir(parents=True, exist_ok=True)
    settings.storage_dir.mkdir(parents=True, exist_ok=True)
    defaults = files("monitor.defaults")
    for name in DEFAULT_FILES:
        target = settings.config_dir / name
        if _create_exclusive(target, defaults.joinpath(name).read_bytes()):
            created.append(target)
        else:
            kept.append(target)
    # Validate what is there now: a broken repos.toml should stop init with its line number.
    load_repos(settings.repos_path)
    load_settings(settings.home)
    return tuple(created), tuple(kept)


def _create_exclusive(path: Path, content: bytes) -> bool:
    """Write *content* to a new file; False if it exists (never overwrite, even in a race)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    return True


@contextmanager
def open_home_database(settings: Settings) -> Iterator[tuple[Database, Tracked]]:
    """The database, checked to be at this version's schema, and the tracked list."""
    tracked = load_repos(settings.repos_path)
    with open_database(settings.database_url) as database:
        database.check()
        yield database, tracked
