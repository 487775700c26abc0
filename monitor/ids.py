"""Repository identifiers: one canonical string per repo, ``platform:OWNER/NAME``.

Users paste URLs; the config stores the short form. Platforms compare owner and name without
regard to case, so :attr:`RepoId.key` is what duplicates are detected on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from monitor.errors import InputError

__all__ = ["PLATFORM_HOSTS", "OwnerId", "RepoId", "web_base"]

#: Known platforms and the web host their URLs use.
PLATFORM_HOSTS: dict[str, str] = {"github": "github.com", "gitee": "gitee.com"}
#: The path under which a platform serves its API beside its web pages, on a host of its own.
_API_PATHS: dict[str, str] = {"github": "/api/v3", "gitee": "/api/v5"}


def web_base(platform: str, api_url: str | None = None) -> str:
    """Where *platform*'s web pages live (``scheme://host``, no final slash), from its API base,
    by the platforms' own conventions:

    * ``https://HOST/api/v3`` (GitHub Enterprise Server) or ``https://HOST/api/v5`` (Gitee):
      the API is a path of the web host, so the pages are at ``https://HOST``;
    * ``https://api.HOST`` (``api.github.com``; GitHub Enterprise Cloud's
      ``api.SUBDOMAIN.ghe.com``): the pages are at ``https://HOST``;
    * anything else (a proxy, a test server) or no URL: the platform's public host.
    """
    public = f"https://{PLATFORM_HOSTS[platform]}"
    parts = urlsplit((api_url or "").rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return public
    api_path = _API_PATHS.get(platform)
    if api_path and parts.path.endswith(api_path):
        return f"{parts.scheme}://{parts.netloc}{parts.path.removesuffix(api_path)}"
    if parts.netloc.startswith("api.") and not parts.path:
        return f"{parts.scheme}://{parts.netloc.removeprefix('api.')}"
    return public

# GitHub: owners are alphanumeric with single hyphens; names allow letters, digits, '.', '-', '_'.
# Gitee paths allow the same characters. "." and ".." are never names.
_SEGMENT = r"[A-Za-z0-9_.-]{1,100}"
_SHORT = re.compile(rf"^(?P<platform>[a-z]+):(?P<owner>{_SEGMENT})/(?P<name>{_SEGMENT})$")
_OWNER = re.compile(rf"^(?P<platform>[a-z]+):(?P<owner>{_SEGMENT})$")
_URL = re.compile(
    rf"^https?://(?:www\.)?(?P<host>[A-Za-z0-9.-]+)/(?P<owner>{_SEGMENT})/(?P<name>{_SEGMENT})/?$"
)


@dataclass(frozen=True, order=True)
class RepoId:
    platform: str
    owner: str
    name: str

    @classmethod
    def parse(cls, text: str, *, allow_url: bool = False) -> RepoId:
        """Parse ``github:OWNER/NAME`` (or, with *allow_url*, a web URL of the repo)."""
        text = text.strip()
        match = _SHORT.match(text)
        if match:
            platform, owner, name = match["platform"], match["owner"], match["name"]
            if platform not in PLATFORM_HOSTS:
                known = ", ".join(f"{p}:" for p in PLATFORM_HOSTS)
                raise InputError(f"unknown platform {platform!r} in {text!r} (known: {known})")
        elif allow_url and (match := _URL.match(text)):
            host = match["host"].lower()
            platforms = [p for p, h in PLATFORM_HOSTS.items() if h == host]
            if not platforms:
                raise InputError(f"{text!r} is not a GitHub or Gitee repository URL")
            platform, owner, name = platforms[0], match["owner"], match["name"]
            if name.endswith(".git"):
                name = name[: -len(".git")]
        else:
            forms = "PLATFORM:OWNER/NAME" + (" or a repository URL" if allow_url else "")
            raise InputError(f"bad repository identifier {text!r}: expected {forms}")
        for segment in (owner, name):
            if segment in {".", ".."} or not segment:
                raise InputError(f"bad repository identifier {text!r}")
        return cls(platform, owner, name)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def key(self) -> str:
        """Case-insensitive identity, as the platforms resolve names."""
        return str(self).lower()

    @property
    def url(self) -> str:
        """The repo's page on its platform's public host (:meth:`web_url` for another)."""
        return self.web_url(web_base(self.platform))

    def web_url(self, base: str) -> str:
        """The repo's page under *base*, a :func:`web_base` (an Enterprise host, say)."""
        return f"{base}/{self.full_name}"

    def __str__(self) -> str:
        return f"{self.platform}:{self.owner}/{self.name}"


@dataclass(frozen=True, order=True)
class OwnerId:
    """An owner (organisation or user) on a platform: ``platform:OWNER``."""

    platform: str
    owner: str

    @classmethod
    def parse(cls, text: str) -> OwnerId:
        """Parse ``github:OWNER``."""
        match = _OWNER.match(text.strip())
        if not match or match["platform"] not in PLATFORM_HOSTS or match["owner"] in {".", ".."}:
            raise InputError(f"bad owner identifier {text!r}: expected PLATFORM:OWNER")
        return cls(match["platform"], match["owner"])

    @property
    def key(self) -> str:
        return str(self).lower()

    def owns(self, repo: RepoId) -> bool:
        return (repo.platform, repo.owner.lower()) == (self.platform, self.owner.lower())

    def __str__(self) -> str:
        return f"{self.platform}:{self.owner}"
