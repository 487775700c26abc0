"""The platforms, registered by name: adding a forge is one module and one line here."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from monitor.config.settings import Settings
from monitor.platforms.base import Platform, ResponseCache
from monitor.platforms.gitee import Gitee
from monitor.platforms.github import GitHub

__all__ = ["PLATFORMS", "open_platform"]

PlatformFactory = Callable[[Settings, ResponseCache | None, httpx.AsyncBaseTransport | None],
                           Platform]

#: Every platform the monitor can collect from, by the prefix of its repo ids.
PLATFORMS: dict[str, PlatformFactory] = {
    "github": GitHub.from_settings,
    "gitee": Gitee.from_settings,
}


def open_platform(
    name: str,
    settings: Settings,
    cache: ResponseCache | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Platform:
    return PLATFORMS[name](settings, cache, transport)
