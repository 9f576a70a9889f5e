"""The watch: is the worker alive (its heartbeat), is the outbox moving, and one text per incident to
the on-call admin (or on-call peer, else an admin) when not. Read by /readyz, the dashboard and the worker.
"""
# Once per incident, whoever notices first: the alarm is an outbox row whose idempotency key names the
# incident (the silent worker's last beat; the oldest stuck row), so every process computes the same key
# and only the one whose insert lands sends it. A silent worker cannot send, so the process that queued
# the alarm sends that one row itself, right away, through the normal claim/attempt/record path; if that
# send fails the row stays queued like any other and a live worker retries it.

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, false, func, or_, select, update
from sqlalchemy.engine import Connection

from smsbot.context import AppContext
from smsbot.db import utc_value
from smsbot.models import Alert, OutboxMessage, Staff, Suppression, WorkerHeartbeat
from smsbot.observability import (
    ALERTS_OPEN,
    DATABASE_UP,
    OUTBOX_OLDEST_DUE,
    OUTBOX_WAITING,
    WORKER_HEARTBEAT_AGE,
)
from smsbot.outbound import figures, outbox
from smsbot.outbound.outbox import Claimed
from smsbot.outbound.states import OutboxStatus as S

log = logging.getLogger(__name__)
heartbeat, outbox_t = WorkerHeartbeat.__table__, OutboxMessage.__table__
staff, suppression = Staff.__table__, Suppression.__table__

PURPOSE = "watch"
WAITING = (S.QUEUED, S.CLAIMED, S.ATTEMPTING)  # texts not out yet
FORGET_WORKERS_AFTER = timedelta(days=7)  # rows of worker processes long gone
SEND_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Health:
    database: bool
    last_beat: datetime | None = None
    worker_silent: bool = False
    oldest_waiting: datetime | None = None  # since when the longest-overdue text has been due
    outbox_stale: bool = False

    @property
    def ready(self) -> bool:
        return self.database and not self.worker_silent

    def reason(self) -> str:
        """Why not ready, for /readyz and the dashboard: no personal data, only what and since when."""
        if not self.database:
            return "database unreachable"
        if self.worker_silent:
            since = self.last_beat.strftime("%Y-%m-%d %H:%M UTC") if self.last_beat else "never"
            return f"worker silent (last heartbeat: {since})"
        return "ready"


def beat(conn: Connection, worker_id: str, now: datetime) -> None:
    """The worker is alive at `now` (one row per process; old processes' rows are dropped)."""
    touched = conn.execute(update(heartbeat).where(heartbeat.c.worker_id == worker_id).values(beat_at=now))
    if touched.rowcount == 0:
        conn.execute(heartbeat.insert().values(worker_id=worker_id, started_at=now, beat_at=now))
        conn.execute(delete(heartbeat).where(heartbeat.c.beat_at < now - FORGET_WORKERS_AFTER))


def read_health(ctx: AppContext, *, watching_since: datetime | None = None) -> Health:
    """The worker and outbox as seen now. `watching_since` (the reader's own start) gives a worker that
    has never beaten the same grace as one that just stopped."""
    now, settings = ctx.clock.now(), ctx.settings
    try:
        with ctx.db.engine.connect() as conn:
            last = conn.execute(select(func.max(heartbeat.c.beat_at))).scalar()
            # Due since when: a text held for the morning (quiet hours) or for its retry is not late.
            oldest = conn.execute(
                select(func.min(outbox_t.c.next_attempt_at)).where(
                    outbox_t.c.status.in_(WAITING),
                    outbox_t.c.next_attempt_at <= now,
                    outbox_t.c.purpose != PURPOSE,
                )
            ).scalar()
    except Exception as exc:  # only the type: a driver's text may quote values
        log.warning("health check: database unreachable (%s)", type(exc).__name__)
        return Health(database=False)
    last, oldest = utc_value(last), utc_value(oldest)
    reference = last or watching_since
    silent = reference is not None and now - reference > timedelta(minutes=settings.worker_silent_minutes)
    stale = oldest is not None and now - oldest > timedelta(minutes=settings.outbox_stale_minutes)
    return Health(True, last, silent, oldest, stale)


def alarm_texts(ctx: AppContext, health: Health) -> dict[str, str]:
    """Incident key -> the staff text for what is wrong now (empty when all is well)."""
    texts: dict[str, str] = {}
    now = ctx.clock.now()
    if health.database and health.worker_silent:
        since = health.last_beat.isoformat(timespec="seconds") if health.last_beat else "never"
        minutes = int((now - health.last_beat).total_seconds() // 60) if health.last_beat else None
        texts[f"watch:worker:{since}"] = (
            "smsbot alarm: the worker has stopped"
            + (f" (no heartbeat for {minutes} min)" if minutes is not None else " (it never started)")
            + ". Check-ins, reminders and alerts are not going out. Restart the worker."
        )
    if health.database and health.outbox_stale and health.oldest_waiting is not None:
        minutes = int((now - health.oldest_waiting).total_seconds() // 60)
        texts[f"watch:outbox:{health.oldest_waiting.isoformat(timespec='seconds')}"] = (
            f"smsbot alarm: texts have waited {minutes} min in the outbox. "
            "Check the worker's log and Twilio's status."
        )
    return texts


def _on_call(conn: Connection) -> int | None:
    """Who gets the alarm: an on-call admin, else an on-call peer, else an admin (reachable by text)."""
    reachable = (
        select(staff.c.id)
        .select_from(staff.outerjoin(suppression, suppression.c.phone_index == staff.c.phone_index))
        .where(staff.c.is_active, staff.c.phone_ciphertext.is_not(None), suppression.c.phone_index.is_(None))
    )
    for query in (
        reachable.where(staff.c.is_on_call, staff.c.role == "admin"),
        reachable.where(staff.c.is_on_call),
        reachable.where(staff.c.role == "admin"),
    ):
        found = conn.execute(query.order_by(staff.c.id).limit(1)).scalar()
        if found is not None:
            return found
    return None


def raise_alarms(ctx: AppContext, health: Health, dispatcher) -> list[str]:
    """Queue (once per incident, across processes) and send the alarms `health` calls for.

    `dispatcher` is an `outbound.dispatch.Dispatcher`; returns the incident keys this call sent.
    """
    sent: list[str] = []
    for key, body in alarm_texts(ctx, health).items():
        now = ctx.clock.now()
        with ctx.db.transaction() as conn:
            already = conn.execute(
                select(outbox_t.c.id).where(
                    outbox_t.c.purpose == PURPOSE,
                    or_(outbox_t.c.idempotency_key == key, _same_outbox_incident(key, health)),
                )
            ).first()
            recipient = None if already else _on_call(conn)
            if recipient is None:
                if not already:
                    log.error(
                        "watch: %s, and no on-call admin or peer with a phone to text", key.split(":")[1]
                    )
                continue
            if not outbox.enqueue(conn, key=key, purpose=PURPOSE, body=body, now=now, staff_id=recipient):
                continue  # another process noticed first and sends it
            row = _claim_one(conn, key, now)
        log.error("watch: %s alarm raised", key.split(":")[1])
        result, sid = dispatcher.send_one(row)
        if sid is not None:
            with ctx.db.transaction() as conn:
                outbox.mark_sent_many(conn, [(row.id, row.token, sid)], ctx.clock.now())
        if result == "sent":
            sent.append(key)
    return sent


def _same_outbox_incident(key: str, health: Health):
    """A stuck outbox stays one incident while its oldest text predates the last alarm about it."""
    if not key.startswith("watch:outbox:") or health.oldest_waiting is None:
        return false()
    return (outbox_t.c.idempotency_key.like("watch:outbox:%")) & (
        outbox_t.c.created_at >= health.oldest_waiting
    )


def _claim_one(conn: Connection, key: str, now: datetime) -> Claimed:
    token = outbox.new_token()
    row = conn.execute(
        update(outbox_t)
        .where(outbox_t.c.idempotency_key == key, outbox_t.c.status == S.QUEUED)
        .values(status=S.CLAIMED, claim_token=token, lease_until=now + SEND_LEASE, status_at=now)
        .returning(
            outbox_t.c.id,
            outbox_t.c.purpose,
            outbox_t.c.contact_id,
            outbox_t.c.staff_id,
            outbox_t.c.body,
            outbox_t.c.attempts,
            outbox_t.c.checkin_id,
            outbox_t.c.alert_id,
            outbox_t.c.claim_token,
            outbox_t.c.interrupted,
        )
    ).one()
    return Claimed(*row)


def export_gauges(ctx: AppContext) -> None:
    """Set the database-derived gauges of /metrics (counts and ages only, labels are fixed words)."""
    now, alert = ctx.clock.now(), Alert.__table__
    try:
        with ctx.db.engine.connect() as conn:
            counts = dict(
                conn.execute(
                    select(outbox_t.c.status, func.count())
                    .where(outbox_t.c.status.in_(WAITING))
                    .group_by(outbox_t.c.status)
                ).all()
            )
            open_alerts = conn.execute(select(func.count()).where(alert.c.status == "open")).scalar()
            figures.export(conn, now)
        health = read_health(ctx)
    except Exception as exc:
        log.warning("metrics: database unreachable (%s)", type(exc).__name__)
        DATABASE_UP.set(0)
        return
    DATABASE_UP.set(1 if health.database else 0)
    for status in WAITING:
        OUTBOX_WAITING.labels(status.value).set(counts.get(status.value, 0))
    ALERTS_OPEN.set(open_alerts or 0)
    due = health.oldest_waiting
    OUTBOX_OLDEST_DUE.set(max(0.0, (now - due).total_seconds()) if due else 0)
    beat_at = health.last_beat
    WORKER_HEARTBEAT_AGE.set((now - beat_at).total_seconds() if beat_at else -1)
