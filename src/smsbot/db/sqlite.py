"""SQLite set-up: WAL and the pragmas each connection gets, BEGIN IMMEDIATE, and the one-writer lock."""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection


def configure_sqlite(engine: Engine) -> None:
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
        # No memory map, and 4 MB of page cache a connection (SQLite's default is 2): the operating
        # system caches the file anyway. A map's pages and a 32 MB cache each counted in every process's
        # resident size (up to 256 MB of map plus 32 MB a connection as the database grows), for no
        # measurable gain: texts in and nearby lookups at 100,000 services ran the same without them.
        cursor.execute("PRAGMA mmap_size=0")
        cursor.execute("PRAGMA cache_size=-4000")
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

    def _open(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        return self._fd

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._thread_lock:
            fd = self._open()
            if self._depth == 0:
                fcntl.flock(fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._drop()

    async def acquire(self) -> None:
        """Take the lock for this thread (the event loop's) without stalling the loop while another
        process writes: a helper thread waits in the kernel's queue on our file descriptor (a flock
        belongs to the descriptor, so the loop holds it once granted). Pair with `release()`."""
        while not self._thread_lock.acquire(blocking=False):  # another thread of ours writes: rare
            await asyncio.sleep(0.001)
        if self._depth:
            self._depth += 1
            return
        try:
            fd = self._open()
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting = asyncio.get_running_loop().run_in_executor(None, fcntl.flock, fd, fcntl.LOCK_EX)
            try:
                await asyncio.shield(waiting)
            except asyncio.CancelledError:
                # Granted later all the same: give it back then (on this loop's thread, which holds
                # the thread lock until that moment), never hold it forever.
                waiting.add_done_callback(lambda _: self._give_back(fd))
                raise
            except BaseException:
                self._thread_lock.release()
                raise
        except BaseException:  # no lock file (its folder is gone): the caller sees why
            self._thread_lock.release()
            raise
        self._depth = 1

    def _give_back(self, fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        self._thread_lock.release()

    def release(self) -> None:
        """Undo one `acquire()`, on the thread that took it."""
        self._drop()
        self._thread_lock.release()

    def _drop(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._thread_lock:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None
