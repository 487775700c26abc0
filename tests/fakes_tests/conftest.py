from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.shared import REAL_API, require

REAL = REAL_API


def recorded(name: str) -> Any:
    path = require(REAL / name)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(headers={"User-Agent": "fake-tests/1.0"}, timeout=10) as c:
        yield c
