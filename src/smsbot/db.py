"""The database: engine set-up for SQLite (WAL) and PostgreSQL, and the one owner of transactions.

Everything that writes goes through `Database.transaction()` (SQLAlchemy Core, the hot path) or
`Database.session()` (SQLModel ORM, the staff side). Each commits on success and rolls back on
error; side effects such as sending happen only after the block has committed.
"""

from __future__ import annotations

import fcntl
import os
import select
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session

from smsbot.clock import as_utc


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in and out, on SQLite (which has no time zones) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        # SQLite keeps text; store naive UTC so ordering and comparisons stay lexical and exact.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # what SQLAlchemy's SQLite DateTime stores
_NAMED_SQLITE = sqlite_dialect.dialect(paramstyle="named")


def _sqlite_param(value: Any) -> Any:
    if isinstance(value, datetime):  # the same text as SQLITE_TIME_FORMAT, faster than strftime
        return as_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


def utc_value(value: datetime | str | None) -> datetime | None:
    """A timestamp read by `Prepared` (SQLite gives text, PostgreSQL an aware datetime) as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return as_utc(value)


class Prepared:
    """A Core statement compiled once per dialect and run straight on the driver's cursor.

    Only for the webhook's few statements a text: SQLAlchemy's per-execution machinery costs
    ~50 us a statement, more than SQLite takes to do the work. Parameters are plain values
    (aware datetimes are converted here); timestamps read back go through `utc_value`.
    """

    def __init__(self, build: Callable[[str], Executable]) -> None:
        self._build = build
        self._sql: dict[str, str] = {}

    def run(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        name = conn.dialect.name
        sql = self._sql.get(name)
        if sql is None:
            dialect = _NAMED_SQLITE if name == "sqlite" else conn.dialect
            sql = self._sql[name] = str(self._build(name).compile(dialect=dialect))
        if name == "sqlite":
            params = {key: _sqlite_param(value) for key, value in params.items()}
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(sql, params)
        return cursor


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE below is what runs:
        # a writer takes the lock up front instead of failing to upgrade a read lock later.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Reads through a memory map and a larger page cache: fewer system calls per text.
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.execute("PRAGMA cache_size=-32000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Straight to the driver: the same statement without SQLAlchemy's execution machinery (~25 us a text).
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE")


class SQLiteWriteLock:
    """One writer at a time across processes (flock on `<database>-writelock`), taken before BEGIN IMMEDIATE.

    SQLite's own busy handler retries after sleeping 1, 2, 5 ... 100 ms, and a web worker blocked in it
    stalls its whole event loop: under load that cost half the throughput and put p99 near a second.
    A flock waiter wakes the moment the holder releases. SQLite's locking stays the authority; this only
    makes waiting cheap. Reentrant within a thread; reopened after a fork (flock is per open file).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._fd: int | None = None
        self._pid = 0
        self._depth = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._thread_lock:
            if self._fd is None or self._pid != os.getpid():
                self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
            if self._depth == 0:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._thread_lock:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    # hide_parameters: bound values (phone indexes, ciphertext, message text) never reach a log line
    # or an exception's text, whatever statement fails.
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, hide_parameters=True
    )
    event.listen(engine, "handle_error", _server_message_without_values)
    return engine


# Messages PostgreSQL writes without quoting a value: constraint violations name the constraint only
# (their DETAIL line, which quotes the key, is dropped), and our own triggers' RAISE text.
_SAFE_SQLSTATE_PREFIXES = ("23", "P0001", "40", "55", "57")


def _server_message_without_values(context: Any) -> None:
    """PostgreSQL quotes values in its own error text ("Key (phone_index)=(...) already exists",
    'invalid input syntax for type integer: "..."'): keep only what names no value."""
    orig = context.original_exception
    diag = getattr(orig, "diag", None)
    if diag is None:
        return
    code = getattr(orig, "sqlstate", None) or diag.sqlstate or "?"
    primary = diag.message_primary or ""
    if code.startswith(_SAFE_SQLSTATE_PREFIXES) and '"' not in primary.split("constraint")[0]:
        safe = primary
    else:
        where = ".".join(n for n in (diag.table_name, diag.column_name) if n)
        safe = f"{type(orig).__name__} (SQLSTATE {code}{', ' + where if where else ''})"
    orig.args = (safe,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None:  # its text was formatted from the original's before this hook ran
        wrapped.args = (f"({type(orig).__module__}.{type(orig).__name__}) {safe}",)


class KeptConnections:
    """Connections the webhook keeps open between texts, each serving one text at a time: no pool
    checkout, check-in or pre-ping per text.

    PostgreSQL: the driver runs in autocommit and the webhook sends BEGIN and COMMIT itself, inside the
    pipelines of its two round trips (psycopg would otherwise spend a round trip of its own on BEGIN).
    A connection the server closed while idle has something to read, so it is replaced before use; one
    that fails during a text is closed (the server rolls back what it had begun) and the text gets a 503.
    """

    def __init__(self, connect: Callable[[], Connection], *, limit: int, postgres: bool) -> None:
        self._connect, self._postgres = connect, postgres
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(limit)
        self._pid = os.getpid()

    def _usable(self, connection: Connection) -> bool:
        if not self._postgres:
            return not connection.invalidated
        driver = connection.connection.driver_connection
        if driver.closed or driver.broken:
            return False
        # Idle, the server sends nothing: anything to read is its goodbye (restart, idle timeout).
        readable, _, _ = select.select([driver.fileno()], [], [], 0)
        return not readable

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        with self._slots:
            with self._lock:
                if self._pid != os.getpid():  # forked: the parent's connections are not ours
                    self._idle, self._pid = [], os.getpid()
                connection = self._idle.pop() if self._idle else None
            if connection is not None and not self._usable(connection):
                _close(connection)
                connection = None
            if connection is None:
                connection = self._connect()
            try:
                yield connection
                if connection.in_transaction():
                    connection.rollback()  # SQLAlchemy's bookkeeping only: the webhook committed
                if self._postgres and connection.connection.driver_connection.pgconn.transaction_status:
                    raise RuntimeError("the webhook left a transaction open")
            except BaseException:
                if self._postgres:
                    _close(connection)
                    raise
                if connection.in_transaction():  # SQLite: rolled back by its scope; keep it
                    connection.rollback()
                raise
            finally:
                if not connection.closed:
                    with self._lock:
                        self._idle.append(connection)

    def dispose(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            _close(connection)


def _close(connection: Connection) -> None:
    try:
        connection.invalidate()  # closes the driver's connection: a server transaction rolls back
        connection.close()
    except Exception:  # already gone
        pass


# A stuck row lock or statement must not hold a text past Twilio's 15 s timeout.
_WEBHOOK_SESSION = (
    "SET lock_timeout = '5s'; SET statement_timeout = '10s'; SET idle_in_transaction_session_timeout = '30s'"
)


def _postgres_webhook_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        poolclass=NullPool,  # the connections are kept open by KeptConnections
        isolation_level="AUTOCOMMIT",
        hide_parameters=True,
        connect_args={"connect_timeout": 5},
    )
    event.listen(engine, "handle_error", _server_message_without_values)
    return engine


class Database:
    """One engine per process, and the scopes that own transactions."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        database_file = self.engine.url.database if self.is_sqlite else None
        in_memory = not database_file or database_file == ":memory:" or "mode=memory" in url
        self.write_lock = None if in_memory else SQLiteWriteLock(f"{database_file}-writelock")
        self.webhook_slots = pool_size  # texts one process serves at once on PostgreSQL
        self._inbound: KeptConnections | None = None
        self._webhook_engine: Engine | None = None
        if self.is_postgres:
            self._webhook_engine = _postgres_webhook_engine(url)
            self._inbound = KeptConnections(self._connect_webhook, limit=pool_size, postgres=True)
        elif self.write_lock:  # a SQLite file (an in-memory database has one connection to share)
            self._inbound = KeptConnections(self.engine.connect, limit=4, postgres=False)

    def _connect_webhook(self) -> Connection:
        assert self._webhook_engine is not None
        connection = self._webhook_engine.connect()
        driver = connection.connection.driver_connection
        assert driver.autocommit, "the webhook's connections must be in autocommit"
        driver.execute(_WEBHOOK_SESSION, prepare=False)
        return connection

    def _writer(self) -> AbstractContextManager[None]:
        return self.write_lock.held() if self.write_lock else nullcontext()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A Core connection inside one transaction: commit on success, roll back on error."""
        # The pool checkout and return happen outside the write lock: only the transaction is serialised.
        with self.engine.connect() as connection, self._writer(), connection.begin():
            yield connection

    @contextmanager
    def inbound(self) -> Iterator[Connection]:
        """The webhook's scope. SQLite: `transaction()`. PostgreSQL: an open autocommit connection on
        which the caller sends BEGIN and COMMIT in its own round trips (see inbound/texter_store.py);
        any exception closes it, which rolls back whatever it had begun."""
        if self._inbound is None:
            with self.transaction() as connection:
                yield connection
        elif self.is_sqlite:
            with self._inbound.connection() as connection, self._writer(), connection.begin():
                yield connection
        else:
            with self._inbound.connection() as connection:
                yield connection

    @contextmanager
    def session(self) -> Iterator[Session]:
        """An ORM session inside one transaction: commit on success, roll back on error."""
        with self._writer(), Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        if self._inbound:
            self._inbound.dispose()
        if self._webhook_engine:
            self._webhook_engine.dispose()
        self.engine.dispose()
        if self.write_lock:
            self.write_lock.close()
