"""aoss-monitor: a self-hosted monitor of open-source ecosystems on GitHub and Gitee."""

from monitor.errors import (
    ConfigError,
    Deferred,
    InputError,
    MonitorError,
    PlatformError,
    RateLimited,
    StorageError,
)
from monitor.ids import RepoId

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Deferred",
    "InputError",
    "MonitorError",
    "PlatformError",
    "RateLimited",
    "RepoId",
    "StorageError",
    "__version__",
]
