"""The platforms, registered by name: adding a forge is one module and one line here."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from monitor.config.settings import Settings
from monitor.platforms.base import Platform, ResponseCache
from monitor.platforms.gitee import Gitee
from monitor.platforms.github import GitHub

__all__ = ["PLATFORMS", "PlatformFactory", "open_platform"]

#: How one forge's client is built (its ``from_settings``): settings, cache, test transport.
PlatformConstructor = Callable[
    [Settings, ResponseCache | None, httpx.AsyncBaseTransport | None], Platform
]
#: Opens a platform's client by name for one run, answering conditional requests from the
#: run's cache: :func:`open_platform`, or what tests and benchmarks inject instead.
PlatformFactory = Callable[[str, Settings, ResponseCache], Platform]

#: Every platform the monitor can collect from, by the prefix of its repo ids.
PLATFORMS: dict[str, PlatformConstructor] = {
    "github": GitHub.from_settings,
    "gitee": Gitee.from_settings,
}


def open_platform(
    name: str,
    settings: Settings,
    cache: ResponseCache | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Platform:
    """The client of platform *name* (a :data:`PlatformFactory`)."""
    return PLATFORMS[name](settings, cache, transport)
