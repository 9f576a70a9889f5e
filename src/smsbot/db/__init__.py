"""The database: engine set-up for SQLite (WAL) and PostgreSQL, and the one owner of transactions.

Everything that writes goes through `Database.transaction()` (SQLAlchemy Core, the hot path) or
`Database.session()` (SQLModel ORM, the staff side). Each commits on success and rolls back on
error; side effects such as sending happen only after the block has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any
from weakref import WeakSet

from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session

from smsbot.clock import as_utc
from smsbot.db.errors import server_message_without_values
from smsbot.db.kept import KeptConnections, connect_webhook, postgres_webhook_engine
from smsbot.db.sqlite import SQLiteWriteLock, configure_sqlite


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

    made: WeakSet[Prepared] = WeakSet()  # every one alive, for `compile_all` at a web process's start-up

    def __init__(self, build: Callable[[str], Executable]) -> None:
        self._build = build
        self._sql: dict[str, str] = {}
        Prepared.made.add(self)

    def sql(self, dialect: Dialect) -> str:
        sql = self._sql.get(dialect.name)
        if sql is None:
            named = _NAMED_SQLITE if dialect.name == "sqlite" else dialect
            sql = self._sql[dialect.name] = str(self._build(dialect.name).compile(dialect=named))
        return sql

    @classmethod
    def compile_all(cls, dialect: Dialect) -> None:
        """Compile every statement made so far (a few ms each time the first text would pay it)."""
        for prepared in list(cls.made):
            prepared.sql(dialect)

    def run(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        name = conn.dialect.name
        sql = self._sql.get(name) or self.sql(conn.dialect)
        if name == "sqlite":
            params = {key: _sqlite_param(value) for key, value in params.items()}
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(sql, params)
        return cursor


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    # hide_parameters: bound values (phone indexes, ciphertext, message text) never reach a log line
    # or an exception's text, whatever statement fails.
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )
        configure_sqlite(engine)
        return engine
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, hide_parameters=True
    )
    event.listen(engine, "handle_error", server_message_without_values)
    return engine


class Database:
    """One engine per process, and the scopes that own transactions."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        database_file = self.engine.url.database if self.is_sqlite else None
        in_memory = not database_file or database_file == ":memory:" or "mode=memory" in url
        self.write_lock = None if in_memory else SQLiteWriteLock(f"{database_file}-writelock")
        # Connections the webhook keeps open on PostgreSQL: it runs one batch at a time (inbound/batches.py).
        self.webhook_slots = 2
        self._inbound: KeptConnections | None = None
        self._webhook_engine: Engine | None = None
        if self.is_postgres:
            webhook_engine = self._webhook_engine = postgres_webhook_engine(url)
            self._inbound = KeptConnections(
                lambda: connect_webhook(webhook_engine), limit=pool_size, postgres=True
            )
        elif self.write_lock:  # a SQLite file (an in-memory database has one connection to share)
            self._inbound = KeptConnections(self.engine.connect, limit=4, postgres=False)

    def warm_up(self) -> None:
        """Before a web process's first texts: their statements compiled, the webhook's connections open
        (PostgreSQL: all of them, which the first burst would otherwise open one by one, each a TCP and
        authentication exchange and a SET: 130 ms p99 in the first seconds at 200 texts a second)."""
        Prepared.compile_all(self.engine.dialect)
        if self._inbound is not None:
            with ExitStack() as held:  # held together: each one is a connection of its own
                for _ in range(self.webhook_slots if self.is_postgres else 1):
                    held.enter_context(self._inbound.connection())

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
