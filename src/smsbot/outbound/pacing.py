"""Pacing: never faster than SMSBOT_SEND_RATE messages a second, across every worker together.
The pace is shared through the database, not split per worker: one row holds the wall-clock
second at which the next send slot is free (GCRA, a token bucket without burst).
"""
# A worker reserves a few slots at a time with one atomic UPDATE and sends each at its slot's time, so N
# workers together still keep to the rate, and a worker that dies only wastes its reserved slots
# (slower, never faster). Pacing is physical time, so it reads the wall clock, not the app clock.
# SMSBOT_SEND_RATE=0 means no pacing at all (benchmarks, or a provider that paces for you).

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import bindparam, case, update

from smsbot.db import Database
from smsbot.models import SendRateBucket
from smsbot.upsert import insert_ignore

bucket = SendRateBucket.__table__
BUCKET = "default"
RESERVE_SECONDS = 0.25  # how much send time one reservation covers (fewer round trips, little waste)
# A slot may be used this late (and always one interval late): a sender woken late by a busy CPU
# still sends rather than lose the slot. Sends then bunch by at most rate x 50 ms + 1, which fits a
# limiter's burst of a tenth of a second (the fake's, and far less than Twilio's queue takes).
LATE_SLOT_SECONDS = 0.05
# After a 429 (too fast) no send leaves for this long (at least one interval): a limiter whose bucket
# is empty refills instead of answering the next sends 429 too.
BACK_OFF_SECONDS = 0.1


class Pacer:
    """Hands out send times: `next_slot()` then `wait_for(slot)`; `on_time(slot)` after the last check."""

    def next_slot(self) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def wait_for(self, slot: float) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def on_time(self, slot: float) -> bool:
        """May a send for `slot` still leave now?"""
        return True

    def wait(self) -> None:
        self.wait_for(self.next_slot())

    def back_off(self) -> None:
        """Twilio answered 429: slow down (no pace to slow here, so this thread waits a moment)."""
        time.sleep(BACK_OFF_SECONDS)


class NoPacing(Pacer):
    def next_slot(self) -> float:
        return 0.0

    def wait_for(self, slot: float) -> None:
        return None


class SharedPacer(Pacer):
    """Slots reserved from the shared bucket row, handed to this process's sending threads in order."""

    def __init__(
        self,
        db: Database,
        rate: float,
        *,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive (0 means no pacing: use NoPacing)")
        self.db, self.rate, self.wall, self.sleep = db, rate, wall, sleep
        self.interval = 1.0 / rate
        self.tolerance = max(self.interval, LATE_SLOT_SECONDS)
        self.dropped = 0  # slots that went by unused (counted for the tick's report)
        self.chunk = max(1, int(rate * RESERVE_SECONDS))
        self._slots: list[float] = []
        # Held while reserving, which is a database transaction (on SQLite, under the write lock): so it
        # is never taken by a thread inside a transaction. A sender checks its slot inside one
        # (`on_time`); had that taken this lock, a sender reserving meanwhile would wait for its write
        # lock and it for this one, for good (seen: a worker hung at 200/s on SQLite).
        self._lock = threading.Lock()
        self._count_lock = threading.Lock()  # only around `dropped`: nothing else is done holding it
        self._reserve_sql = (
            update(bucket)
            .where(bucket.c.name == BUCKET)
            .values(
                next_free_at=case(
                    (bucket.c.next_free_at > bindparam("now"), bucket.c.next_free_at), else_=bindparam("now")
                )
                + bindparam("span")
            )
            .returning(bucket.c.next_free_at)
        )

    def _reserve(self) -> None:
        span = self.chunk * self.interval
        with self.db.transaction() as conn:
            end = conn.execute(self._reserve_sql, {"now": self.wall(), "span": span}).scalar()
            if end is None:  # the row is missing (a hand-made database): create it and retry once
                conn.execute(insert_ignore(conn, bucket, ["name"]).values(name=BUCKET, next_free_at=0.0))
                end = conn.execute(self._reserve_sql, {"now": self.wall(), "span": span}).scalar()
        start = end - span
        self._slots = [start + i * self.interval for i in range(self.chunk)]
        self._slots.reverse()  # pop() from the end gives the earliest

    def next_slot(self) -> float:
        with self._lock:
            # Slots that went by unused (the worker was busy elsewhere) are dropped, never caught up
            # on: many late slots sent now would be a burst.
            stale = self.wall() - self.tolerance
            while self._slots and self._slots[-1] < stale:
                self._slots.pop()
                self._count_dropped(1)
            if not self._slots:
                self._reserve()
            return self._slots.pop()

    def wait_for(self, slot: float) -> None:
        delay = slot - self.wall()
        if delay > 0:
            self.sleep(delay)

    def back_off(self) -> None:
        """Twilio answered 429: the slots of the next BACK_OFF_SECONDS go unused, here and (through the
        shared row) in every worker that reserves after this."""
        until = self.wall() + max(self.interval, BACK_OFF_SECONDS)
        with self._lock:  # the caller holds no transaction (see _lock)
            kept = [slot for slot in self._slots if slot >= until]
            self._count_dropped(len(self._slots) - len(kept))
            self._slots = kept
        with self.db.transaction() as conn:
            conn.execute(
                update(bucket)
                .where(bucket.c.name == BUCKET, bucket.c.next_free_at < until)
                .values(next_free_at=until)
            )

    def on_time(self, slot: float) -> bool:
        """Within the tolerance of its slot? (A slot missed is counted: lost rate.)"""
        if self.wall() <= slot + self.tolerance:
            return True
        self._count_dropped(1)  # called inside the sender's transaction: never the slots' lock
        return False

    def _count_dropped(self, slots: int) -> None:
        with self._count_lock:
            self.dropped += slots


def build_pacer(db: Database, rate: float) -> Pacer:
    return SharedPacer(db, rate) if rate > 0 else NoPacing()
