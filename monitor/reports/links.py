"""Which URLs a report may carry as links: the one rule, used when building and when rendering.

A URL from a platform's API (a release page, a repo page) is untrusted text. It becomes a link
only when it is an ``http(s)`` page on an allowed host (github.com, gitee.com and any configured
Enterprise host); anything else — ``javascript:``, a foreign host, credentials in the netloc,
characters that could break out of an attribute — is kept out (the report shows text instead).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from monitor.ids import PLATFORM_HOSTS

__all__ = ["DEFAULT_LINK_HOSTS", "safe_url"]

#: Hosts whose pages a report links to; other URLs are shown as text.
DEFAULT_LINK_HOSTS: frozenset[str] = frozenset(PLATFORM_HOSTS.values())

_UNSAFE_URL_CHARS = re.compile(r"[\s\\<>\"'`\x00-\x1f\x7f]")


def safe_url(url: str | None, hosts: Iterable[str] = DEFAULT_LINK_HOSTS) -> str | None:
    """*url* if it is an http(s) page on one of *hosts*, else None (shown as text, not a link)."""
    if not url or _UNSAFE_URL_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port  # raises on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "@" in parts.netloc:
        return None
    del port
    return url if host.lower().rstrip(".") in {h.lower() for h in hosts} else None
