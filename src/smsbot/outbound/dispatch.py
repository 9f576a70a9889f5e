"""Sending the outbox: claim about one pacing window of rows, and for each: wait for a slot, check
suppression, mark `attempting` (only while this worker's claim token is still on the row), send,
record. The check and the mark share one transaction right before the HTTP call; a slot may be used a
little late (pacing.py), so a check slowed by the database or a busy CPU seldom costs it.
Unpaced (SMSBOT_SEND_RATE=0), small groups are checked and marked together instead (burst.py).
"""
# Rows are sent by a few threads (the time goes to HTTP round trips). Failures are recorded at once
# by the thread. SIDs, paced: by the thread right after its send (a crash then leaves only the texts
# in flight `unknown`). A send that raises records its own outcome; the SIDs gathered are always
# written (`finally`). A 5xx/refused send pauses everyone (outage.py); a 429 (too fast) slows the
# pace a moment and the text goes again in its place (a third 429 in a row for it: a pause).

from __future__ import annotations

import inspect
import logging
import math
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from smsbot.context import AppContext
from smsbot.observability import OUTBOUND_MESSAGES, SEND_ERRORS, label_code
from smsbot.outbound import outage, outbox
from smsbot.outbound.burst import IN_FLIGHT, GroupSender
from smsbot.outbound.callbacks import StatusChange
from smsbot.outbound.outbox import MAX_ATTEMPTS, PARTICIPANT_PURPOSES, Claimed
from smsbot.outbound.pacing import NoPacing, Pacer, SharedPacer, build_pacer
from smsbot.outbound.recipients import recipient
from smsbot.outbound.report import DispatchReport, FailureHook, RefillHook, StatusHook
from smsbot.outbound.senders import Sender, SendError

log = logging.getLogger(__name__)
# Sends in flight at once: rate x 0.1 s (4..32), enough for Twilio's ~100 ms answers at the full
# SMSBOT_SEND_RATE; without a rate, burst.IN_FLIGHT.
MIN_THREADS, MAX_THREADS = 4, 32
FLUSH_ROWS, FLUSH_SECONDS = 100, 0.1  # how often sent rows get their SIDs written
MAX_REPACE = 5  # fresh slots a send held up by its check may take before it goes anyway
PACED_SWITCH_INTERVAL = 0.001  # seconds; Python's default 0.005 makes paced sends up to 5 ms late
CLAIM_AHEAD_SECONDS = 2.0  # claim what the rate sends in this long (next claim at half of it)
UNPACED_BATCH = 500
LEASE_MARGIN = timedelta(seconds=60)
# An attempt holds its row this long: the HTTP call's two 15 s timeouts, and room to record it.
ATTEMPT_LEASE = timedelta(seconds=60)


def _warm_weakly(dispatcher: weakref.ref) -> Callable[[], None]:
    """A sending thread's initializer that does not keep its dispatcher alive: when the dispatcher
    goes, its pool goes, and the idle threads end."""

    def warm() -> None:
        found = dispatcher()
        if found is not None:
            found._warm_thread()

    return warm


class Dispatcher:
    def __init__(
        self,
        ctx: AppContext,
        sender: Sender,
        *,
        on_failure: FailureHook | None = None,
        on_status: StatusHook | None = None,
        pacer: Pacer | None = None,
        threads: int | None = None,
    ) -> None:
        self.ctx, self.sender = ctx, sender
        self.on_failure, self.on_status = on_failure, on_status
        rate = ctx.settings.send_rate
        self.pacer = pacer or build_pacer(ctx.db, rate)
        self.paced = not isinstance(self.pacer, NoPacing)
        self.threads = threads or (
            IN_FLIGHT if rate <= 0 else max(MIN_THREADS, min(MAX_THREADS, math.ceil(rate * 0.1)))
        )
        self.batch = (
            UNPACED_BATCH if rate <= 0 else max(4, min(UNPACED_BATCH, math.ceil(rate * CLAIM_AHEAD_SECONDS)))
        )
        # Sized to what is held: a claim waits up to 1.5 batches at the rate; renewed while held.
        self.lease = LEASE_MARGIN + timedelta(seconds=0 if rate <= 0 else 3 * self.batch / rate)
        self.renew_every = self.lease.total_seconds() / 3
        self.attempt_lease = ATTEMPT_LEASE
        self._send_ref = "ref" in inspect.signature(sender.send).parameters
        self.refill: RefillHook | None = None  # the worker sets it (a feature above this package)
        self._pool: ThreadPoolExecutor | None = None  # paced senders, kept across runs (warm clients)
        self.outage = threading.Event()  # set by a 5xx/refused send: start no more this run
        self.tokens: set[str] = set()  # this run's claims (handed back if an outage stops it)

    def recover(self, report: DispatchReport) -> None:
        now = self.ctx.clock.now()
        with self.ctx.db.transaction() as conn:
            report.paused_until = outage.paused_until(conn, now)
            found = outbox.recover_interrupted(conn, now)
            for row in found.gave_up:
                if self.on_failure:
                    self.on_failure(conn, row, "failed", now)
            self._apply_changes(conn, found.changes, now)
        report.recovered += found.released + len(found.unknown)
        if found.released or found.unknown:
            log.warning(
                "outbox: %d held rows back in the queue, %d attempts with unknown outcome (%d alerts resent)",
                found.released,
                len(found.unknown),
                len(found.requeued),
            )

    def _apply_changes(self, conn: Connection, changes: list[StatusChange], now: datetime) -> None:
        if self.on_status:
            for change in changes:
                self.on_status(conn, change, now)

    def run(self, max_batches: int | None = None) -> DispatchReport:
        """Send everything due now; returns counts by result."""
        report = DispatchReport()
        self.outage.clear()
        self.tokens = set()
        self.recover(report)
        if report.paused_until is not None:
            return report
        switch_interval = sys.getswitchinterval()
        dropped = getattr(self.pacer, "dropped", 0)
        if isinstance(self.pacer, SharedPacer):
            # A sender waking at its slot gets the GIL within ~1 ms instead of up to 5: paced sends
            # then leave on time (a slot missed by more than the pacer's tolerance is lost rate).
            sys.setswitchinterval(PACED_SWITCH_INTERVAL)
        try:
            if self.paced:
                self._warm_thread()
                self._send_due(report, max_batches)
            else:
                GroupSender(self, report, max_batches).run()
        finally:
            sys.setswitchinterval(switch_interval)
            report.slots_missed = getattr(self.pacer, "dropped", 0) - dropped
            if self.outage.is_set():
                self._hand_back(report)
        return report

    def _hand_back(self, report: DispatchReport) -> None:
        """Twilio is down: what this run holds and never tried goes back to the queue, in its place."""
        with self.ctx.db.transaction() as conn:
            now = self.ctx.clock.now()
            released = outbox.release(conn, sorted(self.tokens), now)
            report.paused_until = outage.paused_until(conn, now)
        log.warning("outbox: Twilio unavailable; %d texts wait in the queue, sending paused", released)

    def claim(self, conn: Connection, limit: int) -> list[Claimed]:
        """Claim due rows for this run (none while an outage has stopped it)."""
        if self.outage.is_set():
            return []
        token = outbox.new_token()
        self.tokens.add(token)
        return outbox.claim(conn, self.ctx.clock.now(), limit, self.lease, token)

    def _send_due(self, report: DispatchReport, max_batches: int | None) -> None:
        """Keep the threads fed: the next batch is claimed while half of this one is in flight, so
        sending never drains and stalls at a batch boundary (which would cost paced slots)."""
        batches, pending = 0, deque()
        sent: list[tuple[int, str, str]] = []
        flushed = renewed = time.monotonic()
        if self._pool is None:
            # Kept for the worker's life: each thread's HTTP connection and twilio client are made
            # once, not at every run (a broadcast runs every window, ~20 s).
            warm = _warm_weakly(weakref.ref(self))
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="send", initializer=warm)
        pool = self._pool
        try:
            nothing_due = False  # after an empty claim, claim again only once the pipeline is empty
            refilled = False  # a broadcast's next window is queued: this run claims no more
            while True:
                room = len(pending) <= self.batch // 2 and (max_batches is None or batches < max_batches)
                if room and not refilled and not (nothing_due and pending):
                    with self.ctx.db.transaction() as conn:
                        rows = self.claim(conn, self.batch)
                    batches += 1 if rows else 0
                    nothing_due = not rows
                    pending.extend((row, pool.submit(self.send_one, row)) for row in rows)
                    if len(rows) < self.batch:
                        # The window runs out: the next one is queued while these go out, and the
                        # run ends with them, so the next tick (check-ins first) starts with no gap.
                        refilled = self._refill() > 0
                if not pending:
                    break
                row, future = pending.popleft()
                if sent and not future.done() and not wait([future], timeout=FLUSH_SECONDS).done:
                    # A slow or stalled send: write what is known first, so a stall never holds
                    # other rows' SIDs until a lease expires and makes them `unknown`.
                    self._record_sent(sent)
                    sent, flushed = [], time.monotonic()
                self._collect(report, row, future, sent)
                if sent and (
                    self.paced or len(sent) >= FLUSH_ROWS or time.monotonic() - flushed >= FLUSH_SECONDS
                ):
                    self._record_sent(sent)
                    sent, flushed = [], time.monotonic()
                if pending and time.monotonic() - renewed >= self.renew_every:
                    self._renew(pending)
                    renewed = time.monotonic()
        finally:
            # Whatever went wrong above, rows not started stay held (their lease returns them to the
            # queue) and every SID already gathered is written.
            for row, future in pending:
                if not future.cancel():
                    self._collect(report, row, future, sent)  # waits for it
            self._record_sent(sent)

    def _refill(self) -> int:
        if self.refill is None or self.outage.is_set():
            return 0
        try:
            return self.refill()
        except Exception as exc:  # the next tick queues it as before; sending goes on meanwhile
            log.error("outbox: refill failed (%s)", type(exc).__name__)
            return 0

    def _collect(self, report: DispatchReport, row: Claimed, future: Future, sent: list) -> None:
        try:
            result, sid = future.result()
        except Exception as exc:  # send_one records its own failures; this is a last resort
            log.error("outbox %d: send step failed (%s)", row.id, type(exc).__name__)
            result, sid = "error", None
        report.results[result] += 1
        if sid is not None:
            sent.append((row.id, row.token, sid))

    def _renew(self, pending: deque) -> None:
        tokens = sorted({row.token for row, _ in pending if row.token})
        with self.ctx.db.transaction() as conn:
            outbox.renew(conn, tokens, self.ctx.clock.now() + self.lease)

    def _warm_thread(self) -> None:
        """Before a thread's first paced send: its HTTP client and a database connection exist, and
        twilio's lazy imports are done (else the first sends wait on them and then leave as a burst)."""
        warm = getattr(self.sender, "warm", None)
        if warm is not None:
            warm()
        with self.ctx.db.transaction():
            pass

    def _record_sent(self, sent: list[tuple[int, str, str]]) -> None:
        """Record Twilio SIDs, then apply any status report that arrived before its SID."""
        if sent:
            with self.ctx.db.transaction() as conn:
                now = self.ctx.clock.now()
                self._apply_changes(conn, outbox.mark_sent_many(conn, sent, now), now)
            self.sids_written(len(sent))

    def sids_written(self, count: int) -> None:
        """Called after a commit that recorded `count` SIDs (a hook for tests that wait on it)."""

    def _prepare(self, row: Claimed) -> tuple[str | None, str]:
        """Wait for a slot, then check and mark attempting: (e164, "") to send now, else (None, what
        happened). The mark comes only when the send follows at once: a row marked and then left
        waiting for a slot would become `unknown` if the worker were killed meanwhile, and its
        participant would miss a text that never went out (and their peer be alerted for nothing)."""
        for tries in range(MAX_REPACE):
            slot = self.pacer.next_slot()
            self.pacer.wait_for(slot)
            with self.ctx.db.transaction() as conn:
                now = self.ctx.clock.now()
                to, why_not = recipient(conn, self.ctx.vault, row)
                if to is None:
                    return None, why_not if outbox.settle_unsendable(conn, row, why_not, now) else "lost"
                # The check outlasted the pacer's tolerance: a fresh slot (checked again) rather
                # than a late send bunched with the next ones.
                if tries == MAX_REPACE - 1 or self.pacer.on_time(slot):
                    if not outbox.mark_attempting(conn, row, now, ATTEMPT_LEASE):
                        return None, "lost"  # the lease ran out and another worker has the row
                    return to, ""
        raise AssertionError("unreachable")

    def send_one(self, row: Claimed) -> tuple[str, str | None]:
        """Pace, check, send and record one row: (result, Twilio SID when sent). The SID is
        written by the caller; everything else here. Never raises."""
        try:
            if self.outage.is_set():
                return "paused", None  # held, never tried: handed back at the end of the run
            to, why_not = self._prepare(row)
            if to is None:
                if why_not == "lost":
                    log.warning("outbox %d: claim lost before sending (lease expired); not sent", row.id)
                OUTBOUND_MESSAGES.labels(row.purpose, why_not).inc()
                return why_not, None
        except Exception as exc:  # the database, say: the row stays held and its lease returns it
            log.error("outbox %d: could not prepare the send (%s)", row.id, type(exc).__name__)
            return "error", None
        return self.deliver(row, to)

    def deliver(self, row: Claimed, to: str) -> tuple[str, str | None]:
        """Send one row already marked `attempting` and record a failure: (result, SID to write)."""
        try:
            sid = (
                self.sender.send(to, row.body, ref=str(row.id))
                if self._send_ref
                else self.sender.send(to, row.body)
            )
        except SendError as error:
            return self._failed_safely(row, error), None
        except Exception as exc:  # a bug or an unexpected transport error: it may have gone out
            log.error("outbox %d: unexpected send error %s", row.id, type(exc).__name__)
            return self._failed_safely(row, SendError("unknown", type(exc).__name__[:16])), None
        OUTBOUND_MESSAGES.labels(row.purpose, "sent").inc()
        if self.paced:
            # At a paced rate one small transaction per send costs nothing, and it narrows the
            # window in which a crash leaves a text that did go out `unknown` to this write alone.
            try:
                self._record_sent([(row.id, row.token, sid)])
                return "sent", None
            except Exception as exc:  # the caller's flush tries again
                log.error("outbox %d: SID not recorded yet (%s)", row.id, type(exc).__name__)
        return "sent", sid

    def _failed_safely(self, row: Claimed, error: SendError) -> str:
        try:
            return self._failed(row, error)
        except Exception as exc:  # not recorded: the row stays `attempting`, and becomes `unknown`
            log.error("outbox %d: failure not recorded (%s)", row.id, type(exc).__name__)
            return "error"

    def _failed(self, row: Claimed, error: SendError) -> str:
        SEND_ERRORS.labels(label_code(error.code)).inc()
        now, attempt = self.ctx.clock.now(), row.attempts + 1
        action = error.action
        if action == "throttled" and attempt < MAX_ATTEMPTS:
            # Too fast, not down: it goes again in its place, this run, after a short back-off
            # (taken outside the transaction: the pacer writes its own row).
            with self.ctx.db.transaction() as conn:
                kept = outbox.retry_later(conn, row, error.code, row.due or now, now)
            self.pacer.back_off()
            if not kept:
                return "lost"
            log.warning("outbox %d: attempt %d refused as too fast (%s)", row.id, attempt, error.code)
            OUTBOUND_MESSAGES.labels(row.purpose, "throttled").inc()
            return "throttled"
        with self.ctx.db.transaction() as conn:
            if action == "unknown" and (row.purpose in PARTICIPANT_PURPOSES or row.interrupted >= 1):
                # It may have gone out: a participant text is never resent; a peer alert only once.
                if not outbox.mark_unknown(conn, row, error.code, now):
                    return "lost"
                if row.purpose not in PARTICIPANT_PURPOSES and self.on_failure:
                    self.on_failure(conn, row, "failed", now)
                log.warning("outbox %d: outcome unknown (%s)", row.id, error.code)
                OUTBOUND_MESSAGES.labels(row.purpose, "unknown").inc()
                return "unknown"
            if action == "throttled":
                action = "retry"  # still refused after its tries: everyone pauses, as for an outage
            if action == "retry" and (attempt < MAX_ATTEMPTS or outage.keeps_trying(row.created_at, now)):
                # Twilio is down or busy, not this text: it keeps its place (due time) and everyone
                # pauses; it is not given up before OUTAGE_GIVE_UP.
                self.outage.set()
                outage.pause(conn, now)
                if not outbox.retry_later(conn, row, error.code, row.due or now, now):
                    return "lost"
                log.warning("outbox %d: attempt %d failed (%s), will retry", row.id, attempt, error.code)
                OUTBOUND_MESSAGES.labels(row.purpose, "retry").inc()
                return "retry"
            if action == "unknown":
                at = now + outbox.backoff(attempt)
                if not outbox.retry_later(conn, row, error.code, at, now, interrupted=action == "unknown"):
                    return "lost"
                log.warning("outbox %d: attempt %d failed (%s), will retry", row.id, attempt, error.code)
                OUTBOUND_MESSAGES.labels(row.purpose, "retry").inc()
                return "retry"
            reason = "opted_out" if action == "opted_out" else "failed"
            if not outbox.mark_failed(conn, row, error.code, now):
                return "lost"
            if self.on_failure:
                self.on_failure(conn, row, reason, now)
        log.warning("outbox %d: %s after %d attempts (%s)", row.id, reason, attempt, error.code)
        OUTBOUND_MESSAGES.labels(row.purpose, reason).inc()
        return reason
