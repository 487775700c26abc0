"""Where ``../shared`` (recorded API answers, GitHub's GraphQL schema) is, beside the checkout.

Its files are read in place, never copied (their licences are not ours); without the folder,
the tests that need it skip and say so.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL_API = SHARED / "real-api"
GITHUB_SCHEMA = SHARED / "github" / "schema.docs.graphql"


def require(path: Path) -> Path:
    """*path*, or skip the calling test when ``../shared`` does not have it."""
    if not path.exists():
        shown = path.relative_to(SHARED.parent) if path.is_relative_to(SHARED.parent) else path
        pytest.skip(f"../{shown} is absent: tests that need it are skipped")
    return path


@functools.cache
def github_schema() -> GraphQLSchema:
    """GitHub's published schema, built once (skips the test when ``../shared`` lacks it).

    The SDL breaks a few of graphql-core's own schema rules (a repeated field, deprecation
    mismatches); the schema is GitHub's, so it is assumed valid and only queries are checked.
    """
    sdl = require(GITHUB_SCHEMA).read_text(encoding="utf-8")
    return build_schema(sdl, assume_valid_sdl=True, assume_valid=True)


#: The ``killed`` fixture's value: ``with killed():`` expects a run to die as a killed process.
Killed = Callable[[], AbstractContextManager[object]]
