"""The checks a setting's value passes as it loads: each takes what ``monitor.toml`` or the
environment holds and returns the parsed value, or raises ``ValueError`` with what was expected
(:mod:`monitor.config.settings` adds the file and line, or the variable).

A schedule is an interval or a standard 5-field cron; a cron is checked by the very function the
daemon builds its trigger with, except the shipped ones (:data:`SHIPPED_CRONS`), which the tests
check, so loading the shipped settings needs no APScheduler.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "MONTHLY_REPORT",
    "SHIPPED_CRONS",
    "WEEKLY_REPORT",
    "parse_duration",
    "positive_int",
    "schedule",
    "share",
    "string",
    "timezone",
    "url",
]

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

WEEKLY_REPORT = "0 8 * * mon"
MONTHLY_REPORT = "0 8 1 * *"

#: The cron schedules aoss-monitor ships (the defaults, written active by ``init`` too). The tests
#: check each with the daemon's own trigger, so loading them needs no APScheduler and commands
#: like ``status`` start without it; any other cron is checked as it loads.
SHIPPED_CRONS: frozenset[str] = frozenset({WEEKLY_REPORT, MONTHLY_REPORT})


def parse_duration(text: str) -> int:
    """``30s``, ``15m``, ``6h``, ``1d`` → seconds."""
    match = _DURATION.match(text)
    if not match or int(match[1]) == 0:
        raise ValueError(f"expected a duration such as 30s, 15m, 6h or 1d, got {text!r}")
    return int(match[1]) * _UNIT_SECONDS[match[2]]


def schedule(text: str) -> str:
    """An interval or a standard 5-field crontab, checked now rather than at 3 a.m., by the
    very function the daemon builds its trigger with (:func:`monitor.config.cron.cron_trigger`);
    a shipped cron (:data:`SHIPPED_CRONS`) was checked by the tests.
    """
    if _DURATION.match(text):
        parse_duration(text)
        return text.strip()
    if text.strip() in SHIPPED_CRONS:
        return text.strip()
    from monitor.config.cron import cron_trigger  # APScheduler is loaded only for such a cron

    if len(text.split()) != 5:
        raise ValueError(f"expected an interval (30s, 15m, 6h, 1d) or a 5-field cron, got {text!r}")
    try:
        cron_trigger(text)
    except ValueError as exc:
        raise ValueError(f"bad cron expression {text!r}: {exc}") from None
    return text.strip()


def timezone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {text!r}") from None
    return text


def url(text: str) -> str:
    if not re.match(r"^https?://[^\s/]+", text):
        raise ValueError(f"expected an http(s) URL, got {text!r}")
    return text.rstrip("/")


def positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"expected a positive whole number, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"expected a positive whole number, got {value!r}") from None
    if number < 1:
        raise ValueError(f"expected a positive whole number, got {value!r}")
    return number


def share(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a fraction between 0 and 1, got {value!r}")
    number = float(value)
    if not 0 < number <= 1:
        raise ValueError(f"expected a fraction between 0 and 1, got {value!r}")
    return number


def string(check: Callable[[str], Any]) -> Callable[[Any], Any]:
    """*check* for a value that must be a string (TOML may hold a number or a table there)."""

    def parse(value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        return check(value)

    return parse
