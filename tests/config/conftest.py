"""Fixtures of the config tests (the helpers are in tests/repos_toml.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.repos_toml import SAMPLE, write_repos


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """``repos.toml`` holding :data:`~tests.repos_toml.SAMPLE`, in the test's own folder."""
    return write_repos(tmp_path, SAMPLE)
