"""What a platform answered, as :class:`~monitor.platforms.http.HttpClient` hands it on: a
:class:`Reply` (status, headers, body, the redacted URL), the reading of its Link header that
paging needs (:func:`parse_links`, :func:`last_page`), and what the response cache keeps of a
listing page (:class:`ListFields`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from monitor.errors import MalformedResponse

__all__ = ["ListFields", "Reply", "last_page", "parse_links"]


@dataclass(frozen=True)
class Reply:
    """An answer: fresh from the platform, or the cached one a 304 confirmed."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str  # redacted
    from_cache: bool = False

    def json(self) -> Any:
        try:
            return orjson.loads(self.body)
        except ValueError:  # orjson.JSONDecodeError is one
            raise MalformedResponse(f"{self.url}: the body is not JSON") from None

    @property
    def links(self) -> dict[str, str]:
        """The URLs of its Link header by ``rel`` (``next``, ``last``…)."""
        return parse_links(self.headers.get("link"))

    def header_int(self, name: str) -> int | None:
        value = self.headers.get(name)
        try:
            return int(value) if value is not None else None
        except ValueError:
            raise MalformedResponse(f"{self.url}: header {name} is not a number") from None


@dataclass(frozen=True)
class ListFields:
    """The fields a reader reads of each object of a JSON list answer (a listing page): what
    the response cache keeps of such an answer, so that a 304 hands back only those.

    A REST page of a hundred repos is half a megabyte, of which a listing reads a tenth; kept
    whole, every unchanged page of every cycle is read back from the store and parsed whole.
    The cache key names the fields (:attr:`tag`): a reader that comes to read another field
    asks the page afresh rather than finding it missing.
    """

    names: frozenset[str]

    @property
    def tag(self) -> str:
        """A short name of the field set, for the cache key."""
        return hashlib.sha256(",".join(sorted(self.names)).encode()).hexdigest()[:12]

    def keep(self, body: bytes) -> bytes:
        """*body* with only these fields of each object; a body that is not a JSON list of
        objects is kept as it is (its reader says what is wrong with it)."""
        try:
            items = orjson.loads(body)
        except ValueError:
            return body
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            return body
        return orjson.dumps([{k: v for k, v in item.items() if k in self.names}
                             for item in items])


def parse_links(link_header: str | None) -> dict[str, str]:
    """The URLs of a Link header by ``rel``, parsed by httpx (``Response.links``)."""
    if not link_header:
        return {}
    parsed = httpx.Response(200, headers={"link": link_header}).links
    return {rel: link["url"] for rel, link in parsed.items() if rel and "rel" in link}


def last_page(link_header: str | None) -> int | None:
    """The page number of ``rel="last"`` in a Link header; None when there is no last page."""
    url = parse_links(link_header).get("last")
    try:
        page = httpx.URL(url).params.get("page") if url is not None else None
    except httpx.InvalidURL:
        return None
    return int(page) if page is not None and page.isdecimal() else None
