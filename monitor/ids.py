"""Repository and owner identifiers: one canonical string per repo, ``platform:OWNER/NAME``,
and per owner (an organisation or a user), ``platform:OWNER``.

Users paste URLs; the config stores the short form. Platforms compare owner and name without
regard to case, so :attr:`RepoId.key` and :attr:`OwnerId.key` are what duplicates are detected on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from monitor.errors import InputError

__all__ = ["PLATFORM_HOSTS", "OwnerId", "RepoId", "parse_tracked", "web_base"]

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
_URL = re.compile(
    rf"^https?://(?:www\.)?(?P<host>[A-Za-z0-9.-]+)/(?P<owner>{_SEGMENT})/(?P<name>{_SEGMENT})/?$"
)
_OWNER_SHORT = re.compile(rf"^(?P<platform>[a-z]+):(?P<owner>{_SEGMENT})$")
_OWNER_URL = re.compile(rf"^https?://(?:www\.)?(?P<host>[A-Za-z0-9.-]+)/(?P<owner>{_SEGMENT})/?$")
#: What an owner looks like before it is checked: ``x:y`` without a slash, or a one-segment URL.
_OWNER_SHAPE = re.compile(r"^[^:/]*:[^/]*$")
_OWNER_URL_SHAPE = re.compile(r"^https?://[^/]*/[^/]*/?$")


def _check_platform(platform: str, text: str) -> None:
    if platform not in PLATFORM_HOSTS:
        known = ", ".join(f"{p}:" for p in PLATFORM_HOSTS)
        raise InputError(f"unknown platform {platform!r} in {text!r} (known: {known})")


def _platform_of_host(host: str) -> str | None:
    return next((p for p, h in PLATFORM_HOSTS.items() if h == host.lower()), None)


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
            _check_platform(platform, text)
        elif allow_url and (match := _URL.match(text)):
            found = _platform_of_host(match["host"])
            if found is None:
                raise InputError(f"{text!r} is not a GitHub or Gitee repository URL")
            platform, owner, name = found, match["owner"], match["name"]
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

    @cached_property  # asked thousands of times a cycle; the id is frozen
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
    """An organisation or a user on a platform: every public repo it holds, as one unit."""

    platform: str
    owner: str

    @classmethod
    def parse(cls, text: str, *, allow_url: bool = False) -> OwnerId:
        """Parse ``github:OWNER`` (or, with *allow_url*, ``https://github.com/OWNER``)."""
        text = text.strip()
        match = _OWNER_SHORT.match(text)
        if match:
            platform, owner = match["platform"], match["owner"]
            _check_platform(platform, text)
        elif allow_url and (match := _OWNER_URL.match(text)):
            found = _platform_of_host(match["host"])
            if found is None:
                raise InputError(f"{text!r} is not a GitHub or Gitee owner URL")
            platform, owner = found, match["owner"]
        else:
            forms = "PLATFORM:OWNER" + (" or an owner URL" if allow_url else "")
            raise InputError(f"bad owner identifier {text!r}: expected {forms}")
        if owner in {".", ".."}:
            raise InputError(f"bad owner identifier {text!r}")
        return cls(platform, owner)

    @cached_property  # asked thousands of times a cycle; the id is frozen
    def key(self) -> str:
        """Case-insensitive identity, as the platforms resolve names."""
        return str(self).lower()

    def owns(self, repo: RepoId) -> bool:
        """Whether *repo*'s id puts it under this owner (as the platforms compare: any case)."""
        return repo.platform == self.platform and repo.owner.lower() == self.owner.lower()

    def __str__(self) -> str:
        return f"{self.platform}:{self.owner}"


def parse_tracked(text: str, *, allow_url: bool = False) -> RepoId | OwnerId:
    """One argument of ``track``/``untrack``: a repo, or an owner (every repo it holds).

    The shape decides which: ``platform:OWNER`` or a one-segment URL is an owner, anything with
    a NAME is a repo, so a malformed id gets the message of the kind it was meant to be.
    """
    stripped = text.strip()
    if _OWNER_SHAPE.match(stripped) or _OWNER_URL_SHAPE.match(stripped):
        return OwnerId.parse(stripped, allow_url=allow_url)
    if ":" not in stripped and "/" not in stripped:
        url = " or a URL of either" if allow_url else ""
        raise InputError(
            f"bad identifier {stripped!r}: expected PLATFORM:OWNER/NAME or PLATFORM:OWNER{url}"
        )
    return RepoId.parse(stripped, allow_url=allow_url)
