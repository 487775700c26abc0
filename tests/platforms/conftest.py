"""Recorded GitHub and Gitee answers (../shared/real-api), replayed through respx.

Why recordings rather than hand-written JSON: field names, header spellings and error wordings
are exactly what the platforms sent, so a parser that passes here has met the real thing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.shared import REAL_API, require


@pytest.fixture
def real_api() -> Path:
    """The folder of recorded responses; tests that need it skip when it is absent."""
    return require(REAL_API)


def load_body(path: Path) -> Any:
    """A recording's JSON body."""
    return json.loads(path.read_text(encoding="utf-8"))


def load_headers(path: Path) -> dict[str, str]:
    """A recording's ``.headers.txt``: ``#`` lines are notes, the others ``name: value``.

    The recorded ``status:`` pseudo-header and transfer framing (length, encoding) are dropped:
    the replay re-encodes the body, so they would lie about it.
    """
    headers: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or ":" not in line:
            continue
        name, _, value = line.partition(":")
        key = name.strip().lower()
        if key in {"status", "content-length", "content-encoding", "transfer-encoding"}:
            continue
        headers[key] = value.strip()
    return headers


class Recordings:
    """One platform's recordings folder, as bodies, headers and replayable responses."""

    def __init__(self, folder: Path):
        self.folder = folder

    def body(self, stem: str) -> Any:
        return load_body(self.folder / f"{stem}.json")

    def headers(self, stem: str) -> dict[str, str]:
        path = self.folder / f"{stem}.headers.txt"
        return load_headers(path) if path.exists() else {}

    def response(
        self, stem: str, status: int = 200, body: Any = None, **extra: str,
    ) -> httpx.Response:
        """``stem.json`` (or ``body``) with ``stem.headers.txt``; ``extra`` headers win
        (underscores become hyphens)."""
        headers = self.headers(stem)
        headers.update({k.replace("_", "-"): v for k, v in extra.items()})
        path = self.folder / f"{stem}.json"
        if body is None and path.exists():
            body = load_body(path)
        content = b"" if body is None else json.dumps(body).encode()
        return httpx.Response(status, headers=headers, content=content)


@pytest.fixture
def github_api(real_api: Path) -> Recordings:
    return Recordings(real_api / "github")


class FakeClock:
    """Sleeps that only record how long they would have been, and a clock they advance."""

    def __init__(self, start: datetime | None = None):
        self.now_value = start or datetime(2025, 1, 7, 7, 32, 15, tzinfo=UTC)
        self.waits: list[float] = []

    def now(self) -> datetime:
        return self.now_value

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now_value += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache() -> DictCache:
    return DictCache()


class DictCache:
    """The ResponseCache protocol over a dict, as the store would keep it."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    async def get(self, key: str) -> Any:
        return self.items.get(key)

    def put(self, key: str, response: Any) -> None:
        self.items[key] = response

