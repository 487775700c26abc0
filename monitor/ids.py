"""Repository identifiers: one canonical string per repo, ``platform:OWNER/NAME``.

Users paste URLs; the config stores the short form. Platforms compare owner and name without
regard to case, so :attr:`RepoId.key` is what duplicates are detected on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.errors import InputError

__all__ = ["PLATFORM_HOSTS", "RepoId"]

#: Known platforms and the web host their URLs use.
PLATFORM_HOSTS: dict[str, str] = {"github": "github.com", "gitee": "gitee.com"}

# GitHub: owners are alphanumeric with single hyphens; names allow letters, digits, '.', '-', '_'.
# Gitee paths allow the same characters. "." and ".." are never names.
_SEGMENT = r"[A-Za-z0-9_.-]{1,100}"
_SHORT = re.compile(rf"^(?P<platform>[a-z]+):(?P<owner>{_SEGMENT})/(?P<name>{_SEGMENT})$")
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
        return f"https://{PLATFORM_HOSTS[self.platform]}/{self.full_name}"

    def __str__(self) -> str:
        return f"{self.platform}:{self.owner}/{self.name}"
