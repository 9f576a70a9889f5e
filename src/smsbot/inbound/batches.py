"""SQLite texts in batches: what arrived while the database was busy is handled in one transaction.

SQLite has one writer at a time, and a commit writes every page a text touched to the WAL. Texts that
arrive while this process waits for the write lock (another process writes) or runs a batch queue up,
then go in together: one lock, one BEGIN IMMEDIATE, one COMMIT, and a savepoint each, so a text that
fails is undone alone (503 for it, Twilio retries) and a failed COMMIT fails them all (nothing is
half-written). Every answer leaves only after the COMMIT. A text alone is a batch of one: no waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.engine import Connection

from smsbot.context import AppContext
from smsbot.inbound.service import InboundText, Outcome
from smsbot.replies.wording import Wording

log = logging.getLogger(__name__)
Handler = Callable[..., Outcome]  # service.handle_text(ctx, wording, message, conn=...)
MAX_BATCH = 64  # bounds how long one batch holds the write lock


class SqliteBatches:
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
        lock = self.ctx.db.write_lock
        try:
            while self._queue:
                if lock is not None:
                    await lock.acquire()  # the loop keeps reading texts meanwhile: they join the batch
                try:
                    batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                    results = self._run(batch)
                finally:
                    if lock is not None:
                        lock.release()
                for (_, _, future), result in zip(batch, results, strict=True):
                    if future.done():  # its request went away
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
                await asyncio.sleep(0)  # answers go out, and texts that arrived meanwhile queue up
        finally:
            self._running = False
            for _, _, future in self._queue:  # only if this task itself failed: nothing is left waiting
                if not future.done():
                    future.set_exception(RuntimeError("batch not run"))
            self._queue.clear()

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
