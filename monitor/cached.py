"""What a conditional request keeps of an earlier answer.

The HTTP layer makes and reads these; the store keeps them across restarts. Both import the type
from here, so the store knows nothing of platforms and the platforms nothing of the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CachedResponse"]


@dataclass(frozen=True)
class CachedResponse:
    """What a conditional request needs to turn a free 304 back into the earlier answer."""

    etag: str | None
    last_modified: str | None
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # only the ones parsing needs (link…)
    body: bytes = b""
