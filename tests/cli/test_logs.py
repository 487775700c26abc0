"""Log lines and what the command line prints on a crash: no token, whatever part carries it.

The tokens live in the environment; a record can carry one in its message, its arguments, the
exception it was logged with (text, cause, repr of headers), its stack or an ``extra`` field.
Every test goes through :func:`setup_logging`, the one handler the CLI and the daemon (``run``
is a CLI command) install, and reads what reached stderr.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import monitor.commands.status as status_command
from monitor.cli import main
from monitor.cli.logs import setup_logging

GITEE_TOKEN = "gitee_secret_token_4242"
GITHUB_TOKEN = "ghp_secret_token_4242abcd"
TOKENS = (GITEE_TOKEN, GITHUB_TOKEN)

log = logging.getLogger("monitor.test")

Logged = Callable[[], str]


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Both tokens in the environment; the root logger's handlers put back afterwards."""
    monkeypatch.setenv("GITEE_TOKEN", GITEE_TOKEN)
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:], root.level = handlers, level


@pytest.fixture
def logged(tokens: None, monkeypatch: pytest.MonkeyPatch) -> Logged:
    """Logging set up as the CLI does it; returns what reached stderr."""
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    setup_logging(0)
    return stderr.getvalue


def _gitee_answers_500() -> None:
    """Deep in some code: httpx's own error, whose text is the URL with the access_token."""
    url = f"https://gitee.com/api/v5/repos/a/b?access_token={GITEE_TOKEN}&page=2"
    response = httpx.Response(500, request=httpx.Request("GET", url))
    response.raise_for_status()


def _fetch() -> None:
    _gitee_answers_500()


def _github_refuses() -> None:
    """The repr of GitHub's request headers in an exception: ``Authorization: token …``."""
    headers = {"Accept": "application/json", "Authorization": f"token {GITHUB_TOKEN}"}
    raise RuntimeError(f"refused with headers {headers!r}")


def assert_masked(text: str) -> None:
    for token in TOKENS:
        assert token not in text
    assert "***" in text


def test_a_token_in_a_logged_exception_is_masked(logged: Logged) -> None:
    try:
        _fetch()
    except httpx.HTTPError:
        log.exception("collect.platform_error platform=%s", "gitee")
    err = logged()
    assert_masked(err)
    assert "Traceback" in err and "HTTPStatusError" in err  # the traceback is still there
    assert "access_token=***&page=2" in err


def test_a_token_in_the_cause_of_a_logged_exception_is_masked(logged: Logged) -> None:
    try:
        try:
            _github_refuses()
        except RuntimeError as exc:
            raise ValueError("batch failed") from exc
    except ValueError:
        log.exception("job.failed job=collect")
    err = logged()
    assert_masked(err)
    assert "'Authorization': 'token ***'" in err


def test_a_token_in_the_arguments_of_a_failed_job_is_masked(logged: Logged) -> None:
    try:
        _github_refuses()
    except RuntimeError as exc:
        log.exception("job.failed job=%s error=%r", "collect", exc)
    assert_masked(logged())


def test_every_part_of_the_record_is_masked_for_every_handler(logged: Logged) -> None:
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logging.getLogger().addHandler(Keep())  # after the CLI's handler, as a second handler would be
    try:
        _github_refuses()
    except RuntimeError:
        log.error("failed %s", GITHUB_TOKEN, exc_info=True, stack_info=True,
                  extra={"url": f"?access_token={GITEE_TOKEN}"})
    logged()
    (record,) = seen
    parts = [record.getMessage(), str(record.exc_text), str(record.stack_info),
             record.__dict__["url"], repr(record.exc_info)]
    for part in parts:
        assert GITHUB_TOKEN not in part and GITEE_TOKEN not in part


def test_a_crash_of_the_cli_prints_no_token(
    tokens: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    def crash(*_args: object, **_kwargs: object) -> None:
        _fetch()

    monkeypatch.setattr(status_command, "gather_status", crash)
    with pytest.raises(SystemExit) as exited:
        main(["--home", str(tmp_path), "status"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert_masked(err)
    assert "HTTPStatusError" in err
