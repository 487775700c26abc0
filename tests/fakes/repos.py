"""The repos the fakes serve: one mutable record per repository, shared by both platforms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = ["DEFAULT_CREATED", "FakeRelease", "FakeRepo"]

DEFAULT_CREATED = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass
class FakeRelease:
    """A release; ``published_at`` None means never published (a draft)."""

    tag: str
    name: str | None = None
    published_at: datetime | None = None
    prerelease: bool = False
    draft: bool = False
    body: str = ""
    created_at: datetime | None = None  # defaults to published_at

    @property
    def created(self) -> datetime:
        return self.created_at or self.published_at or DEFAULT_CREATED


@dataclass
class FakeRepo:
    """One repository as a platform sees it. Mutable: tests change counts between requests."""

    id: int
    owner: str
    name: str
    created_at: datetime = DEFAULT_CREATED
    stars: int = 0
    forks: int = 0
    watchers: int = 0  # GitHub: subscribers; Gitee: watchers
    open_issues: int = 0  # issues only
    open_prs: int = 0
    contributors: int = 0  # anonymous included
    releases: list[FakeRelease] = field(default_factory=list)
    description: str | None = None
    empty: bool = False
    blocked: bool = False
    private: bool = False  # listed and served only to the tokens in ``readers``
    readers: frozenset[str] = frozenset()
    fork: bool = False
    archived: bool = False
    star_times: list[datetime] | None = None
    anonymous_contributors: int = 0  # GitHub: how many of ``contributors`` have no account
    owner_type: str = "Organization"  # or "User"
    language: str | None = "Python"
    updated_at: datetime | None = None
    pushed_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.star_times is not None:
            self.star_times = sorted(self.star_times)
            self.stars = len(self.star_times)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def star_count(self) -> int:
        return len(self.star_times) if self.star_times is not None else self.stars

    @property
    def last_modified(self) -> datetime:
        return self.updated_at or self.pushed_at or self.created_at

    def star_timeline(self, now: datetime) -> list[datetime]:
        """Star times, oldest first; synthesized evenly over the repo's life when not given."""
        if self.star_times is not None:
            return sorted(self.star_times)
        n = self.stars
        if n <= 0:
            return []
        span = max((now - self.created_at).total_seconds(), 1.0)
        return [self.created_at + timedelta(seconds=span * (i + 0.5) / n) for i in range(n)]

    def stargazers(self, now: datetime) -> list[tuple[int, datetime]]:
        """(user id, star time), oldest first. An id comes from its star's own time (and its
        rank among stars of the same instant), so withdrawing one star leaves every other
        stargazer's id as it was, as on the real platforms."""
        seen: dict[datetime, int] = {}
        out = []
        for when in self.star_timeline(now):
            rank = seen[when] = seen.get(when, -1) + 1
            micros = round(when.timestamp() * 1_000_000)
            out.append((micros * 8 + rank % 8, when))
        return out

    def give_star(self, when: datetime) -> None:
        """A star given at ``when`` (normally the fake's now)."""
        self._materialize(when).append(when)
        self.star_times = sorted(self.star_times or [])
        self.stars = len(self.star_times)

    def withdraw_star(self, when: datetime, now: datetime | None = None) -> None:
        """The star given at ``when`` is withdrawn: gone from the list and from its day's
        count, wherever it lies in history (ValueError if no star has that time)."""
        times = self._materialize(now or when)
        times.remove(when)
        self.stars = len(times)

    def _materialize(self, now: datetime) -> list[datetime]:
        if self.star_times is None:
            self.star_times = self.star_timeline(now)
        return self.star_times

    def published_releases(self) -> list[FakeRelease]:
        return [r for r in self.releases if not r.draft and r.published_at is not None]

    def visible_to(self, token: str | None) -> bool:
        """Whether a caller with *token* (None: anonymous) sees the repo at all."""
        return not self.private or (token is not None and token in self.readers)
