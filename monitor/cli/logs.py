"""Log lines for people and for grep: ``2026-11-27T03:40:00Z INFO event key=value …``.

Log calls are written ``log.info("collect.done repos=%d failed=%d", …)``: the first word is the
event, the rest key=value fields. Tokens are masked by a filter on the handler as a last line
of defence — the code never logs them, but a URL or an exception text might carry one.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable

__all__ = ["RedactingFilter", "setup_logging"]

_TOKEN_VARIABLES = ("GITHUB_TOKEN", "GITEE_TOKEN")


class RedactingFilter(logging.Filter):
    """Replace every known secret in a record's final text with ``***``."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self._secrets = tuple(s for s in secrets if len(s) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        text = record.getMessage()
        masked = text
        for secret in self._secrets:
            masked = masked.replace(secret, "***")
        if masked != text:
            record.msg, record.args = masked, None
        return True


class _UtcFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))


def setup_logging(verbose: int = 0) -> None:
    """Log to stderr: INFO by default, DEBUG with ``-v``; third-party chatter kept at WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(_UtcFormatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter(os.environ.get(v, "") for v in _TOKEN_VARIABLES))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "alembic", "apscheduler", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
