"""Texts in batches: what arrived while the database was busy is handled in one transaction.

Both databases queue texts the same way (`Batches`): texts that arrive while a batch runs go in the next
one together. A text alone is a batch of one: no waiting. Every answer leaves only after the COMMIT.

PostgreSQL runs a batch on a thread in two round trips (postgres_batch.py). SQLite runs it inline under
its write lock (one writer at a time; a commit writes every page a text touched to the WAL): one lock,
one BEGIN IMMEDIATE, one COMMIT, and a savepoint each, so a text that fails is undone alone (503 for it,
Twilio retries) and a failed COMMIT fails them all (nothing is half-written).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Connection

from smsbot.context import AppContext
from smsbot.inbound.postgres_batch import Handler, run_batch
from smsbot.inbound.service import InboundText, Outcome
from smsbot.replies.wording import Wording

log = logging.getLogger(__name__)
MAX_BATCH = 64  # bounds how long one batch holds the write lock (SQLite) or its texters' rows
# After a batch the loop runs this many passes before the next batch is taken: the first reads the
# requests that arrived meanwhile, the next run their endpoints up to the queue. Taken after one pass,
# the next batch missed most of them (PostgreSQL, 2 web processes at 16 connections: 2,300-2,600 texts
# a second; after three passes 3,100-3,200, each text cheaper in a bigger batch).
GATHER_PASSES = 3


class Batches:
    """Texts queue while a batch runs; the next batch takes what queued (a text alone: no waiting)."""

    def __init__(self, ctx: AppContext, wording: Wording) -> None:
        self.ctx, self.wording = ctx, wording
        self._queue: list[tuple[InboundText, Handler, asyncio.Future[Outcome]]] = []
        self._running = False
        self._task: asyncio.Task | None = None  # held: the loop keeps only a weak reference

    async def handle(self, message: InboundText, handler: Handler) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.append((message, handler, future))
        if not self._running:
            self._running = True
            self._task = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                await self._ready()  # the loop keeps reading texts meanwhile: they join the batch
                try:
                    batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                    results = await self._run_batch(batch)
                finally:
                    self._done()
                _answer(batch, results)
                for _ in range(GATHER_PASSES):  # answers go out, and texts that arrived meanwhile queue up
                    await asyncio.sleep(0)
        finally:
            self._stop()

    def _stop(self) -> None:
        self._running = False
        for _, _, future in self._queue:  # only if this task itself failed: nothing is left waiting
            if not future.done():
                future.set_exception(RuntimeError("batch not run"))
        self._queue.clear()

    async def _ready(self) -> None:
        """Wait until a batch may run."""

    def _done(self) -> None:
        """After a batch ran (or failed)."""

    async def _run_batch(self, batch: list) -> list[Outcome | BaseException]:
        raise NotImplementedError


class PostgresBatches(Batches):
    """Each batch on a thread: its round trips wait there while the loop reads texts into the next one.
    One batch at a time: starting the next while one waited for its COMMIT made both smaller, and a
    text's cost grows fast as its batch shrinks (2 web processes at 16 connections: 2,300-2,600 texts
    a second overlapped, 3,100-3,600 one at a time)."""

    async def _run_batch(self, batch: list) -> list[Outcome | BaseException]:
        texts = [(message, handler) for message, handler, _ in batch]
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_threads(), run_batch, self.ctx, self.wording, texts)


def _answer(batch: list, results: list) -> None:
    for (_, _, future), result in zip(batch, results, strict=True):
        if future.done():  # its request went away
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)


_pool: list[ThreadPoolExecutor] = []


def _threads() -> ThreadPoolExecutor:
    """The process's threads for PostgreSQL batches, made at the first one (every app of it shares them:
    each app runs one batch at a time)."""
    if not _pool:
        _pool.append(ThreadPoolExecutor(4, "smsbot-webhook"))
    return _pool[0]


class SqliteBatches(Batches):
    """Inline on the loop, under the write lock: SQLite's statements wait on no network."""

    async def _ready(self) -> None:
        if self.ctx.db.write_lock is not None:
            await self.ctx.db.write_lock.acquire()

    def _done(self) -> None:
        if self.ctx.db.write_lock is not None:
            self.ctx.db.write_lock.release()

    async def _run_batch(self, batch: list) -> list[Outcome | BaseException]:
        return self._run(batch)

    def _run(self, batch: list) -> list[Outcome | BaseException]:
        results: list[Outcome | BaseException] = []
        try:
            with self.ctx.db.inbound() as conn:
                driver = conn.connection.driver_connection
                for message, handler, _ in batch:
                    results.append(self._one(conn, driver, message, handler))
        except Exception as exc:  # BEGIN or COMMIT failed: no text of the batch was stored
            return [exc] * len(batch)
        return results

    def _one(self, conn: Connection, driver, message: InboundText, handler: Handler) -> Outcome | Exception:
        driver.execute("SAVEPOINT text")
        try:
            outcome = handler(self.ctx, self.wording, message, conn=conn)
        except Exception as exc:
            # This text alone is undone; if even that fails, the whole batch is (raised to _run).
            driver.execute("ROLLBACK TO text")
            driver.execute("RELEASE text")
            return exc
        driver.execute("RELEASE text")
        return outcome
