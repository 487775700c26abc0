"""Opening the database, migrating it, and handing out sessions.

Everything that can go wrong underneath (a PostgreSQL server that does not answer, a path SQLite
cannot write, a schema from a newer release) leaves this module as a one-line
:class:`~monitor.errors.StorageError`, because the CLI shows that line to a user who cannot act
on a SQLAlchemy traceback. The original exception stays chained for ``--debug`` style logging.

There is no module-level engine: each :class:`Database` owns one, so the daemon, the CLI and every
test can open their own database side by side.

Alembic loads only when a migration runs: the schema's revisions are read without it, and
migrations run in one locked transaction (:mod:`monitor.store._schema`), so ``status`` and the
CLI start fast. The ORM (SQLModel's session) loads only with the first :meth:`Database.session`:
``status`` reads through :meth:`Database.reading`, SQLAlchemy Core alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from monitor.errors import NeedsInit, StorageError
from monitor.store._schema import (
    MIGRATIONS_DIR,
    alembic_config,
    ensure_known,
    head_revision,
    migration_transaction,
    stored_revision,
)
from monitor.store.threads import off_loop, release_statements, watch

if TYPE_CHECKING:
    from sqlmodel import Session

__all__ = [
    "MIGRATIONS_DIR",
    "SQLITE_MINIMUM",
    "Database",
    "atomic",
    "head_revision",
    "open_database",
    "sqlite_library_version",
]

P = ParamSpec("P")
T = TypeVar("T")

_IMMEDIATE = "aoss_sqlite_immediate"  # execution option read by _sqlite_begin

#: The oldest SQLite library the store's SQL runs on (``INSERT … RETURNING`` came in 3.35).
SQLITE_MINIMUM = (3, 35, 0)


def sqlite_library_version() -> str:
    """The version of the SQLite library Python is linked against (not of the sqlite3 module)."""
    return sqlite3.sqlite_version


def _check_sqlite_library() -> None:
    found = sqlite_library_version()
    parts = tuple(int(part) for part in found.split(".")[:3] if part.isdigit())
    if parts < SQLITE_MINIMUM:
        wanted = ".".join(map(str, SQLITE_MINIMUM[:2]))
        raise StorageError(
            f"SQLite {found} is too old: aoss-monitor needs SQLite {wanted} or newer "
            f"(for INSERT … RETURNING); use a Python linked against a newer SQLite, "
            f"or PostgreSQL through MONITOR_DATABASE_URL"
        )


def _reason(exc: BaseException) -> str:
    """The first meaningful line of a driver error, without SQLAlchemy's SQL echo and links."""
    cause = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def _normalise_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        # Not echoed: an unparsable URL cannot be redacted and may hold a password.
        raise StorageError(
            "bad database URL: expected e.g. sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
        ) from None
    if parsed.drivername in {"postgresql", "postgres"}:
        # psycopg 3 is the driver we depend on; a bare postgresql:// would look for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection settings SQLite does not persist (WAL is persistent but cheap to assert)."""
    # Transactions are begun by _sqlite_begin, not by the driver, so writers can ask for
    # BEGIN IMMEDIATE (SQLAlchemy's documented recipe for pysqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=5000")  # first, so switching to WAL waits too
        cursor.execute("PRAGMA journal_mode=WAL")  # readers (CLI, reports) never block the daemon
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough in WAL, far fewer fsyncs
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Writers take the write lock up front: a deferred transaction that reads, then writes
    after another connection committed, fails at once with "database is locked" (SQLite cannot
    wait there without risking a deadlock), whereas BEGIN IMMEDIATE waits its busy timeout."""
    immediate = conn.get_execution_options().get(_IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def open_database(url: str) -> Database:
    """Create the engine for *url*; nothing is connected until the database is first used.

    SQLite: refused when the library is older than :data:`SQLITE_MINIMUM`; every connection gets
    WAL, foreign keys and a 5 s busy timeout (the file and its directory are created by
    :meth:`Database.upgrade`, so opening a missing database changes nothing). PostgreSQL:
    ``postgresql+psycopg://`` URLs are used as given, with ``pool_pre_ping`` so a restarted
    server does not break a long-running daemon.
    """
    parsed = _normalise_url(url)
    shown = parsed.render_as_string(hide_password=True)
    options: dict[str, Any] = {}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        _check_sqlite_library()
    elif backend == "postgresql":
        options["pool_pre_ping"] = True
        if "connect_timeout" not in parsed.query:
            options["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(parsed, **options)
    except NoSuchModuleError as exc:
        raise StorageError(f"unsupported database URL scheme {parsed.drivername!r}") from exc
    except (ArgumentError, ImportError) as exc:
        raise StorageError(f"cannot use database {shown}: {_reason(exc)}") from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return Database(engine)


@contextmanager
def atomic(session: Session) -> Iterator[None]:
    """Make a block one unit of work: its own transaction, or a savepoint in the caller's.

    Standing alone, the block commits at its end, so what it wrote survives whatever the caller
    does next. Inside a caller's ``session.begin_nested()`` the caller decides when to commit (a
    batch of writes is atomic), and the block becomes a savepoint so a failure undoes only it.
    """
    if session.in_nested_transaction():
        with session.begin_nested():
            yield
        return
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


class Database:
    """One database: its engine, its schema revision, and sessions on it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        watch(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def url(self) -> str:
        """The URL with any password masked, safe to print and log."""
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``: for the few places SQL differs."""
        return self._engine.dialect.name

    @property
    def path(self) -> Path | None:
        """The SQLite database file; None for PostgreSQL or an in-memory database."""
        if self.backend != "sqlite":
            return None
        name = self._engine.url.database or ""
        if not name or name == ":memory:" or name.startswith("file:"):
            return None
        return Path(name).expanduser()

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except StorageError:
            raise
        except (SQLAlchemyError, OSError) as exc:
            raise StorageError(f"cannot {doing} database {self.url}: {_reason(exc)}") from exc

    def own_connection(self) -> Connection:
        """A connection outside any session, for the caller to keep and close (the daemon's
        advisory lock lives as long as the connection that took it)."""
        with self._errors("connect to"):
            return self._engine.connect()

    def current_revision(self) -> str | None:
        """The schema revision stored in the database; ``None`` for an empty database (or a
        SQLite file that does not exist, which is then not created)."""
        if self.path is not None and not self.path.exists():
            return None
        with self._errors("open"), self._engine.connect() as conn:
            return stored_revision(conn)

    def check(self) -> None:
        """Refuse a database this version cannot use as it is: unreachable, migrated by a newer
        version (:class:`SchemaTooNew`), or not yet brought to this version's schema
        (:class:`NeedsInit`: only ``init`` and the daemon holding its lock migrate)."""
        revision = self.current_revision()
        ensure_known(revision)
        head = head_revision()
        if revision is None:
            raise NeedsInit(
                f"database {self.url} has no aoss-monitor schema yet; run `aoss-monitor init`"
            )
        if revision != head:
            raise NeedsInit(
                f"database {self.url} has schema {revision}, older than this aoss-monitor's "
                f"{head}; run `aoss-monitor init` to upgrade it"
            )

    def upgrade(self) -> None:
        """Create the schema or bring it to the newest revision; a no-op when already there.

        The check before taking any lock keeps the common case (already current) read-only.
        Migrations run in one transaction under a lock (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL
        advisory lock: :func:`~monitor.store._schema.migration_transaction`), so two processes
        starting together do not both migrate, and a failed migration leaves the previous schema
        intact.
        """
        head = head_revision()
        current = self.current_revision()
        ensure_known(current)
        if current == head:
            return
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the directory for database {self.url}: "
                    f"{exc.strerror or exc}"
                ) from exc
        engine = self._engine.execution_options(**{_IMMEDIATE: True})
        with (self._errors("upgrade"), engine.connect() as conn,
              migration_transaction(conn, self.url)):
            current = stored_revision(conn)
            ensure_known(current)
            if current != head:
                self._migrate(conn)

    def _migrate(self, conn: Connection) -> None:
        from alembic import command
        from alembic.util.exc import CommandError

        try:
            command.upgrade(alembic_config(conn), "head")
        except CommandError as exc:
            raise StorageError(f"cannot upgrade database {self.url}: {_reason(exc)}") from exc

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises.

        ``write=True`` is for blocks that write after reading: on SQLite it takes the write lock
        at the start (BEGIN IMMEDIATE), so it waits for another writer instead of failing.
        Objects stay usable after the commit (``expire_on_commit=False``): callers read the rows
        the series functions return after those functions have committed.
        """
        from sqlmodel import Session  # the ORM: not loaded by the Core readers (status)

        bind = self._engine.execution_options(**{_IMMEDIATE: True}) if write else self._engine
        with self._refusals(), Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                release_statements()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection in one read transaction, for SQLAlchemy Core queries: what ``status``
        and a scrape read, without loading the ORM. Errors leave as :meth:`session`'s do."""
        with self._refusals(), self._engine.connect() as conn:
            try:
                with conn.begin():
                    yield conn
            finally:
                release_statements()

    @contextmanager
    def _refusals(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, InterfaceError) as exc:
            # Locked, full, gone away: conditions of the database, not bugs in the caller.
            raise StorageError(f"cannot use database {self.url}: {_reason(exc)}") from exc
        except DBAPIError as exc:
            # Refused by the database (a constraint, a trigger, a statement it rejects): the
            # caller fails what it was doing with this reason, not the whole run.
            raise StorageError(
                f"database {self.url} refused a statement: {_reason(exc)}"
            ) from exc

    async def read(
        self, work: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``work(session, …)`` in one transaction, in a worker thread (off the event loop);
        cancelling the caller interrupts it (:mod:`monitor.store.threads`)."""

        def transaction() -> T:
            with self.session() as session:
                return work(session, *args, **kwargs)

        return await off_loop(transaction)

    async def write(
        self, work: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """:meth:`read` for work that writes (a ``session(write=True)``)."""

        def transaction() -> T:
            with self.session(write=True) as session:
                return work(session, *args, **kwargs)

        return await off_loop(transaction)

    def dispose(self) -> None:
        """Close pooled connections (SQLite then checkpoints and releases its files)."""
        self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url!r})"


def dialect_insert(session: Session, table: Table) -> Any:
    """The dialect's INSERT into *table*, which (unlike the generic one) knows ON CONFLICT."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    raise NotImplementedError(f"aoss-monitor stores data in SQLite or PostgreSQL, not {dialect}")
