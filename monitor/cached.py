"""What a conditional request keeps of an earlier answer, and whose answer it is.

The HTTP layer makes and reads these; the store keeps them across restarts. Both import the type
from here, so the store knows nothing of platforms and the platforms nothing of the store.

A platform marks the requests it makes for one repo with :func:`owned_by`; the store files the
answers cached meanwhile under that repo (:func:`cache_owner`), so that they can be dropped when
the repo is no longer tracked. The mark is a context variable: each asyncio task the platform
starts inside the block inherits it, and concurrent repos never see each other's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

__all__ = ["CachedResponse", "cache_owner", "owned_by"]

_owner: ContextVar[str | None] = ContextVar("monitor_cache_owner", default=None)


@dataclass(frozen=True)
class CachedResponse:
    """What a conditional request needs to turn a free 304 back into the earlier answer."""

    etag: str | None
    last_modified: str | None
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # only the ones parsing needs (link…)
    body: bytes = b""


@contextmanager
def owned_by(repo_key: str) -> Iterator[None]:
    """Answers cached inside the block belong to the repo *repo_key* (``RepoId.key``)."""
    token = _owner.set(repo_key)
    try:
        yield
    finally:
        _owner.reset(token)


def cache_owner() -> str | None:
    """The repo the current request is about, if the platform said (:func:`owned_by`)."""
    return _owner.get()
