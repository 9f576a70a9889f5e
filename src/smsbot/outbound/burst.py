"""Sending unpaced (SMSBOT_SEND_RATE=0): small groups of rows are checked and marked `attempting`
together right before they go out together, while the group before them is still on the wire.
"""
# Why groups keep the guarantees: a row is marked `attempting` (fenced by its claim token) before its
# request leaves, and at most one group (GROUP rows, no more than the sending threads) is marked ahead
# of its requests at any time; a crash leaves at most those `unknown`, as with one row per thread.
# Rows claimed but not yet in a group stay `claimed` and go back to the queue in order.
# One connection is held for the whole run (no pool checkout or ping per step). The SIDs gathered
# ride with the next group's check: on PostgreSQL one statement in autocommit (bulk.pg_step), on SQLite
# one short transaction. They are always written at the end (`finally`), and then the delivery
# reports that came before their SID are applied (callbacks.sweep_pending).

from __future__ import annotations

import logging
import queue
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from smsbot.observability import OUTBOUND_MESSAGES
from smsbot.outbound import bulk, outbox
from smsbot.outbound.callbacks import sweep_pending
from smsbot.outbound.outbox import Claimed
from smsbot.outbound.recipients import UNREADABLE, answer, recipients
from smsbot.outbound.senders import SendError

if TYPE_CHECKING:
    from smsbot.outbound.dispatch import Dispatcher, DispatchReport

log = logging.getLogger(__name__)
IN_FLIGHT = 8  # texts on the wire at once (sending threads); a group is half of it
FLUSH_SECONDS = 0.1  # a stalled send never holds the SIDs gathered longer than this


class GroupSender:
    def __init__(self, dispatcher: Dispatcher, report: DispatchReport, max_batches: int | None) -> None:
        self.d, self.report, self.max_batches = dispatcher, report, max_batches
        self.window = dispatcher.threads
        self.group = max(1, self.window // 2)
        self.queue: deque[Claimed] = deque()
        self.in_flight = 0
        self.done: queue.SimpleQueue = queue.SimpleQueue()  # (row, result, sid) from the threads
        self.sent: list[tuple[int, str, str]] = []
        self.batches, self.exhausted, self.empty_while_busy = 0, False, False

    def run(self) -> None:
        d = self.d
        # The sending threads only send (failures excepted): their HTTP client is all they warm.
        warm = getattr(d.sender, "warm", None)
        pool = ThreadPoolExecutor(self.window, thread_name_prefix="send", initializer=warm)
        renewed = time.monotonic()
        try:
            with d.ctx.db.engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    conn = conn.execution_options(isolation_level="AUTOCOMMIT")  # one statement a step
                with _generic_plans(conn):
                    while True:
                        if len(self.queue) < self.group and self._may_claim():
                            self._claim(conn)
                        if d.outage.is_set():
                            self.queue.clear()  # Twilio is down: held rows are handed back by the caller
                        free = self.window - self.in_flight
                        if self.queue and (free >= self.group or not self.in_flight):
                            self._launch(conn, pool, min(free, self.group))
                            continue
                        if not self.in_flight:
                            if self.queue or self._may_claim():
                                continue
                            break
                        if not self._collect(timeout=FLUSH_SECONDS) and self.sent:
                            self._write_sids(conn)  # a slow send: write what is known now
                        if self.queue and time.monotonic() - renewed >= d.renew_every:
                            self._renew(conn)
                            renewed = time.monotonic()
        finally:
            # Rows never grouped stay `claimed` (their lease returns them to the queue); sends under
            # way finish, and every SID gathered is written, on a fresh connection if this one broke.
            while self.in_flight:
                self._collect(timeout=None)
            pool.shutdown(wait=True)
            d._record_sent(self.sent)
            if self.report.sent:
                with d.ctx.db.transaction() as conn:
                    now = d.ctx.clock.now()
                    d._apply_changes(conn, sweep_pending(conn, now), now)

    @contextmanager
    def _step(self, conn: Connection) -> Iterator[None]:
        """A transaction on SQLite (under the write lock); on PostgreSQL each statement is its own."""
        if conn.dialect.name == "postgresql":
            yield
            return
        lock = self.d.ctx.db.write_lock
        with lock.held() if lock else nullcontext(), conn.begin():
            yield

    def _may_claim(self) -> bool:
        limited = self.max_batches is not None and self.batches >= self.max_batches
        if self.exhausted or limited or self.d.outage.is_set():
            return False
        # Nothing was due while texts were on the wire: look once more when they are all back (a
        # failure among them may have queued a text to the peer).
        return not self.empty_while_busy or not self.in_flight

    def _claim(self, conn: Connection) -> None:
        with self._step(conn):
            rows = self.d.claim(conn, self.d.batch)
        self.batches += 1 if rows else 0
        self.exhausted = not rows and not self.in_flight
        self.empty_while_busy = not rows and bool(self.in_flight)
        self.queue.extend(rows)

    def _launch(self, conn: Connection, pool: ThreadPoolExecutor, size: int) -> None:
        """The SIDs so far, the group's checks and its `attempting` mark; then its sends start."""
        group = [self.queue.popleft() for _ in range(min(size, len(self.queue)))]
        written, self.sent = self.sent, []
        try:
            with self._step(conn):
                go, unreadable = self._prepare(conn, group, written, self.d.ctx.clock.now())
        except BaseException:
            self.sent = written + self.sent  # not written: the final flush tries again
            raise
        self.d.sids_written(len(written))
        for row in unreadable:  # marked, certainly not sent: a number nobody can read never goes
            log.error("outbox %d: the recipient's number cannot be read; not sent", row.id)
            self.report.results[self.d._failed_safely(row, SendError("fail", "recipient"))] += 1
        for row, to in go:
            self.in_flight += 1
            pool.submit(self._deliver, row, to)

    def _prepare(self, conn: Connection, group: list[Claimed], written: list, now: datetime):
        """(rows to send with their numbers, rows marked whose number cannot be read)."""
        lease, vault = self.d.attempt_lease, self.d.ctx.vault
        unsendable: list[tuple[Claimed, str]] = []
        if conn.dialect.name == "postgresql":
            found, marked = bulk.pg_step(conn, written, group, now, lease), []
            for row in group:
                cols, ok, held = found.get(row.id, (None, False, False))
                if ok and held:
                    marked.append((row, _read(vault, row, cols)))
                elif ok:
                    self._lost(row)
                else:
                    unsendable.append((row, _why_not(vault, row, cols)))
        else:
            bulk.write_sids(conn, written, now)
            found, candidates = recipients(conn, vault, group), []
            for row in group:
                to, why_not = found[row.id]
                (candidates if to is not None or why_not == UNREADABLE else unsendable).append(
                    (row, to or why_not)
                )
            held = bulk.mark_attempting(conn, [row for row, _ in candidates], now, lease)
            marked = [(row, to) for row, to in candidates if row.id in held]
            for row, _ in candidates:
                if row.id not in held:
                    self._lost(row)
        for row, why_not in unsendable:
            self._count(row, why_not if outbox.settle_unsendable(conn, row, why_not, now) else "lost")
        ready = [(row, to) for row, to in marked if to != UNREADABLE]
        return ready, [row for row, to in marked if to == UNREADABLE]

    def _lost(self, row: Claimed) -> None:
        log.warning("outbox %d: claim lost before sending (lease expired); not sent", row.id)
        self._count(row, "lost")

    def _count(self, row: Claimed, result: str) -> None:
        self.report.results[result] += 1
        OUTBOUND_MESSAGES.labels(row.purpose, result).inc()

    def _deliver(self, row: Claimed, to: str) -> None:
        try:
            result, sid = self.d.deliver(row, to)
        except Exception as exc:  # deliver records its own failures; this is a last resort
            log.error("outbox %d: send step failed (%s)", row.id, type(exc).__name__)
            result, sid = "error", None
        self.done.put((row, result, sid))

    def _collect(self, timeout: float | None) -> bool:
        """Take the results that are in (waiting up to `timeout` for the first); False if none came."""
        try:
            item = self.done.get(timeout=timeout)
        except queue.Empty:
            return False
        while item is not None:
            row, result, sid = item
            self.in_flight -= 1
            self.report.results[result] += 1
            if sid is not None:
                self.sent.append((row.id, row.token, sid))
            try:
                item = self.done.get_nowait()
            except queue.Empty:
                item = None
        return True

    def _write_sids(self, conn: Connection) -> None:
        with self._step(conn):
            bulk.write_sids(conn, self.sent, self.d.ctx.clock.now())
        self.d.sids_written(len(self.sent))
        self.sent = []

    def _renew(self, conn: Connection) -> None:
        tokens = sorted({row.token for row in self.queue if row.token})
        with self._step(conn):
            outbox.renew(conn, tokens, self.d.ctx.clock.now() + self.d.lease)


@contextmanager
def _generic_plans(conn: Connection) -> Iterator[None]:
    """PostgreSQL: plan each step's statement once for the run. Its plan is always the same (rows by
    id), but the server re-plans a statement this size on every run of it unless told (2-10 ms a
    step, more than it takes to run). The setting is put back before the connection returns."""
    if conn.dialect.name != "postgresql":
        yield
        return
    driver = conn.connection.driver_connection
    driver.execute("SET plan_cache_mode = force_generic_plan")
    try:
        yield
    finally:
        try:
            driver.execute("RESET plan_cache_mode")
        except Exception:  # a broken connection is thrown away by the pool anyway
            conn.invalidate()


def _read(vault, row: Claimed, cols) -> str:
    """The number of a row the checks passed, or UNREADABLE (a ciphertext no key opens)."""
    try:
        return answer(vault, row, cols)[0] or UNREADABLE
    except Exception as exc:
        log.error("outbox %d: recipient unreadable (%s)", row.id, type(exc).__name__)
        return UNREADABLE


def _why_not(vault, row: Claimed, cols) -> str:
    try:
        return answer(vault, row, cols)[1] or "cancelled"
    except Exception:
        return "cancelled"
