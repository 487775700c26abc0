"""Every error the monitor raises on purpose, in one family.

The CLI maps the family to exit codes (bad input or configuration: 2), the collector maps
platform errors to a per-repo outcome, so callers catch the branch they can act on (a
:class:`Deferred` one defers, and says why in :attr:`Deferred.deferral`)::

    MonitorError
    ├── InputError            a bad argument on the command line (exit 2)
    ├── ConfigError           a bad config file; names the file and line (exit 2)
    ├── StorageError          the database cannot be used
    │   ├── SchemaTooNew      written by a newer aoss-monitor; refused, never downgraded
    │   └── NeedsInit         no schema yet, or an older one: `init` migrates it (exit 2)
    ├── NoData                nothing stored to report on for the period asked (exit 1)
    └── PlatformError         a platform answered, but not with data for this repo
        ├── Deferred          the platform stops for the cycle: its other repos wait for the next
        │   ├── RateLimited   the budget is spent until ``reset_at``
        │   └── Unreachable   connections failed several times in a row
        ├── NotFound          404: deleted, private, or never existed
        ├── Blocked           451 (DMCA) or access blocked by the platform
        ├── EmptyRepository   no commits yet (contributors answer 204/409)
        ├── Unauthorized      401: a bad token
        ├── MalformedResponse the body is not what the API documents
        └── Unavailable       timeouts, connection errors or 5xx after every retry
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

__all__ = [
    "Blocked",
    "ConfigError",
    "Deferred",
    "EmptyRepository",
    "InputError",
    "MalformedResponse",
    "MonitorError",
    "NeedsInit",
    "NoData",
    "NotFound",
    "PlatformError",
    "RateLimited",
    "SchemaTooNew",
    "StorageError",
    "Unauthorized",
    "Unavailable",
    "Unreachable",
    "internal_error",
]


class MonitorError(Exception):
    """Base of every error the monitor raises on purpose."""


class InputError(MonitorError):
    """A command-line argument that cannot be acted on."""


class ConfigError(MonitorError):
    """A configuration problem, located like a compiler would: ``file:line: message``."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"


class StorageError(MonitorError):
    """The database cannot be opened, migrated or written."""


class SchemaTooNew(StorageError):
    """The database was written by a newer version; downgrading it would lose data."""


class NeedsInit(StorageError):
    """The database has no schema yet, or one older than this version's. Only ``init`` and the
    daemon holding its lock migrate, so nothing changes a schema under a running daemon."""


class NoData(MonitorError):
    """A report was asked for a period in which the store holds no observation of any tracked
    repo: a clear message instead of an empty or misleading report."""


class PlatformError(MonitorError):
    """A platform call that did not give usable data."""


class Deferred(PlatformError):
    """The platform cannot be asked any more this cycle: the repo is deferred, not failed, and so
    is every repo of the platform not asked yet; the next cycle tries again."""

    @property
    def deferral(self) -> str:
        """Why the repos are deferred, as stored and shown (before "; deferred to the next
        cycle")."""
        return str(self)


class RateLimited(Deferred):
    """The platform's budget is spent; calling again before ``reset_at`` only burns goodwill."""

    def __init__(self, message: str, reset_at: datetime | None = None):
        self.reset_at = reset_at
        super().__init__(message)

    @property
    def deferral(self) -> str:
        return "rate limit spent"


class Unreachable(Deferred):
    """The platform's host could not be reached (connection refused, DNS, connect timeout)
    several times in a row: the network or the host is down. Like a spent budget it stops the
    platform for the cycle, and says so (its message is the deferral). HTTP errors (5xx…) never
    raise it: those came from a host that answered."""


class NotFound(PlatformError):
    """The repo does not exist for us: deleted, private, or a typo."""


class Blocked(PlatformError):
    """The platform blocks access to the repo (HTTP 451, DMCA, or a blocked account)."""


class EmptyRepository(PlatformError):
    """The repo has no commits, so some statistics do not exist yet."""


class Unauthorized(PlatformError):
    """The token was refused (401)."""


class MalformedResponse(PlatformError):
    """The body does not have the documented shape."""


class Unavailable(PlatformError):
    """The platform did not answer usefully after every retry."""


def internal_error(exc: BaseException) -> PlatformError:
    """A bug met while asking a platform, as stored and shown: its type only. Its text stays in
    the (masked) log, since it may quote a URL or a header carrying a token."""
    return PlatformError(f"internal error: {type(exc).__name__} (see the log)")
