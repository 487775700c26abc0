"""The daemon's word on a missing GitHub token: what 60 requests an hour allow against what the
tracked list needs, and what a token would unlock (:mod:`monitor.token_advice`).

Said once at start, then after a collection cycle only when the figures changed (an owner's
listing brought repos, the list or the schedule was edited): at most a line a cycle, never the
same line twice in a row. A warning while the budget cannot cover a cycle, else information.
Nothing here can stop the daemon: a failure to read the figures is a debug line.
"""

from __future__ import annotations

import logging

from monitor.commands.outlook import read_no_token_advice
from monitor.config.repos import Tracked
from monitor.config.settings import Settings
from monitor.store.db import Database
from monitor.store.threads import off_loop

__all__ = ["TokenAdvice"]

log = logging.getLogger("monitor.daemon")


class TokenAdvice:
    """Tells the log what GitHub's anonymous budget allows, when there is something new to say."""

    def __init__(self) -> None:
        self._told: str | None = None

    async def tell(self, settings: Settings, database: Database, tracked: Tracked) -> None:
        try:
            advice = await off_loop(read_no_token_advice, database, tracked, settings,
                                    settings.clock())
        except Exception as exc:  # the advice is a courtesy: it never costs a cycle
            log.debug("github.no_token_unknown error=%r", str(exc))
            return
        message = advice.message if advice is not None else None
        if message is not None and message != self._told:
            level = logging.WARNING if advice is not None and advice.fits is False else logging.INFO
            log.log(level, "github.no_token %s", message)
        self._told = message
