"""Log lines for people and for grep: ``2026-11-27T03:40:00Z INFO event key=value …``.

Log calls are written ``log.info("collect.done repos=%d failed=%d", …)``: the first word is the
event, the rest key=value fields. Tokens are masked by a filter on the handler as a last line
of defence — the code never logs them, but a URL or an exception text might carry one. The
filter masks every part of a record a handler can print: the message and its arguments, the
exception (its text, its causes, its traceback), the stack and any ``extra`` field; so do the
CLI's last words on a crash (:func:`mask`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping
from urllib.parse import quote

__all__ = ["RedactingFilter", "mask", "setup_logging", "token_secrets"]

_TOKEN_VARIABLES = ("GITHUB_TOKEN", "GITEE_TOKEN")
_PLAIN = logging.Formatter()  # formats a traceback the way every handler would


def token_secrets(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The tokens of the environment, as they could appear: plain and percent-encoded."""
    env = os.environ if environ is None else environ
    found = {env.get(name, "") for name in _TOKEN_VARIABLES}
    found |= {quote(secret, safe="") for secret in found}
    return tuple(sorted((s for s in found if len(s) >= 4), key=len, reverse=True))


def mask(text: str, secrets: Iterable[str] | None = None) -> str:
    """*text* with every secret (by default: every token of the environment) replaced by ***."""
    for secret in token_secrets() if secrets is None else secrets:
        text = text.replace(secret, "***")
    return text


class RedactingFilter(logging.Filter):
    """Replace every known secret in every part of a record with ``***``.

    The record is masked in place, so every handler after this one sees it masked too. The
    exception is formatted here (traceback, causes and all), masked into ``exc_text`` and the
    live exception dropped from the record: no formatter can print its unmasked text again.
    """

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self._secrets = tuple(s for s in secrets if len(s) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        text = record.getMessage()
        masked = self._mask(text)
        if masked != text:
            record.msg, record.args = masked, None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = _PLAIN.formatException(record.exc_info)
            record.exc_info = None
        for name, value in list(vars(record).items()):  # exc_text, stack_info, extra fields
            if isinstance(value, str) and name != "msg":
                setattr(record, name, self._mask(value))
        return True

    def _mask(self, text: str) -> str:
        return mask(text, self._secrets)


class _UtcFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))


def setup_logging(verbose: int = 0) -> None:
    """Log to stderr: INFO by default, DEBUG with ``-v``; third-party chatter kept at WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(_UtcFormatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter(token_secrets()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "alembic", "apscheduler", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
