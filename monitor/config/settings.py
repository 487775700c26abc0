"""Settings: ``config/monitor.toml`` overlaid by the environment, declared once as data.

Every setting is one field of :class:`Settings` (or :class:`Schedule`) declared with
:func:`setting`: its type, its default as written in the file, where it lives in the file, which
environment variable overrides it, how its value is checked (:mod:`monitor.config._checks`),
and a line of help. Loading, the unknown-key check and :data:`SETTINGS` are read off those
fields, so a new knob is one field.

Plain dataclasses rather than pydantic-settings: callers rely on ``dataclasses.replace``, the
flat attribute names differ from the file's ``[section] key`` names, the environment is a
mapping the caller passes in, and a bad value must read ``monitor.toml:LINE: section.key: …``;
a settings framework would have to be bent around each of these.

Tokens are read from the environment only and kept in :class:`Secret`, whose ``repr`` and
``str`` never show the value, so a stray log line or traceback cannot leak them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from monitor.clock import Clock, system_clock
from monitor.config import _checks as check
from monitor.config._checks import SHIPPED_CRONS, parse_duration
from monitor.config.locate import line_of_key, toml_syntax_error
from monitor.errors import ConfigError
from monitor.ids import web_base

__all__ = [
    "DEFAULT_TOP_REPOS",
    "SETTINGS",
    "SHIPPED_CRONS",
    "Schedule",
    "Secret",
    "Settings",
    "load_settings",
    "parse_duration",
]


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


@dataclass(frozen=True)
class SettingSpec:
    """One knob: its place in monitor.toml, its default as written there, its check, its variable.

    ``name`` is ``section.key`` (or ``key`` at the top level); ``""`` for an environment-only
    value (the tokens). A ``None`` default means the value is derived at load time.
    """

    name: str
    default: Any
    parse: Callable[[Any], Any]
    env: str | None = None
    help: str = ""

    @property
    def section(self) -> str:
        return self.name.rpartition(".")[0]

    @property
    def key(self) -> str:
        return self.name.rpartition(".")[2]


_ROW = "setting"  # the dataclass field metadata key holding a field's SettingSpec


def setting(
    name: str,
    default: Any,
    parse: Callable[[Any], Any],
    help: str,
    *,
    env: str | None = None,
    field_default: Any = None,
) -> Any:
    """A dataclass field that is also a row of monitor.toml.

    *default* is written as a user writes it in the file (``"30s"``) and parsed here, so the
    field's default is exactly what an absent key gives (``30``). A default derived at load
    time (``None``) leaves the field at *field_default*; ``MISSING`` makes the field required.
    """
    spec = SettingSpec(name, default, parse, env, help)
    value = field_default if default is None else parse(default)
    return field(default=value, metadata={_ROW: spec})


def token(env: str, help: str) -> dict[str, SettingSpec]:
    """The metadata of a credential field: read from *env* only and kept in a :class:`Secret`."""
    return {_ROW: SettingSpec("", None, Secret, env, help)}


def default_graphql_url(rest_url: str) -> str:
    """GitHub Enterprise serves GraphQL at /api/graphql beside its /api/v3 REST base."""
    if rest_url.endswith("/api/v3"):
        return rest_url[: -len("/v3")] + "/graphql"
    return rest_url + "/graphql"


_GITHUB_API = "https://api.github.com"

#: Repos of a project a report's tables show by stars and by growth (``report.top_repos``).
DEFAULT_TOP_REPOS = 10


@dataclass(frozen=True)
class Schedule:
    """The ``[schedule]`` table: when each daemon job runs."""

    collect: str = setting("schedule.collect", "6h", check.string(check.schedule),
                           "collection cycle")
    backfill: str = setting("schedule.backfill", "1d", check.string(check.schedule),
                            "history backfill")
    weekly_report: str = setting("schedule.weekly_report", check.WEEKLY_REPORT,
                                 check.string(check.schedule), "weekly report")
    monthly_report: str = setting("schedule.monthly_report", check.MONTHLY_REPORT,
                                  check.string(check.schedule), "monthly report")
    timezone: str = setting("schedule.timezone", "UTC", check.string(check.timezone),
                            "time zone of the cron")


@dataclass(frozen=True)
class Settings:
    """Every setting, parsed. Each field declares its own row; ``home`` comes from the caller.

    ``clock`` is no setting: it is the one clock of the process, given by whoever loads the
    settings (the CLI and the daemon: :func:`~monitor.clock.system_clock`; tests: a
    :class:`~monitor.clock.ManualClock`), and read by everything below that needs "now".
    """

    home: Path
    database_url: str = setting(
        "database_url", None, check.string(str),
        "SQLAlchemy URL; default sqlite:///<home>/storage/monitor.db",
        env="MONITOR_DATABASE_URL", field_default=MISSING,
    )
    github_api_url: str = setting("api.github_url", _GITHUB_API, check.string(check.url),
                                  "GitHub REST base", env="MONITOR_GITHUB_API_URL")
    github_graphql_url: str = setting(
        "api.github_graphql_url", None, check.string(check.url),
        "GitHub GraphQL endpoint; derived from the REST base",
        env="MONITOR_GITHUB_GRAPHQL_URL", field_default=default_graphql_url(_GITHUB_API),
    )
    gitee_api_url: str = setting("api.gitee_url", "https://gitee.com/api/v5",
                                 check.string(check.url), "Gitee API v5 base",
                                 env="MONITOR_GITEE_API_URL")
    github_token: Secret | None = field(default=None, repr=False, metadata=token(
        "GITHUB_TOKEN", "GitHub token; anonymous when unset"))
    gitee_token: Secret | None = field(default=None, repr=False, metadata=token(
        "GITEE_TOKEN", "Gitee token; anonymous when unset"))
    schedule: Schedule = Schedule()
    contributors_every: int = setting("collect.contributors_every", "1d",
                                      check.string(parse_duration),
                                      "how often contributor counts are refreshed")
    details_every: int = setting(
        "collect.details_every", "1d", check.string(parse_duration),
        "how often the metrics an owner's listing lacks (open PRs, releases; without a GitHub "
        "token also watchers and open issues), and a named Gitee repo's open PRs and releases, "
        "are refreshed",
    )
    max_reset_wait: int = setting(
        "collect.max_reset_wait", "5m", check.string(parse_duration),
        "wait for a rate-limit reset this near; defer the rest of the cycle otherwise",
    )
    concurrency: int = setting("collect.concurrency", 4, check.positive_int,
                               "requests in flight per platform")
    timeout: int = setting("collect.timeout", "30s", check.string(parse_duration),
                           "timeout per request")
    graphql_batch: int = setting("collect.graphql_batch", 50, check.positive_int,
                                 "repos per GitHub GraphQL query")
    budget_share: float = setting(
        "backfill.budget_share", 0.5, check.share,
        "largest share of the API budget left that one backfill run may spend",
    )
    backfill_max_requests: int = setting(
        "backfill.max_requests", 1000, check.positive_int,
        "requests one backfill run may make on a platform that tells no budget (Gitee)",
    )
    report_top_repos: int = setting(
        "report.top_repos", DEFAULT_TOP_REPOS, check.positive_int,
        "rows a report's tables show per project: top repos by stars and by growth, repos "
        "created, releases, failing repos (the JSON report has them all)",
    )
    clock: Clock = field(default=system_clock, repr=False, compare=False)

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

    @property
    def web_bases(self) -> dict[str, str]:
        """Each platform's web pages (``https://HOST``), from its API URL: a GitHub Enterprise
        API at ``https://HOST/api/v3`` has its pages, and so the reports' links, at
        ``https://HOST`` (:func:`~monitor.ids.web_base`)."""
        return {"github": web_base("github", self.github_api_url),
                "gitee": web_base("gitee", self.gitee_api_url)}


def _table(item: Field[Any]) -> type[Any] | None:
    """The dataclass of a field that holds a whole table (``schedule``), else None."""
    default = item.default
    return type(default) if is_dataclass(default) and not isinstance(default, type) else None


def _specs(cls: type[Any]) -> Iterator[SettingSpec]:
    """The rows of *cls*'s fields in declaration order, a nested table (Schedule) in place."""
    for item in fields(cls):
        if _ROW in item.metadata:
            yield item.metadata[_ROW]
        elif (table := _table(item)) is not None:
            yield from _specs(table)


#: Every setting of monitor.toml, in file order: read off the fields of Settings and Schedule.
SETTINGS: tuple[SettingSpec, ...] = tuple(spec for spec in _specs(Settings) if spec.name)


@dataclass(frozen=True)
class _Sources:
    """monitor.toml (its text, for line numbers, and its data) and the environment."""

    path: Path
    text: str
    data: dict[str, Any]
    environ: Mapping[str, str]

    def value(self, spec: SettingSpec) -> Any:
        """The environment's value, else the file's, else the default; parsed and checked."""
        table = self.data.get(spec.section, {}) if spec.section else self.data
        if spec.env and self.environ.get(spec.env):
            raw, where = self.environ[spec.env], None
        elif spec.name and spec.key in table:
            raw, where = table[spec.key], line_of_key(self.text, spec.key, spec.section)
        else:
            return None if spec.default is None else spec.parse(spec.default)
        try:
            return spec.parse(raw)
        except ValueError as exc:
            if where is None:
                raise ConfigError(f"{spec.env}: {exc}") from None
            raise ConfigError(f"{spec.name}: {exc}", self.path, where) from None

    def check_keys(self) -> None:
        """Reject a key or table no row declares, at its line: a typo must not pass silently."""
        known = {spec.section for spec in SETTINGS if spec.section}
        top = {spec.key for spec in SETTINGS if not spec.section}
        for section, value in self.data.items():
            is_table = isinstance(value, dict)
            if section in known and is_table:
                allowed = {spec.key for spec in SETTINGS if spec.section == section}
                for key in value:
                    if key not in allowed:
                        raise ConfigError(
                            f"unknown key {key!r} in [{section}] "
                            f"(known: {', '.join(sorted(allowed))})",
                            self.path, line_of_key(self.text, key, section),
                        )
            elif section not in top or is_table:
                raise ConfigError(f"unknown key {section!r}", self.path,
                                  line_of_key(self.text, section, ""))

    def fields_of(self, cls: type[Any]) -> dict[str, Any]:
        """Keyword arguments for *cls*: every field with a row, a nested table built in place."""
        values: dict[str, Any] = {}
        for item in fields(cls):
            if _ROW in item.metadata:
                values[item.name] = self.value(item.metadata[_ROW])
            elif (table := _table(item)) is not None:
                values[item.name] = table(**self.fields_of(table))
        return values


def resolve_home(home: str | Path | None, environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    chosen = home if home is not None else environ.get("MONITOR_HOME") or Path.cwd()
    return Path(chosen).expanduser().resolve()


def load_settings(
    home: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    clock: Clock = system_clock,
) -> Settings:
    """Read ``config/monitor.toml`` (optional) and the environment; raise ConfigError.

    *clock* rides along in the settings (see :class:`Settings`); it is not read from any file.

    The environment wins over the file, the file over the defaults; a bad value in the file is
    reported as ``path:line: section.key: …``, one in the environment as ``VARIABLE: …``.
    """
    environ = os.environ if environ is None else environ
    root = resolve_home(home, environ)
    path = root / "config" / "monitor.toml"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_syntax_error(path, exc) from None
    sources = _Sources(path, text, data, environ)
    sources.check_keys()
    values = sources.fields_of(Settings)
    database_url = values["database_url"] or f"sqlite:///{root / 'storage' / 'monitor.db'}"
    values["database_url"] = _absolute_sqlite(database_url, root)
    if values["github_graphql_url"] is None:
        values["github_graphql_url"] = default_graphql_url(values["github_api_url"])
    return Settings(home=root, clock=clock, **values)


def _absolute_sqlite(url: str, home: Path) -> str:
    """A relative SQLite path is relative to the home, like every other path."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(home / url[len(prefix):])
    return url
