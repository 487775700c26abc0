"""Data model shared by the fake GitHub and Gitee APIs: repos, budgets, faults, requests."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from monitor.clock import Clock, system_clock

from .repos import FakeRelease, FakeRepo

__all__ = [
    "Budget",
    "FakePlatform",
    "FakeRelease",
    "FakeRepo",
    "Fault",
    "LoggedRequest",
    "Request",
    "Response",
    "etag_for",
]


class Request(NamedTuple):
    method: str
    path: str  # below the platform prefix, e.g. "/repos/o/r"
    query: list[tuple[str, str]]
    raw_query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str  # e.g. http://127.0.0.1:PORT/github

    def param(self, name: str, default: str | None = None) -> str | None:
        for key, value in reversed(self.query):
            if key == name:
                return value
        return default

    def int_param(self, name: str, default: int) -> int:
        try:
            return int(self.param(name) or "")
        except ValueError:
            return default

    @property
    def url(self) -> str:
        return self.base_url + self.path + (f"?{self.raw_query}" if self.raw_query else "")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class LoggedRequest(NamedTuple):
    """One request as the server saw it; ``headers`` have lower-case names."""

    platform: str
    method: str
    path: str
    query: dict[str, str]
    status: int
    headers: dict[str, str]


@dataclass
class Budget:
    """An hourly request budget (GitHub's primary limit, or the fake Gitee limit)."""

    limit: int
    used: int = 0
    reset: int = 0  # epoch seconds

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def refresh(self, now: float) -> None:
        if now >= self.reset:
            self.used = 0
            self.reset = int(now) + 3600


@dataclass
class Fault:
    kind: str  # "5xx", "secondary", "malformed", "throttle"
    count: int
    status: int = 500
    pattern: re.Pattern[str] | None = None
    retry_after: int | None = None
    after: int = 0  # matching requests let through before the fault starts

    def matches(self, path: str) -> bool:
        return self.pattern is None or self.pattern.search(path) is not None


def etag_for(body: bytes, token: str | None) -> str:
    """Strong ETag from the body and the token: the same body differs per token, like GitHub."""
    digest = hashlib.sha256(body + b"\0" + (token or "").encode()).hexdigest()
    return f'"{digest}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(c.strip().removeprefix("W/") == wanted for c in if_none_match.split(","))


class FakePlatform:
    """Repos, budgets and fault switches common to both fakes. Every method is thread-safe."""

    platform = ""

    def __init__(
        self,
        repos: Iterable[FakeRepo] = (),
        *,
        anon_limit: int = 60,
        token_limit: int = 5000,
        clock: Clock | None = None,
    ) -> None:
        self.lock = threading.RLock()
        #: "Now" for everything time-dependent: budgets' resets, synthesized star times, star
        #: history's current week. Tests give the monitor's clock (see fixtures.py).
        self.clock: Clock = clock or system_clock
        self.anon_limit = anon_limit
        self.token_limit = token_limit
        self.bad_tokens: set[str] = set()
        self._repos: dict[int, FakeRepo] = {}
        self._old_names: dict[str, int] = {}
        self._budgets: dict[tuple[str, str | None], Budget] = {}
        self._faults: list[Fault] = []
        self._owners: dict[str, str] = {}  # login, lower case -> "Organization" or "User"
        for repo in repos:
            self.add(repo)

    # -- repos ---------------------------------------------------------------------------
    def add(self, repo: FakeRepo) -> FakeRepo:
        with self.lock:
            self._repos[repo.id] = repo
            return repo

    def remove(self, full_name: str) -> None:
        with self.lock:
            repo = self.repo(full_name)
            del self._repos[repo.id]

    def repo(self, full_name: str) -> FakeRepo:
        """The repo now called ``full_name`` (KeyError if none)."""
        with self.lock:
            for repo in self._repos.values():
                if repo.full_name.lower() == full_name.lower():
                    return repo
        raise KeyError(full_name)

    def by_id(self, repo_id: int) -> FakeRepo | None:
        with self.lock:
            return self._repos.get(repo_id)

    @property
    def repos(self) -> list[FakeRepo]:
        with self.lock:
            return list(self._repos.values())

    def rename(self, old_full_name: str, new_owner: str, new_name: str) -> FakeRepo:
        """Rename or transfer; the id stays, the old name keeps pointing at it."""
        with self.lock:
            repo = self.repo(old_full_name)
            self._old_names[old_full_name.lower()] = repo.id
            repo.owner, repo.name = new_owner, new_name
            return repo

    def resolve(self, owner: str, name: str) -> tuple[FakeRepo | None, bool]:
        """(repo, found_under_an_old_name)."""
        full = f"{owner}/{name}".lower()
        with self.lock:
            for repo in self._repos.values():
                if repo.full_name.lower() == full:
                    return repo, False
            old = self._old_names.get(full)
            if old is not None and old in self._repos:
                return self._repos[old], True
        return None, False

    # -- owners --------------------------------------------------------------------------
    def add_owner(self, login: str, kind: str = "Organization") -> None:
        """An organisation (or, ``kind="User"``, a user) that exists even while it holds no
        repo; an owner holding repos exists anyway, of its repos' ``owner_type``."""
        with self.lock:
            self._owners[login.lower()] = kind

    def owner_kind(self, login: str) -> str | None:
        """``"Organization"``, ``"User"``, or None when no such owner exists."""
        with self.lock:
            kind = self._owners.get(login.lower())
            if kind is not None:
                return kind
            held = [r for r in self._repos.values() if r.owner.lower() == login.lower()]
            return min(held, key=lambda r: r.id).owner_type if held else None

    def owned(self, login: str, token: str | None = None) -> list[FakeRepo]:
        """The repos *login* holds now that a caller with *token* may see, oldest id first."""
        with self.lock:
            return sorted(
                (r for r in self._repos.values()
                 if r.owner.lower() == login.lower() and r.visible_to(token)),
                key=lambda r: r.id,
            )

    def add_owner_repos(
        self, login: str, count: int, *, kind: str = "Organization", first_id: int = 1_000_000,
        prefix: str = "repo", **fields: Any,
    ) -> list[FakeRepo]:
        """*count* repos ``prefix-0000``… held by *login*, ids from *first_id*, stars and forks
        varying by index; *fields* (``fork=True``…) apply to every one. Cheap: a thousand
        repos for a benchmark take milliseconds."""
        made = []
        with self.lock:
            self._owners.setdefault(login.lower(), kind)
            for i in range(count):
                repo = FakeRepo(
                    id=first_id + i, owner=login, name=f"{prefix}-{i:04d}", owner_type=kind,
                    stars=(i * 7) % 1000, forks=(i * 3) % 100, watchers=i % 50,
                    open_issues=i % 13, open_prs=i % 5, **fields,
                )
                made.append(self.add(repo))
        return made

    def transfer(self, full_name: str, new_owner: str) -> FakeRepo:
        """The repo moves to *new_owner* under its name (its old name keeps pointing at it):
        it leaves the old owner's listing and appears in the new one's."""
        with self.lock:
            kind = self.owner_kind(new_owner)
            repo = self.rename(full_name, new_owner, self.repo(full_name).name)
            repo.owner_type = kind or repo.owner_type
            return repo

    # -- budgets -------------------------------------------------------------------------
    def default_limit(self, resource: str, token: str | None) -> int:
        return self.token_limit if token else self.anon_limit

    def budget(self, token: str | None = None, resource: str = "core") -> Budget:
        """The live budget of ``token`` (None: anonymous) for ``resource``."""
        with self.lock:
            key = (resource, token)
            budget = self._budgets.get(key)
            if budget is None:
                budget = Budget(limit=self.default_limit(resource, token))
                self._budgets[key] = budget
            budget.refresh(self.clock().timestamp())
            return budget

    def set_budget(
        self,
        token: str | None = None,
        *,
        resource: str = "core",
        limit: int | None = None,
        remaining: int | None = None,
        reset: int | None = None,
    ) -> Budget:
        with self.lock:
            budget = self.budget(token, resource)
            if limit is not None:
                budget.limit = limit
            if remaining is not None:
                budget.used = budget.limit - remaining
            if reset is not None:
                budget.reset = reset
            return budget

    # -- faults --------------------------------------------------------------------------
    def _add_fault(self, fault: Fault) -> None:
        with self.lock:
            self._faults.append(fault)

    def fail_next(
        self, n: int = 1, status: int = 500, path_pattern: str | None = None, *, after: int = 0,
    ) -> None:
        """The next ``n`` matching requests answer ``status`` (a 5xx), once ``after`` more
        matching ones have been answered as usual (a failure mid-listing, say)."""
        self._add_fault(Fault("5xx", n, status, _compile(path_pattern), after=after))

    def malformed_next(self, n: int = 1, path_pattern: str | None = None) -> None:
        """The next ``n`` matching successful answers carry a truncated JSON body."""
        self._add_fault(Fault("malformed", n, 200, _compile(path_pattern)))

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()

    def take_fault(self, kinds: tuple[str, ...], path: str) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.count > 0 and fault.matches(path):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
        return None


def _compile(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def paging(total: int, page: int, per_page: int) -> tuple[int, int, int]:
    """(start, stop, last_page) of a 1-based page."""
    last = max((total + per_page - 1) // per_page, 1)
    start = (max(page, 1) - 1) * per_page
    return start, min(start + per_page, total), last
