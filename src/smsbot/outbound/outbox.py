"""The outbox: proactive texts as rows, queued in the transaction of the change that caused them.
A row is claimed under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer at a
time), sent, and its result recorded. Statuses only move forward.
"""
# A row a crash left `sending` is resent only when a duplicate is safe (peer alerts), never for
# participant texts.

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.engine import Connection

from smsbot.models import OutboxMessage
from smsbot.upsert import insert_ignore

outbox = OutboxMessage.__table__

MAX_ATTEMPTS = 3
# Our status ranks: a Twilio callback may only move a row to a higher rank (never back).
STATUS_RANK = {
    "queued": 0,
    "sending": 1,
    "accepted": 2,
    "scheduled": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}
FINAL_STATUSES = ("sent", "delivered", "undelivered", "failed", "suppressed", "cancelled", "read")
UNDELIVERED = ("undelivered", "failed")
# Purposes whose text goes to a participant (a duplicate is never safe) vs. to staff.
PARTICIPANT_PURPOSES = ("invitation", "checkin", "reminder")


@dataclass(frozen=True)
class Claimed:
    """One claimed row, as the sender needs it (the body is the text; the recipient is an id)."""

    id: int
    purpose: str
    contact_id: int | None
    staff_id: int | None
    body: str
    attempts: int
    checkin_id: int | None
    alert_id: int | None


_CLAIMED_COLUMNS = (
    outbox.c.id,
    outbox.c.purpose,
    outbox.c.contact_id,
    outbox.c.staff_id,
    outbox.c.body,
    outbox.c.attempts,
    outbox.c.checkin_id,
    outbox.c.alert_id,
)


def enqueue(
    conn: Connection,
    *,
    key: str,
    purpose: str,
    body: str,
    now: datetime,
    contact_id: int | None = None,
    staff_id: int | None = None,
    checkin_id: int | None = None,
    alert_id: int | None = None,
) -> bool:
    """Queue one text (idempotent on `key`); returns False when that key was already queued."""
    if (contact_id is None) == (staff_id is None):
        raise ValueError("an outbox row has exactly one recipient: a contact or a staff member")
    inserted = conn.execute(
        insert_ignore(conn, outbox, ["idempotency_key"])
        .values(
            idempotency_key=key,
            purpose=purpose,
            contact_id=contact_id,
            staff_id=staff_id,
            body=body,
            status="queued",
            attempts=0,
            next_attempt_at=now,
            resend_if_interrupted=purpose not in PARTICIPANT_PURPOSES,
            checkin_id=checkin_id,
            alert_id=alert_id,
            created_at=now,
            status_at=now,
        )
        .returning(outbox.c.id)
    ).first()
    return inserted is not None


def enqueue_many(conn: Connection, rows: list[dict], now: datetime) -> None:
    """Bulk-queue participant or staff texts (the scheduler's fast path); keys must be new."""
    if not rows:
        return
    conn.execute(
        outbox.insert(),
        [
            {
                "attempts": 0,
                "status": "queued",
                "next_attempt_at": now,
                "created_at": now,
                "status_at": now,
                "staff_id": None,
                "alert_id": None,
                **row,
                "resend_if_interrupted": row["purpose"] not in PARTICIPANT_PURPOSES,
            }
            for row in rows
        ],
    )


def claim(conn: Connection, now: datetime, limit: int, lease: timedelta) -> list[Claimed]:
    """Take up to `limit` due rows for this worker: status `sending` until `lease` runs out."""
    due = (
        select(outbox.c.id)
        .where(outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(due.scalar_subquery()))
        .values(
            status="sending",
            attempts=outbox.c.attempts + 1,
            next_attempt_at=None,
            lease_until=now + lease,
            status_at=now,
        )
        .returning(*_CLAIMED_COLUMNS)
    ).all()
    claimed = [Claimed(*row) for row in rows]
    claimed.sort(key=lambda row: row.id)  # RETURNING order is not guaranteed; send oldest first
    return claimed


_MARK_SENT_MANY = (
    update(outbox)
    .where(outbox.c.id == bindparam("b_id"), outbox.c.status == "sending")
    .values(status="sent", twilio_sid=bindparam("b_sid"), sent_at=bindparam("b_now"), lease_until=None)
)


def mark_sent_many(conn: Connection, sent: list[tuple[int, str]], now: datetime) -> None:
    conn.execute(
        _MARK_SENT_MANY.values(status_at=bindparam("b_now")),
        [{"b_id": row_id, "b_sid": sid, "b_now": now} for row_id, sid in sent],
    )


def mark_final(conn: Connection, row_id: int, status: str, error_code: str | None, now: datetime) -> None:
    """failed | suppressed | cancelled: the row is done and will not be sent."""
    conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id)
        .values(status=status, error_code=error_code, lease_until=None, next_attempt_at=None, status_at=now)
    )


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter after the `attempts`-th failure: ~2 s, ~4 s (full jitter on half)."""
    base = 2.0 * 2 ** (attempts - 1)
    return timedelta(seconds=base / 2 + (rng or random).uniform(0, base / 2))


def retry_later(conn: Connection, row_id: int, error_code: str, at: datetime, now: datetime) -> None:
    conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id)
        .values(status="queued", error_code=error_code, lease_until=None, next_attempt_at=at, status_at=now)
    )


def recover_interrupted(conn: Connection, now: datetime) -> tuple[list[int], list[Claimed]]:
    """Rows a dead worker left `sending` past their lease: requeue peer alerts, close participant texts.

    A participant text may already have reached the phone (the crash could follow the send), and a
    second check-in is not safe; its missing answer escalates like any other. Returns the requeued ids
    and the rows closed as failed (a peer alert out of attempts still needs its fallback).
    """
    expired = and_(outbox.c.status == "sending", outbox.c.lease_until < now)
    requeued = conn.execute(
        update(outbox)
        .where(expired, outbox.c.resend_if_interrupted, outbox.c.attempts < MAX_ATTEMPTS)
        .values(
            status="queued", next_attempt_at=now, lease_until=None, error_code="interrupted", status_at=now
        )
        .returning(outbox.c.id)
    ).scalars()
    requeued_ids = list(requeued)
    closed = conn.execute(
        update(outbox)
        .where(expired)
        .values(status="failed", lease_until=None, error_code="interrupted", status_at=now)
        .returning(*_CLAIMED_COLUMNS)
    ).all()
    return requeued_ids, [Claimed(*row) for row in closed]


@dataclass(frozen=True)
class StatusChange:
    row_id: int
    purpose: str
    status: str
    checkin_id: int | None
    alert_id: int | None
    contact_id: int | None


def apply_status(
    conn: Connection, sid: str, status: str, error_code: str | None, now: datetime
) -> StatusChange | None:
    """Move the row with Twilio `sid` forward to `status`; None when unknown or not forward."""
    rank = STATUS_RANK.get(status)
    if rank is None:
        return None
    lower = [name for name, r in STATUS_RANK.items() if r < rank]
    row = conn.execute(
        update(outbox)
        .where(outbox.c.twilio_sid == sid, outbox.c.status.in_(lower))
        .values(status=status, error_code=error_code, status_at=now)
        .returning(outbox.c.id, outbox.c.purpose, outbox.c.checkin_id, outbox.c.alert_id, outbox.c.contact_id)
    ).first()
    if row is None:
        return None
    return StatusChange(row.id, row.purpose, status, row.checkin_id, row.alert_id, row.contact_id)


def cancel_queued(conn: Connection, *, contact_id: int | None = None, checkin_id: int | None = None) -> int:
    """Cancel rows not yet claimed (STOP, PAUSE, an answer that makes a reminder pointless)."""
    conditions = [outbox.c.status == "queued"]
    if contact_id is not None:
        conditions.append(outbox.c.contact_id == contact_id)
    if checkin_id is not None:
        conditions.append(outbox.c.checkin_id == checkin_id)
    result = conn.execute(update(outbox).where(*conditions).values(status="cancelled", next_attempt_at=None))
    return result.rowcount
