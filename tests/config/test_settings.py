"""config/monitor.toml and the environment: defaults, overrides, and errors with file:line."""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from monitor.config.cron import cron_trigger
from monitor.config.settings import (
    SETTINGS,
    SHIPPED_CRONS,
    Schedule,
    Secret,
    Settings,
    load_settings,
)
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def home_with(tmp_path: Path, text: str) -> Path:
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "monitor.toml").write_text(text, encoding="utf-8")
    return tmp_path


def settings_error(tmp_path: Path, text: str) -> str:
    home = home_with(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(home, {})
    message = str(info.value)
    assert "\n" not in message
    return message


def where(tmp_path: Path, line: int) -> str:
    return f"{tmp_path.resolve() / 'config' / 'monitor.toml'}:{line}: "


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {})
    assert settings.home == tmp_path.resolve()
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'storage' / 'monitor.db'}"
    assert settings.github_api_url == "https://api.github.com"
    assert settings.github_graphql_url == "https://api.github.com/graphql"
    assert settings.gitee_api_url == "https://gitee.com/api/v5"
    assert settings.schedule == Schedule()
    assert (settings.github_token, settings.gitee_token) == (None, None)
    assert (settings.concurrency, settings.timeout, settings.budget_share) == (4, 30, 0.5)


def test_shipped_file_gives_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "monitor.toml", tmp_path / "config" / "monitor.toml")
    shipped = load_settings(tmp_path, {})
    assert shipped == replace(load_settings(tmp_path / "bare", {}), home=tmp_path.resolve(),
                              database_url=load_settings(tmp_path, {}).database_url)
    assert shipped.database_url == f"sqlite:///{tmp_path.resolve() / 'storage' / 'monitor.db'}"


def test_shipped_file_mentions_every_setting() -> None:
    text = (ROOT / "config" / "monitor.toml").read_text(encoding="utf-8")
    for spec in SETTINGS:
        assert f"{spec.key} = " in text, spec.name


def test_shipped_file_writes_the_spec_schedule_active() -> None:
    text = (ROOT / "config" / "monitor.toml").read_text(encoding="utf-8")
    assert '\n[schedule]\ncollect = "6h"' in text
    assert "\ntimezone = \"UTC\"\n" in text


@pytest.mark.parametrize("cron", sorted(SHIPPED_CRONS))
def test_a_shipped_cron_is_one_the_daemon_fires_by(cron: str) -> None:
    """Loading settings trusts these without APScheduler (``status`` starts without it)."""
    assert cron_trigger(cron) is not None  # a bad one raises ValueError


def test_the_shipped_crons_are_the_default_and_shipped_file_schedules() -> None:
    shipped = tomllib.loads((ROOT / "config" / "monitor.toml").read_text(encoding="utf-8"))
    crons = {value for value in shipped["schedule"].values() if len(value.split()) == 5}
    defaults = Schedule()
    assert crons == {defaults.weekly_report, defaults.monthly_report} == SHIPPED_CRONS


def test_home_comes_from_monitor_home(tmp_path: Path) -> None:
    assert load_settings(None, {"MONITOR_HOME": str(tmp_path)}).home == tmp_path.resolve()


def test_file_values_are_read(tmp_path: Path) -> None:
    home = home_with(tmp_path, '[schedule]\ncollect = "15m"\n\n[collect]\ntimeout = "1m"\n')
    settings = load_settings(home, {})
    assert settings.schedule.collect == "15m"
    assert settings.timeout == 60


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    home = home_with(tmp_path, '[api]\ngitee_url = "https://file.example/api/v5"\n')
    settings = load_settings(home, {"MONITOR_GITEE_API_URL": "https://env.example/api/v5"})
    assert settings.gitee_api_url == "https://env.example/api/v5"


def test_enterprise_rest_url_derives_api_graphql(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"MONITOR_GITHUB_API_URL": "https://h/api/v3"})
    assert settings.github_graphql_url == "https://h/api/graphql"


def test_other_rest_url_derives_slash_graphql(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"MONITOR_GITHUB_API_URL": "http://127.0.0.1:9000/"})
    assert settings.github_api_url == "http://127.0.0.1:9000"
    assert settings.github_graphql_url == "http://127.0.0.1:9000/graphql"


def test_explicit_graphql_url_wins(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {
        "MONITOR_GITHUB_API_URL": "https://h/api/v3",
        "MONITOR_GITHUB_GRAPHQL_URL": "https://g/graphql",
    })
    assert settings.github_graphql_url == "https://g/graphql"


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^MONITOR_GITHUB_API_URL: expected an http"):
        load_settings(tmp_path, {"MONITOR_GITHUB_API_URL": "api.github.com"})


def test_syntax_error_has_line(tmp_path: Path) -> None:
    message = settings_error(tmp_path, '[schedule]\ncollect = 6h\n')
    assert message.startswith(where(tmp_path, 2) + "TOML syntax error")


def test_unknown_key_in_section_has_line(tmp_path: Path) -> None:
    message = settings_error(tmp_path, '[schedule]\ncollect = "6h"\ncolect = "1h"\n')
    assert message.startswith(where(tmp_path, 3) + "unknown key 'colect' in [schedule]")


def test_unknown_section_has_line(tmp_path: Path) -> None:
    message = settings_error(tmp_path, '# settings\n\n[scheduler]\ncollect = "6h"\n')
    assert message.startswith(where(tmp_path, 3) + "unknown key 'scheduler'")


def test_bad_duration_has_line(tmp_path: Path) -> None:
    message = settings_error(tmp_path, '[collect]\nconcurrency = 2\ntimeout = "5x"\n')
    assert message.startswith(where(tmp_path, 3) + "collect.timeout: expected a duration")


def test_cron_with_four_fields_has_line(tmp_path: Path) -> None:
    message = settings_error(tmp_path, '[schedule]\nweekly_report = "0 8 * *"\n')
    assert message.startswith(where(tmp_path, 2) + "schedule.weekly_report:")


def test_cron_out_of_range_has_line(tmp_path: Path) -> None:
    message = settings_error(tmp_path, '[schedule]\n\nmonthly_report = "99 8 1 * *"\n')
    assert message.startswith(where(tmp_path, 3) + "schedule.monthly_report: bad cron")


def test_bad_timezone_has_line(tmp_path: Path) -> None:
    message = settings_error(tmp_path, '[schedule]\ntimezone = "Mars/Olympus"\n')
    assert message.startswith(where(tmp_path, 2) + "schedule.timezone: unknown time zone")


def test_tokens_come_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"GITHUB_TOKEN": "ghp_x", "GITEE_TOKEN": "gitee_y"})
    assert settings.github_token is not None and settings.github_token.reveal() == "ghp_x"
    assert settings.gitee_token is not None and settings.gitee_token.reveal() == "gitee_y"


def test_secret_never_shows_the_token() -> None:
    secret = Secret("ghp_supersecret")
    assert "supersecret" not in repr(secret)
    assert "supersecret" not in str(secret)
    assert "supersecret" not in f"{secret} {secret!r}"


def test_settings_repr_never_shows_the_token(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"GITHUB_TOKEN": "ghp_supersecret"})
    assert "supersecret" not in repr(settings)


def test_relative_sqlite_url_is_resolved_against_home(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"MONITOR_DATABASE_URL": "sqlite:///data/m.db"})
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'data' / 'm.db'}"


def test_absolute_sqlite_url_is_kept(tmp_path: Path) -> None:
    home = home_with(tmp_path, 'database_url = "sqlite:////var/lib/m.db"\n')
    assert load_settings(home, {}).database_url == "sqlite:////var/lib/m.db"


def test_postgresql_url_is_kept(tmp_path: Path) -> None:
    url = "postgresql+psycopg://u@db/monitor"
    assert load_settings(tmp_path, {"MONITOR_DATABASE_URL": url}).database_url == url


def test_field_defaults_are_what_an_empty_home_loads(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path, {})
    assert loaded == Settings(home=loaded.home, database_url=loaded.database_url)


def test_empty_token_variable_means_anonymous(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"GITHUB_TOKEN": "", "GITEE_TOKEN": ""})
    assert (settings.github_token, settings.gitee_token) == (None, None)



@pytest.mark.parametrize("weekdays", ["0", "7", "1-5", "mon-fri", "5-7", "*/2", "0,6", "Sun"])
def test_cron_weekdays_of_standard_crontab_are_accepted(tmp_path: Path, weekdays: str) -> None:
    home = home_with(tmp_path, f'[schedule]\nweekly_report = "0 8 * * {weekdays}"\n')
    assert load_settings(home, {}).schedule.weekly_report == f"0 8 * * {weekdays}"


@pytest.mark.parametrize("weekdays", ["8", "fri-mon", "5-2", "1-", "mon/x", "funday", "*/0"])
def test_bad_cron_weekday_has_line(tmp_path: Path, weekdays: str) -> None:
    message = settings_error(tmp_path, f'[schedule]\n\nweekly_report = "0 8 * * {weekdays}"\n')
    assert message.startswith(where(tmp_path, 3) + "schedule.weekly_report: bad cron expression")
    assert "day of week" in message


def test_the_clock_rides_in_the_settings_but_is_no_setting(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from monitor.clock import ManualClock
    from monitor.config.settings import SETTINGS

    clock = ManualClock(datetime(2021, 1, 4, tzinfo=UTC))
    settings = load_settings(tmp_path, {}, clock=clock)
    assert settings.clock is clock and settings.clock() == datetime(2021, 1, 4, tzinfo=UTC)
    assert "clock=" not in repr(settings) and "ManualClock" not in repr(settings)
    assert not any("clock" in spec.name for spec in SETTINGS)


def test_report_top_repos_defaults_to_ten(tmp_path: Path) -> None:
    assert load_settings(tmp_path, {}).report_top_repos == 10


def test_report_top_repos_is_read_from_the_report_table(tmp_path: Path) -> None:
    home = home_with(tmp_path, "[report]\ntop_repos = 25\n")
    assert load_settings(home, {}).report_top_repos == 25


@pytest.mark.parametrize("bad", ["0", "-3", '"ten"', "2.5", "true"])
def test_bad_report_top_repos_has_line(tmp_path: Path, bad: str) -> None:
    message = settings_error(tmp_path, f"[report]\n\ntop_repos = {bad}\n")
    assert message.startswith(where(tmp_path, 3) + "report.top_repos: ")
