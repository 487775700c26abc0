"""Blocking database work, run off the event loop, and interruptible.

The daemon is one event loop: a statement run on it (a rebuild rewriting thousands of rows, a
SQLite write waiting for the lock) holds up everything else, SIGTERM included. So async code
hands its database work to a worker thread (:func:`off_loop`; :meth:`Database.read` and
:meth:`Database.write` for one transaction).

Cancelling the awaiting task, which is what a stop does, interrupts that work: the statement in
flight is aborted by the driver (SQLite ``interrupt()``, a PostgreSQL cancel request) and any
later statement is refused before it starts, so the transaction rolls back whole and the thread
ends at once. The cancelled caller returns only after the thread has ended, so no database work
outlives the job that started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import sqlite3
import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, event

__all__ = ["Interrupted", "off_loop", "release_statements", "watch"]

P = ParamSpec("P")
T = TypeVar("T")

#: While cancelled work has not ended, its statement is aborted again this often (a cancel
#: request that reaches PostgreSQL before the statement does is lost).
REFIRE_EVERY = 0.5


class Interrupted(Exception):
    """Raised in the worker thread, instead of a statement, once the caller was cancelled."""


class _Interrupt:
    """The driver connections one piece of off-loop work is using, and whether to stop it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fired = False
        self._drivers: dict[int, Any] = {}

    def before_statement(self, driver: Any) -> None:
        with self._lock:
            if self._fired:
                raise Interrupted("the work was cancelled")
            self._drivers[id(driver)] = driver

    def release(self) -> None:
        """The connections go back to the pool: another thread's statements are not ours."""
        with self._lock:
            self._drivers.clear()

    def fire(self) -> None:
        with self._lock:
            self._fired = True
            for driver in self._drivers.values():
                _abort(driver)


def _abort(driver: Any) -> None:
    """Abort the statement *driver* is running (callable from any thread)."""
    with contextlib.suppress(Exception):  # closed meanwhile: nothing left to abort
        if isinstance(driver, sqlite3.Connection):
            driver.interrupt()
        else:  # psycopg: a cancel request on a connection of its own
            driver.cancel()


_current: ContextVar[_Interrupt | None] = ContextVar("aoss_interrupt", default=None)


def _before_statement(conn: Connection, *_args: Any) -> None:
    interrupt = _current.get()
    if interrupt is not None:
        interrupt.before_statement(conn.connection.driver_connection)


def watch(engine: Engine) -> None:
    """Let off-loop work on *engine* be interrupted (once per engine)."""
    if not event.contains(engine, "before_cursor_execute", _before_statement):
        event.listen(engine, "before_cursor_execute", _before_statement)


def release_statements() -> None:
    """Called as a session ends: its connection is no longer this work's to abort."""
    interrupt = _current.get()
    if interrupt is not None:
        interrupt.release()


def _run(interrupt: _Interrupt, fn: Callable[[], T]) -> T:
    _current.set(interrupt)
    try:
        return fn()
    finally:
        interrupt.release()


async def off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a worker thread; cancelling the caller interrupts it (see the
    module) and raises ``CancelledError`` once the thread has ended."""
    interrupt = _Interrupt()
    call = functools.partial(contextvars.copy_context().run, _run, interrupt,
                             functools.partial(fn, *args, **kwargs))
    future = asyncio.get_running_loop().run_in_executor(None, call)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            # From a thread of its own: a PostgreSQL cancel request is a blocking round trip.
            threading.Thread(target=interrupt.fire, name="aoss-interrupt", daemon=True).start()
            await asyncio.wait([future], timeout=REFIRE_EVERY)
        if not future.cancelled():
            future.exception()  # the interrupted work's error is expected: not worth a log line
        raise
