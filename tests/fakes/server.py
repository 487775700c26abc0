"""The local HTTP server hosting both fakes: ``/github`` (REST + ``/graphql``) and
``/gitee/api/v5``. Standard library only, bound to 127.0.0.1 on a free port."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from monitor.clock import Clock

from .gitee import FakeGitee
from .github import FakeGitHub
from .state import LoggedRequest, Request, Response

__all__ = ["FakeServer", "closed_port_url"]

def closed_port_url() -> str:
    """``http://127.0.0.1:PORT`` where nothing listens (a port bound, then closed): the network
    down, as a platform sees it — every connection refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


GITHUB_PREFIX = "/github"
GITEE_PREFIX = "/gitee/api/v5"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = 256  # the default 5 drops bursts of parallel connections
    fake: FakeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout) is no error of the fake: say nothing (the default
        prints a traceback to stderr, into whichever test is running by then)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, each answer would wait for the
    # client's delayed ACK (~40 ms), which real servers do not make clients pay.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _dispatch(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        query = parse_qsl(parts.query, keep_blank_values=True)
        arrived = time.monotonic()
        platform, handler, prefix = "", None, ""
        if path == GITHUB_PREFIX or path.startswith(GITHUB_PREFIX + "/"):
            platform, handler, prefix = "github", fake.github.handle, GITHUB_PREFIX
        elif path.startswith(GITEE_PREFIX + "/"):
            platform, handler, prefix = "gitee", fake.gitee.handle, GITEE_PREFIX
        if handler is None:
            resp = Response(404, b'{"message":"Not Found"}', [("content-type", "application/json")])
        else:
            req = Request(
                method=self.command,
                path=path[len(prefix) :] or "/",
                query=query,
                raw_query=parts.query,
                headers=headers,
                body=body,
                base_url=fake.url + prefix,
            )
            try:
                resp = handler(req)
            except Exception as exc:  # a bug in the fake: answer 500 and remember it
                fake.errors.append(exc)
                resp = Response(500, b'{"message":"fake crashed"}', [])
        fake._log(LoggedRequest(platform, self.command, path, dict(query), resp.status, headers))
        if (left := arrived + fake.latency - time.monotonic()) > 0:
            time.sleep(left)
        self._send(resp)
        fake._answered(path, time.monotonic() - arrived)

    def _send(self, resp: Response) -> None:
        self.send_response_only(resp.status)
        names = {name.lower() for name, _ in resp.headers}
        if "server" not in names:
            self.send_header("server", "fake")
        self.send_header("date", format_datetime(self.server.fake.clock(), usegmt=True))
        for name, value in resp.headers:
            self.send_header(name, value)
        if resp.status not in (204, 304):
            self.send_header("content-length", str(len(resp.body)))
        self.end_headers()
        if resp.status not in (204, 304) and self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_HEAD = do_PUT = do_PATCH = do_DELETE = _dispatch


class FakeServer:
    """Context manager: ``with FakeServer(github=FakeGitHub(...)) as fake: ...``.

    ``requests`` is the log of :class:`LoggedRequest` (platform, method, path, query,
    status, headers); a request is answered ``latency`` seconds after it arrived at the
    soonest (the handler thread sleeps what its own work left of it): like a real service's
    response time, the fake's work is part of the latency, not added to it.
    A *clock* given becomes both fakes' clock (and the ``Date`` header's), so one clock, the
    one the test gives the monitor too, tells every side what time it is.
    """

    def __init__(
        self,
        github: FakeGitHub | None = None,
        gitee: FakeGitee | None = None,
        *,
        latency: float = 0.0,
        clock: Clock | None = None,
    ) -> None:
        self.github = github if github is not None else FakeGitHub()
        self.gitee = gitee if gitee is not None else FakeGitee()
        if clock is not None:
            self.clock = clock
        self.latency = latency
        self.requests: list[LoggedRequest] = []
        #: Each request's path and how long it took to answer, from its arrival to its answer
        #: sent: the latency, or the fake's own work where that took longer (in answer order).
        self.answered: list[tuple[str, float]] = []
        self.errors: list[BaseException] = []
        self._log_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeServer:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- time ----------------------------------------------------------------------------
    @property
    def clock(self) -> Clock:
        """The fakes' clock (GitHub's; both share it once it is set here)."""
        return self.github.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.github.clock = self.gitee.clock = clock

    # -- addresses -----------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeServer is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def github_api_url(self) -> str:
        return self.url + GITHUB_PREFIX

    @property
    def github_graphql_url(self) -> str:
        return self.url + GITHUB_PREFIX + "/graphql"

    @property
    def gitee_api_url(self) -> str:
        return self.url + GITEE_PREFIX

    def env(self) -> dict[str, str]:
        """The MONITOR_* variables that point aoss-monitor at this fake."""
        return {
            "MONITOR_GITHUB_API_URL": self.github_api_url,
            "MONITOR_GITHUB_GRAPHQL_URL": self.github_graphql_url,
            "MONITOR_GITEE_API_URL": self.gitee_api_url,
        }

    # -- request log ---------------------------------------------------------------------
    def _log(self, entry: LoggedRequest) -> None:
        with self._log_lock:
            self.requests.append(entry)

    def _answered(self, path: str, seconds: float) -> None:
        with self._log_lock:
            self.answered.append((path, seconds))

    def requests_for(
        self,
        platform: str | None = None,
        path: str | Callable[[str], bool] | None = None,
        method: str | None = None,
    ) -> list[LoggedRequest]:
        """Logged requests, filtered by platform, path (exact, or a predicate) and method."""
        with self._log_lock:
            entries = list(self.requests)
        out = []
        for e in entries:
            if platform is not None and e.platform != platform:
                continue
            if method is not None and e.method != method:
                continue
            if isinstance(path, str) and e.path != path:
                continue
            if callable(path) and not path(e.path):
                continue
            out.append(e)
        return out

    def count(self, platform: str | None = None, path: str | None = None) -> int:
        return len(self.requests_for(platform, path))

    def clear_log(self) -> None:
        with self._log_lock:
            self.requests.clear()
            self.answered.clear()
