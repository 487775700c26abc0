"""The fake server in a process of its own, as the real services are: its work is its own CPU's,
not taken from the collector being measured (in-process, its handler threads would share the
collector's interpreter lock). The benchmark asks it for its request log and budgets over a pipe.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from tests.fakes import FakeServer
from tests.fakes.state import FakePlatform, LoggedRequest

__all__ = ["RemoteFake"]


class RemoteFake:
    """``with RemoteFake(build, "github") as remote:`` serves the server ``build()`` makes (not
    started) from a forked child process until the block ends. The child builds it: the fake's
    objects never sit in the collector's heap (its garbage collector would walk them)."""

    def __init__(self, build: Callable[[], FakeServer], platform: str) -> None:
        self._build, self._platform = build, platform
        self._pipe: Connection | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._env: dict[str, str] = {}

    def __enter__(self) -> RemoteFake:
        context = multiprocessing.get_context("fork")  # the child starts with the fakes built
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(self._build, self._platform, child),
                                        daemon=True)
        self._process.start()
        self._env = self._ask("env")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pipe is not None and self._process is not None:
            self._pipe.send(("stop",))
            self._process.join(timeout=10)
        self._pipe = self._process = None

    def env(self) -> dict[str, str]:
        """The MONITOR_* variables that point aoss-monitor at the fake."""
        return dict(self._env)

    def requests_since(self, seen: int) -> list[LoggedRequest]:
        """The requests the fake logged after its first *seen*."""
        found: list[LoggedRequest] = self._ask("requests", seen)
        return found

    def answered_since(self, seen: int) -> list[tuple[str, float]]:
        """The path and answer time of the requests the fake answered after its first *seen*."""
        found: list[tuple[str, float]] = self._ask("answered", seen)
        return found

    def used(self, token: str | None, resources: tuple[str, ...]) -> int:
        """Rate-limit points the fake charged *token* so far, over *resources*."""
        points: int = self._ask("used", token, resources)
        return points

    def errors(self) -> list[str]:
        """The fake's own crashes, as text (each also answered 500)."""
        found: list[str] = self._ask("errors")
        return found

    def _ask(self, *message: Any) -> Any:
        assert self._pipe is not None, "RemoteFake is not started"
        self._pipe.send(message)
        return self._pipe.recv()


def _serve(build: Callable[[], FakeServer], platform: str, pipe: Connection) -> None:
    server = build()
    fake: FakePlatform = server.github if platform == "github" else server.gitee
    with server:
        while True:
            command, *args = pipe.recv()
            if command == "stop":
                return
            if command == "env":
                pipe.send(server.env())
            elif command == "requests":
                pipe.send(server.requests[args[0]:])
            elif command == "answered":
                pipe.send(server.answered[args[0]:])
            elif command == "used":
                token, resources = args
                pipe.send(sum(fake.budget(token, r).used for r in resources))
            elif command == "errors":
                pipe.send([repr(e) for e in server.errors])
