"""Sending the outbox: claim a batch, and for each row pace, check suppression, decrypt, send, record.
The suppression list (and the participant's opt-out and the check-in still waiting) is read right
before each send, after the pacing wait, so nothing reaches a number that opted out meanwhile.
"""
# Rows are sent by a few threads (the time goes to HTTP round trips). Failures are recorded at once;
# SIDs of sent rows in batches within 0.1 s, well before Twilio's first status callback for them.

from __future__ import annotations

import logging
import math
import sys
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.engine import Connection

from smsbot.context import AppContext
from smsbot.models import Checkin, Contact, Staff, Suppression
from smsbot.observability import OUTBOUND_MESSAGES
from smsbot.outbound import outbox
from smsbot.outbound.outbox import MAX_ATTEMPTS, PARTICIPANT_PURPOSES, Claimed
from smsbot.outbound.pacing import Pacer, SharedPacer, build_pacer
from smsbot.outbound.senders import Sender, SendError
from smsbot.upsert import insert_ignore

log = logging.getLogger(__name__)
contact, staff, suppression, checkin = (
    Contact.__table__,
    Staff.__table__,
    Suppression.__table__,
    Checkin.__table__,
)
OPEN_CHECKIN_STATUSES = ("waiting", "reminded")
# Sends in flight at once: rate x 0.1 s (4..32), enough for Twilio's ~100 ms answers at the full
# SMSBOT_SEND_RATE; without a rate, 4 keep one CPU busy (more threads only contend for the GIL).
MIN_THREADS, MAX_THREADS, UNPACED_THREADS = 4, 32, 4
FLUSH_ROWS, FLUSH_SECONDS = 100, 0.1  # how often sent rows get their SIDs written
MAX_REPACE = 5  # fresh slots a send held up by its check may take before it goes anyway
PACED_SWITCH_INTERVAL = 0.001  # seconds; Python's default 0.005 makes paced sends up to 5 ms late

# Called inside the transaction that records a final failure: (conn, row, reason, now), reason is
# "failed" (gave up) or "opted_out" (the carrier says the number unsubscribed). The worker wires
# the check-in side here (alerts, stopping enrollments), so this package never imports features.
FailureHook = Callable[[Connection, Claimed, str, datetime], None]

_CONTACT_RECIPIENT = (
    select(
        contact.c.phone_index,
        contact.c.phone_ciphertext,
        contact.c.opted_out_at,
        suppression.c.phone_index.label("suppressed"),
        checkin.c.status.label("checkin_status"),
    )
    .select_from(
        contact.outerjoin(suppression, suppression.c.phone_index == contact.c.phone_index).outerjoin(
            checkin, checkin.c.id == bindparam("checkin_id")
        )
    )
    .where(contact.c.id == bindparam("recipient_id"))
)
_STAFF_RECIPIENT = (
    select(
        staff.c.phone_index,
        staff.c.phone_ciphertext,
        staff.c.deactivated_at.label("opted_out_at"),
        suppression.c.phone_index.label("suppressed"),
        staff.c.is_active,
    )
    .select_from(staff.outerjoin(suppression, suppression.c.phone_index == staff.c.phone_index))
    .where(staff.c.id == bindparam("recipient_id"))
)


@dataclass
class DispatchReport:
    results: Counter = field(default_factory=Counter)
    recovered: int = 0

    @property
    def sent(self) -> int:
        return self.results["sent"]


class Dispatcher:
    def __init__(
        self,
        ctx: AppContext,
        sender: Sender,
        *,
        on_failure: FailureHook | None = None,
        pacer: Pacer | None = None,
        threads: int | None = None,
    ) -> None:
        self.ctx, self.sender, self.on_failure = ctx, sender, on_failure
        rate = ctx.settings.send_rate
        self.pacer = pacer or build_pacer(ctx.db, rate)
        self.threads = threads or (
            UNPACED_THREADS if rate <= 0 else max(MIN_THREADS, min(MAX_THREADS, math.ceil(rate * 0.1)))
        )
        # Claim about five seconds of sending at the configured rate (500 rows without a limit).
        self.batch = 500 if rate <= 0 else max(10, min(500, int(rate * 5)))
        self.lease = timedelta(seconds=60 + (0 if rate <= 0 else 2 * self.batch / rate))

    def recover(self, report: DispatchReport) -> None:
        now = self.ctx.clock.now()
        with self.ctx.db.transaction() as conn:
            requeued, closed = outbox.recover_interrupted(conn, now)
            for row in closed:
                if row.purpose not in PARTICIPANT_PURPOSES and self.on_failure:
                    self.on_failure(conn, row, "failed", now)
        report.recovered += len(requeued) + len(closed)
        if requeued or closed:
            log.warning("outbox: %d interrupted sends requeued, %d closed unsent", len(requeued), len(closed))

    def run(self, max_batches: int | None = None) -> DispatchReport:
        """Send everything due now; returns counts by result."""
        report = DispatchReport()
        self.recover(report)
        self._warm_thread()
        switch_interval = sys.getswitchinterval()
        if isinstance(self.pacer, SharedPacer):
            # A sender waking at its slot gets the GIL within ~1 ms instead of up to 5: paced sends
            # then leave on time (late ones take a fresh slot, so lateness costs rate).
            sys.setswitchinterval(PACED_SWITCH_INTERVAL)
        try:
            self._send_due(report, max_batches)
        finally:
            sys.setswitchinterval(switch_interval)
        return report

    def _send_due(self, report: DispatchReport, max_batches: int | None) -> None:
        """Keep the threads fed: the next batch is claimed while half of this one is still in flight,
        so sending never drains and stalls at a batch boundary (which would cost paced slots)."""
        batches, pending = 0, deque()
        sent: list[tuple[int, str]] = []
        flushed = time.monotonic()
        pool = ThreadPoolExecutor(self.threads, thread_name_prefix="send", initializer=self._warm_thread)
        with pool:
            nothing_due = False  # after an empty claim, claim again only once the pipeline is empty
            while True:
                room = len(pending) <= self.batch // 2 and (max_batches is None or batches < max_batches)
                if room and not (nothing_due and pending):
                    with self.ctx.db.transaction() as conn:
                        rows = outbox.claim(conn, self.ctx.clock.now(), self.batch, self.lease)
                    batches += 1 if rows else 0
                    nothing_due = not rows
                    pending.extend(pool.submit(self.send_one, row) for row in rows)
                if not pending:
                    break
                result, row_id, sid = pending.popleft().result()
                report.results[result] += 1
                if sid is not None:
                    sent.append((row_id, sid))
                if len(sent) >= FLUSH_ROWS or (sent and time.monotonic() - flushed >= FLUSH_SECONDS):
                    self._record_sent(sent)
                    sent, flushed = [], time.monotonic()
        self._record_sent(sent)

    def _warm_thread(self) -> None:
        """Before a thread's first paced send: its HTTP client and a database connection exist, and
        twilio's lazy imports are done (else the first sends wait on them and then leave as a burst)."""
        warm = getattr(self.sender, "warm", None)
        if warm is not None:
            warm()
        with self.ctx.db.transaction():
            pass

    def _record_sent(self, sent: list[tuple[int, str]]) -> None:
        """Record Twilio SIDs in one transaction per ~100 sends (a row is `sending` until then)."""
        if sent:
            with self.ctx.db.transaction() as conn:
                outbox.mark_sent_many(conn, sent, self.ctx.clock.now())

    def _recipient(self, conn: Connection, row: Claimed) -> tuple[str | None, str]:
        """(e164, "") when the row may go out now, else (None, why not)."""
        if row.contact_id is not None:
            found = conn.execute(
                _CONTACT_RECIPIENT, {"recipient_id": row.contact_id, "checkin_id": row.checkin_id}
            ).first()
            if (
                found is not None
                and row.checkin_id is not None
                and found.checkin_status not in OPEN_CHECKIN_STATUSES
            ):
                return None, "cancelled"  # answered, paused or stopped since it was queued
        else:
            found = conn.execute(_STAFF_RECIPIENT, {"recipient_id": row.staff_id}).first()
            if found is not None and not found.is_active:
                return None, "cancelled"
        if found is None or found.phone_ciphertext is None:
            return None, "cancelled"  # forgotten, or nobody to text
        if found.suppressed is not None or found.opted_out_at is not None:
            return None, "suppressed"
        return self.ctx.vault.decrypt(found.phone_ciphertext, found.phone_index), ""

    def send_one(self, row: Claimed) -> tuple[str, int, str | None]:
        """Pace, check, send one row: (result, row id, Twilio SID when sent). The SID is recorded by
        the caller in batches; everything else is recorded here at once."""
        for _ in range(MAX_REPACE):
            slot = self.pacer.next_slot()
            self.pacer.wait_for(slot)
            with self.ctx.db.transaction() as conn:
                to, why_not = self._recipient(conn, row)
                if to is None:
                    outbox.mark_final(conn, row.id, why_not, None, self.ctx.clock.now())
            # The check waited on the database past the slot: take a fresh slot (and check again)
            # rather than send late into the next sender's slot, which would be a burst.
            if to is None or self.pacer.on_time(slot):
                break
        if to is None:
            OUTBOUND_MESSAGES.labels(row.purpose, why_not).inc()
            return why_not, row.id, None
        try:
            sid = self.sender.send(to, row.body)
        except SendError as error:
            return self._failed(row, error), row.id, None
        except Exception as exc:  # a bug or an unexpected transport error: retry, say what kind
            log.error("outbox %d: unexpected send error %s", row.id, type(exc).__name__)
            return self._failed(row, SendError("retry", type(exc).__name__[:16])), row.id, None
        OUTBOUND_MESSAGES.labels(row.purpose, "sent").inc()
        return "sent", row.id, sid

    def _failed(self, row: Claimed, error: SendError) -> str:
        now = self.ctx.clock.now()
        action = error.action
        if action == "unknown":
            # It may have gone out: resend only where a duplicate is safe.
            action = "fail" if row.purpose in PARTICIPANT_PURPOSES else "retry"
        if action == "retry" and row.attempts < MAX_ATTEMPTS:
            with self.ctx.db.transaction() as conn:
                outbox.retry_later(conn, row.id, error.code, now + outbox.backoff(row.attempts), now)
            log.warning("outbox %d: attempt %d failed (%s), will retry", row.id, row.attempts, error.code)
            OUTBOUND_MESSAGES.labels(row.purpose, "retry").inc()
            return "retry"
        reason = "opted_out" if action == "opted_out" else "failed"
        with self.ctx.db.transaction() as conn:
            outbox.mark_final(conn, row.id, "failed", error.code, now)
            if reason == "opted_out":
                self._suppress(conn, row, now)
            if self.on_failure:
                self.on_failure(conn, row, reason, now)
        log.warning("outbox %d: %s after %d attempts (%s)", row.id, reason, row.attempts, error.code)
        OUTBOUND_MESSAGES.labels(row.purpose, reason).inc()
        return reason

    def _suppress(self, conn: Connection, row: Claimed, now: datetime) -> None:
        """The carrier says this number unsubscribed (21610): never text it again."""
        if row.contact_id is not None:
            index = conn.execute(select(contact.c.phone_index).where(contact.c.id == row.contact_id)).scalar()
            conn.execute(
                update(contact)
                .where(and_(contact.c.id == row.contact_id, contact.c.opted_out_at.is_(None)))
                .values(opted_out_at=now)
            )
        else:
            index = conn.execute(select(staff.c.phone_index).where(staff.c.id == row.staff_id)).scalar()
        if index:
            conn.execute(
                insert_ignore(conn, suppression, ["phone_index"]).values(
                    phone_index=index, opted_out_at=now, source="carrier"
                )
            )
