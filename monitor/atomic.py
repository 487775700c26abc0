"""Files that appear complete or not at all: ``repos.toml`` edits, exports, reports.

A reader (or a kill -9) must never see half a file. Everything goes through a temporary file
beside the target (``os.replace`` is atomic only within one file system), synced before the
rename, with the folder synced after it so the rename itself survives a power cut.

A read-modify-write (``track``, ``untrack``) also holds :func:`edit_lock`, so two edits at once
take turns and the second reads what the first wrote: none is lost.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_file", "edit_lock", "write_atomic"]


@contextlib.contextmanager
def atomic_file(path: Path, *, mode: int | None = None) -> Iterator[IO[bytes]]:
    """A binary handle whose content replaces *path* when the block ends without error.

    The file keeps the mode of the file it replaces (a new one gets *mode*, default 0644 —
    not mkstemp's 0600, which would hide reports from a web server).
    """
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = stat.S_IMODE(path.stat().st_mode) if path.exists() else None
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fchmod(handle.fileno(), kept if kept is not None else (mode or 0o644))
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(path.parent)


@contextlib.contextmanager
def edit_lock(path: Path) -> Iterator[None]:
    """Hold the edit lock of *path* for a read-modify-write; other editors wait their turn.

    It is an exclusive ``flock`` on the folder holding the file: a lock on the file itself would
    stay behind on the old copy once the edit replaces it, and a lock file would be one more
    file in the user's folder. The kernel releases it however the process ends.
    """
    try:
        fd = os.open(path.resolve().parent, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        yield  # no folder, no file to edit: reading it says so
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and the lock with it


def write_atomic(path: Path, content: str | bytes) -> Path:
    """Replace *path* with *content* (text as UTF-8) in one step."""
    with atomic_file(path) as handle:
        handle.write(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; not every platform can open a folder, which is then a no-op."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
