"""One pass of the worker, in order: expire invitations, due check-ins -> outbox, the ladder
(reminders, alerts), escalation to the on-call peer, sending, then retention clean-up.
"""
# Everything it needs is in the database, so any number of ticks (cron) or workers may run, on any
# machine, and a restart loses nothing. The loop (`smsbot worker`) is this, every few seconds.

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field

from smsbot.alerts import raising as alerts
from smsbot.checkins import delivery, ladder
from smsbot.context import AppContext
from smsbot.outbound.dispatch import Dispatcher, DispatchReport
from smsbot.outbound.pacing import Pacer
from smsbot.outbound.senders import Sender, build_sender
from smsbot.replies.wording import Wording
from smsbot.supply import broadcast as supply_alerts
from smsbot.worker import heartbeat
from smsbot.worker.retention import RetentionReport, run_retention

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    expired_invitations: int = 0
    schedule: ladder.ScheduleReport = field(default_factory=ladder.ScheduleReport)
    ladder: ladder.LadderReport = field(default_factory=ladder.LadderReport)
    escalated: int = 0
    dispatch: DispatchReport = field(default_factory=DispatchReport)
    retention: RetentionReport = field(default_factory=RetentionReport)
    alarms: list[str] = field(default_factory=list)  # watch incidents this tick texted the on-call admin
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each step

    def summary(self) -> str:
        """One line of counts (no personal data), what `smsbot tick` prints."""
        sent = dict(sorted(self.dispatch.results.items()))
        return (
            f"tick: checkins={self.schedule.prompts} missed_by_system={self.schedule.missed_by_system} "
            f"reminders={self.ladder.reminders} alerts={self.ladder.alerts} escalated={self.escalated} "
            f"expired_invitations={self.expired_invitations} sends={sent} "
            + (f"slots_missed={self.dispatch.slots_missed} " if self.dispatch.slots_missed else "")
            + f"retention_deleted={self.retention.inbound_deleted} "
            + "seconds: "
            + " ".join(f"{step}={took:.3f}" for step, took in self.seconds.items())
        )


class Worker:
    """Holds what lives across ticks: the sender (HTTP connections), the pacer, the wording."""

    def __init__(
        self,
        ctx: AppContext,
        sender: Sender | None = None,
        wording: Wording | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.ctx = ctx
        self.wording = wording or Wording.from_settings(ctx.settings)
        self.failures = delivery.FailureHandler(ctx, self.wording)
        self.dispatcher = Dispatcher(
            ctx,
            sender or build_sender(ctx.settings),
            on_failure=self.failures.on_send_failure,
            on_status=self.failures.on_delivery_status,
            pacer=pacer,
        )
        # Paced, a broadcast's next window is queued while the last rows of this one go out.
        self.dispatcher.refill = lambda: supply_alerts.advance(self.ctx, self.wording).queued
        self.name = heartbeat.worker_id()

    def tick(self, *, send: bool = True, retention: bool = True) -> TickReport:
        with heartbeat.beating(self.ctx, self.name):  # the watch knows this worker lives
            return self._tick(send=send, retention=retention)

    def _tick(self, *, send: bool, retention: bool) -> TickReport:
        ctx, report = self.ctx, TickReport()
        started = time.perf_counter()

        def took(step: str) -> None:
            nonlocal started
            now = time.perf_counter()
            report.seconds[step], started = now - started, now

        with ctx.db.transaction() as conn:
            report.expired_invitations = ladder.expire_invitations(conn, ctx.clock.now())
        report.schedule = ladder.schedule_due(ctx, self.wording)
        took("schedule")
        report.ladder = ladder.advance_checkins(ctx, self.wording)
        with ctx.db.transaction() as conn:
            report.escalated = alerts.escalate_due(conn, self.wording, ctx.clock.now())
        took("ladder")
        supply_alerts.advance(ctx, self.wording)  # drug-supply alerts: a broadcast's next batch (issue 13)
        if send:
            report.dispatch = self.dispatcher.run()
            took("send")
        if retention:
            report.retention = run_retention(ctx)
            took("retention")
        if send:
            report.alarms = heartbeat.check(ctx, self.dispatcher)
        return report


def run_forever(worker: Worker, interval: float = 2.0, stop: threading.Event | None = None) -> None:
    """Tick until SIGTERM/SIGINT; a failing tick is logged and retried, never fatal."""
    stop = stop or threading.Event()

    def _stop(*_args) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    while not stop.is_set():
        sent = 0
        try:
            report = worker.tick()
            sent = report.dispatch.sent
            if report.dispatch.results or report.schedule.prompts or report.ladder.alerts:
                log.info(report.summary())
        except Exception as exc:  # the database restarting, say: keep going, loudly
            # Only the type: a database error's text can carry bound values (numbers, message text).
            log.error("tick failed: %s", type(exc).__name__)
        # A tick that sent goes on at once: a broadcast's next window keeps the pace (issue 13).
        stop.wait(0 if sent else interval)
