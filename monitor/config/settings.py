"""Settings: ``config/monitor.toml`` overlaid by the environment, declared once as data.

Every setting is one row of :data:`SETTINGS`: where it lives in the file, which environment
variable overrides it, how its text is checked, and its default. Loading, validation and the
README table all come from that one list, so a new knob is one new row.

Tokens are read from the environment only and kept in :class:`Secret`, whose ``repr`` and
``str`` never show the value, so a stray log line or traceback cannot leak them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.config.locate import line_of_key, toml_syntax_error
from monitor.errors import ConfigError

__all__ = ["SETTINGS", "Schedule", "Secret", "Settings", "load_settings", "parse_duration"]

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Secret:
    """A credential that never shows itself in ``repr``, ``str`` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def parse_duration(text: str) -> int:
    """``30s``, ``15m``, ``6h``, ``1d`` → seconds."""
    match = _DURATION.match(text)
    if not match or int(match[1]) == 0:
        raise ValueError(f"expected a duration such as 30s, 15m, 6h or 1d, got {text!r}")
    return int(match[1]) * _UNIT_SECONDS[match[2]]


def _schedule(text: str) -> str:
    """An interval or a 5-field cron expression, checked now rather than at 3 a.m."""
    if _DURATION.match(text):
        parse_duration(text)
        return text.strip()
    from apscheduler.triggers.cron import CronTrigger

    if len(text.split()) != 5:
        raise ValueError(f"expected an interval (30s, 15m, 6h, 1d) or a 5-field cron, got {text!r}")
    try:
        CronTrigger.from_crontab(text)
    except ValueError as exc:
        raise ValueError(f"bad cron expression {text!r}: {exc}") from None
    return text.strip()


def _timezone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {text!r}") from None
    return text


def _url(text: str) -> str:
    if not re.match(r"^https?://[^\s/]+", text):
        raise ValueError(f"expected an http(s) URL, got {text!r}")
    return text.rstrip("/")


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"expected a positive whole number, got {value!r}")
    number = int(value)
    if number < 1:
        raise ValueError(f"expected a positive whole number, got {value!r}")
    return number


def _share(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a fraction between 0 and 1, got {value!r}")
    number = float(value)
    if not 0 < number <= 1:
        raise ValueError(f"expected a fraction between 0 and 1, got {value!r}")
    return number


def _text(check: Callable[[str], Any]) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        return check(value)

    return parse


@dataclass(frozen=True)
class SettingSpec:
    section: str  # "" for the top level of monitor.toml
    key: str
    default: Any
    parse: Callable[[Any], Any]
    env: str | None = None
    help: str = ""

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}" if self.section else self.key


#: Every setting of monitor.toml, once. Defaults are raw values, parsed like user input.
SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("", "database_url", None, _text(str), "MONITOR_DATABASE_URL",
                "SQLAlchemy URL; default sqlite:///<home>/storage/monitor.db"),
    SettingSpec("api", "github_url", "https://api.github.com", _text(_url),
                "MONITOR_GITHUB_API_URL", "GitHub REST base"),
    SettingSpec("api", "github_graphql_url", None, _text(_url), "MONITOR_GITHUB_GRAPHQL_URL",
                "GitHub GraphQL endpoint; derived from the REST base"),
    SettingSpec("api", "gitee_url", "https://gitee.com/api/v5", _text(_url),
                "MONITOR_GITEE_API_URL", "Gitee API v5 base"),
    SettingSpec("schedule", "collect", "6h", _text(_schedule), None, "collection cycle"),
    SettingSpec("schedule", "backfill", "1d", _text(_schedule), None, "history backfill"),
    SettingSpec("schedule", "weekly_report", "0 8 * * mon", _text(_schedule), None,
                "weekly report"),
    SettingSpec("schedule", "monthly_report", "0 8 1 * *", _text(_schedule), None,
                "monthly report"),
    SettingSpec("schedule", "timezone", "UTC", _text(_timezone), None, "time zone of the cron"),
    SettingSpec("collect", "contributors_every", "1d", _text(parse_duration), None,
                "how often contributor counts are refreshed"),
    SettingSpec("collect", "max_reset_wait", "5m", _text(parse_duration), None,
                "wait for a rate-limit reset this near; defer the rest of the cycle otherwise"),
    SettingSpec("collect", "concurrency", 4, _positive_int, None,
                "requests in flight per platform"),
    SettingSpec("collect", "timeout", "30s", _text(parse_duration), None, "timeout per request"),
    SettingSpec("collect", "graphql_batch", 50, _positive_int, None,
                "repos per GitHub GraphQL query"),
    SettingSpec("backfill", "budget_share", 0.5, _share, None,
                "largest share of the API budget left that one backfill run may spend"),
    SettingSpec("backfill", "max_requests", 1000, _positive_int, None,
                "requests one backfill run may make on a platform that tells no budget (Gitee)"),
)


@dataclass(frozen=True)
class Schedule:
    collect: str = "6h"
    backfill: str = "1d"
    weekly_report: str = "0 8 * * mon"
    monthly_report: str = "0 8 1 * *"
    timezone: str = "UTC"


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    github_api_url: str = "https://api.github.com"
    github_graphql_url: str = "https://api.github.com/graphql"
    gitee_api_url: str = "https://gitee.com/api/v5"
    github_token: Secret | None = field(default=None, repr=False)
    gitee_token: Secret | None = field(default=None, repr=False)
    schedule: Schedule = Schedule()
    contributors_every: int = 86400
    max_reset_wait: int = 300
    concurrency: int = 4
    timeout: int = 30
    graphql_batch: int = 50
    budget_share: float = 0.5
    backfill_max_requests: int = 1000

    @property
    def config_dir(self) -> Path:
        return self.home / "config"

    @property
    def repos_path(self) -> Path:
        return self.config_dir / "repos.toml"

    @property
    def settings_path(self) -> Path:
        return self.config_dir / "monitor.toml"

    @property
    def storage_dir(self) -> Path:
        return self.home / "storage"

    @property
    def reports_dir(self) -> Path:
        return self.storage_dir / "reports"


def default_graphql_url(rest_url: str) -> str:
    """GitHub Enterprise serves GraphQL at /api/graphql beside its /api/v3 REST base."""
    if rest_url.endswith("/api/v3"):
        return rest_url[: -len("/v3")] + "/graphql"
    return rest_url + "/graphql"


def resolve_home(home: str | Path | None, environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    chosen = home if home is not None else environ.get("MONITOR_HOME") or Path.cwd()
    return Path(chosen).expanduser().resolve()


def load_settings(
    home: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read ``config/monitor.toml`` (optional) and the environment; raise ConfigError."""
    environ = os.environ if environ is None else environ
    root = resolve_home(home, environ)
    path = root / "config" / "monitor.toml"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_syntax_error(path, exc) from None

    known = {spec.section for spec in SETTINGS if spec.section}
    for section, value in data.items():
        is_table = isinstance(value, dict)
        if section in known and is_table:
            allowed = {spec.key for spec in SETTINGS if spec.section == section}
            for key in value:
                if key not in allowed:
                    raise ConfigError(
                        f"unknown key {key!r} in [{section}] (known: {', '.join(sorted(allowed))})",
                        path, line_of_key(text, key, section),
                    )
        elif section not in {spec.key for spec in SETTINGS if not spec.section} or is_table:
            raise ConfigError(f"unknown key {section!r}", path, line_of_key(text, section, ""))

    values: dict[str, Any] = {}
    for spec in SETTINGS:
        table = data.get(spec.section, {}) if spec.section else data
        if spec.env and environ.get(spec.env):
            raw, where = environ[spec.env], None
        elif spec.key in table:
            raw, where = table[spec.key], line_of_key(text, spec.key, spec.section)
        else:
            values[spec.name] = None if spec.default is None else spec.parse(spec.default)
            continue
        try:
            values[spec.name] = spec.parse(raw)
        except ValueError as exc:
            if where is None:
                raise ConfigError(f"{spec.env}: {exc}") from None
            raise ConfigError(f"{spec.name}: {exc}", path, where) from None

    github_url = values["api.github_url"]
    database_url = values["database_url"] or f"sqlite:///{root / 'storage' / 'monitor.db'}"
    tokens = {name: environ.get(name) or None for name in ("GITHUB_TOKEN", "GITEE_TOKEN")}
    return Settings(
        home=root,
        database_url=_absolute_sqlite(database_url, root),
        github_api_url=github_url,
        github_graphql_url=values["api.github_graphql_url"] or default_graphql_url(github_url),
        gitee_api_url=values["api.gitee_url"],
        github_token=Secret(tokens["GITHUB_TOKEN"]) if tokens["GITHUB_TOKEN"] else None,
        gitee_token=Secret(tokens["GITEE_TOKEN"]) if tokens["GITEE_TOKEN"] else None,
        schedule=Schedule(**{
            spec.key: values[spec.name] for spec in SETTINGS if spec.section == "schedule"
        }),
        contributors_every=values["collect.contributors_every"],
        max_reset_wait=values["collect.max_reset_wait"],
        concurrency=values["collect.concurrency"],
        timeout=values["collect.timeout"],
        graphql_batch=values["collect.graphql_batch"],
        budget_share=values["backfill.budget_share"],
        backfill_max_requests=values["backfill.max_requests"],
    )


def _absolute_sqlite(url: str, home: Path) -> str:
    """A relative SQLite path is relative to the home, like every other path."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(home / url[len(prefix):])
    return url
