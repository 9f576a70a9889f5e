"""Connections the webhook keeps open between texts (no checkout, check-in or pre-ping per text)."""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from smsbot.db.errors import server_message_without_values


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


def postgres_webhook_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        poolclass=NullPool,  # the connections are kept open by KeptConnections
        isolation_level="AUTOCOMMIT",
        hide_parameters=True,
        connect_args={"connect_timeout": 5},
    )
    event.listen(engine, "handle_error", server_message_without_values)
    event.listen(engine, "before_cursor_execute", _count_statement)
    return engine


def _count_statement(conn: Connection, *_: object) -> None:
    """How many statements went through SQLAlchemy on this connection (the webhook's own go straight to
    the driver): inbound/postgres_batch.py learns from it whether a handler touched the database."""
    conn.info["statements"] = conn.info.get("statements", 0) + 1


def connect_webhook(engine: Engine) -> Connection:
    connection = engine.connect()
    driver = connection.connection.driver_connection
    assert driver.autocommit, "the webhook's connections must be in autocommit"
    driver.execute(_WEBHOOK_SESSION, prepare=False)
    return connection
