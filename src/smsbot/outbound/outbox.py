"""The outbox: proactive texts as rows, queued in the transaction of the change that caused them.
A worker claims rows with a fencing token and a lease; every later write needs that token still on
the row. States and their allowed moves are in `outbound/states.py`.
"""
# Recovery after a crash: `claimed` rows were never tried and go back to the queue in their order;
# `attempting` rows may have left, so they become `unknown` (never resent to a participant; a peer
# alert goes once more, as a duplicate alert beats a lost one).

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, literal_column, null, or_, select, update
from sqlalchemy.engine import Connection

from smsbot.db import Prepared
from smsbot.models import OutboxMessage
from smsbot.outbound.callbacks import StatusChange, apply_pending, apply_status, sweep_pending
from smsbot.outbound.states import FINAL, NOT_CONFIRMED, PARTICIPANT_PURPOSES, UNDELIVERED
from smsbot.outbound.states import OutboxStatus as S
from smsbot.upsert import insert_ignore

__all__ = [
    "FINAL_STATUSES",
    "BROADCAST",
    "MAX_ATTEMPTS",
    "PERSONAL",
    "PARTICIPANT_PURPOSES",
    "UNDELIVERED",
    "Claimed",
    "StatusChange",
    "apply_status",
]
outbox = OutboxMessage.__table__

MAX_ATTEMPTS = 3
FINAL_STATUSES = FINAL
PERSONAL, BROADCAST = 0, 10  # outbox.priority: lower goes first


@dataclass(frozen=True)
class Claimed:
    """One claimed row, as the sender needs it (the body is the text; the recipient is an id)."""

    id: int
    purpose: str
    contact_id: int | None
    staff_id: int | None
    body: str
    attempts: int  # attempts made before this claim
    checkin_id: int | None
    alert_id: int | None
    token: str | None = None  # this claim's fencing token
    interrupted: int = 0  # times an attempt's outcome became unknown
    due: datetime | None = None  # its place in the queue (next_attempt_at when claimed)
    created_at: datetime | None = None


_CLAIMED_COLUMNS = (
    outbox.c.id,
    outbox.c.purpose,
    outbox.c.contact_id,
    outbox.c.staff_id,
    outbox.c.body,
    outbox.c.attempts,
    outbox.c.checkin_id,
    outbox.c.alert_id,
    outbox.c.claim_token,
    outbox.c.interrupted,
)


def new_token() -> str:
    return secrets.token_hex(16)


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
    priority: int = PERSONAL,
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
            status=S.QUEUED,
            attempts=0,
            interrupted=0,
            next_attempt_at=now,
            resend_if_interrupted=purpose not in PARTICIPANT_PURPOSES,
            checkin_id=checkin_id,
            alert_id=alert_id,
            priority=priority,
            created_at=now,
            status_at=now,
        )
        .returning(outbox.c.id)
    ).first()
    return inserted is not None


def enqueue_many(conn: Connection, rows: list[dict], now: datetime) -> None:
    """Bulk-queue participant or staff texts (the scheduler's fast path); keys must be new. A row may
    carry "priority" (default PERSONAL; BROADCAST for a drug-supply alert to many)."""
    if not rows:
        return
    defaults = {"attempts": 0, "interrupted": 0, "status": S.QUEUED.value, "next_attempt_at": now}
    defaults["priority"] = PERSONAL
    defaults |= {"created_at": now, "status_at": now, "staff_id": None, "alert_id": None}
    conn.execute(
        outbox.insert(),
        [
            {**defaults, **row, "resend_if_interrupted": row["purpose"] not in PARTICIPANT_PURPOSES}
            for row in rows
        ],
    )


def claim(conn: Connection, now: datetime, limit: int, lease: timedelta, token: str) -> list[Claimed]:
    """Hold up to `limit` due rows for this worker under `token` until `lease` runs out.

    Texts to one person go before broadcasts (priority), then the longest due first.
    `next_attempt_at` is kept, so rows handed back after a crash keep their place in the queue.
    """
    due = (
        select(outbox.c.id)
        .where(outbox.c.status == S.QUEUED, outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.priority, outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(due.scalar_subquery()), outbox.c.status == S.QUEUED)
        .values(status=S.CLAIMED, claim_token=token, lease_until=now + lease, status_at=now)
        .returning(*_CLAIMED_COLUMNS, outbox.c.next_attempt_at, outbox.c.created_at, outbox.c.priority)
    ).all()
    # RETURNING order is not guaranteed: send in the claim's order.
    rows = sorted(rows, key=lambda row: (row[-1], row[-3], row[0]))
    return [Claimed(*row[:-1]) for row in rows]


def release(conn: Connection, tokens: list[str], now: datetime) -> int:
    """Hand rows held under these tokens and never tried back to the queue, in their places."""
    if not tokens:
        return 0
    return conn.execute(
        update(outbox)
        .where(outbox.c.claim_token.in_(tokens), outbox.c.status == S.CLAIMED)
        .values(status=S.QUEUED, claim_token=None, lease_until=None, status_at=now)
    ).rowcount


def renew(conn: Connection, tokens: list[str], until: datetime) -> int:
    """Extend the lease on rows still held (claimed, not yet tried) under these tokens."""
    if not tokens:
        return 0
    return conn.execute(
        update(outbox)
        .where(outbox.c.claim_token.in_(tokens), outbox.c.status == S.CLAIMED)
        .values(lease_until=until)
    ).rowcount


def _fenced(row: Claimed, status: S):
    return and_(outbox.c.id == row.id, outbox.c.status == status, outbox.c.claim_token == row.token)


# Compiled once and run on the driver (db.Prepared): this runs for every text, and SQLAlchemy's
# per-statement machinery costs more than SQLite takes to do the work. Every value is a parameter.
_MARK_ATTEMPTING = Prepared(
    lambda _: (
        update(outbox)
        .where(
            outbox.c.id == bindparam("b_id"),
            outbox.c.status == bindparam("b_claimed"),
            outbox.c.claim_token == bindparam("b_token"),
        )
        .values(
            status=bindparam("b_attempting"),
            attempts=outbox.c.attempts + literal_column("1"),
            next_attempt_at=null(),
            lease_until=bindparam("b_until"),
            status_at=bindparam("b_now"),
        )
        .returning(outbox.c.id)
    )
)


def mark_attempting(conn: Connection, row: Claimed, now: datetime, lease: timedelta) -> bool:
    """Right before the HTTP call; False when this worker no longer holds the row (do not send)."""
    params = {"b_id": row.id, "b_token": row.token, "b_until": now + lease, "b_now": now}
    params |= {"b_claimed": S.CLAIMED.value, "b_attempting": S.ATTEMPTING.value}
    return _MARK_ATTEMPTING.run(conn, params).fetchone() is not None


def settle_unsendable(conn: Connection, row: Claimed, status: str, now: datetime) -> bool:
    """suppressed | cancelled, found by the check before the attempt."""
    return _move(conn, _fenced(row, S.CLAIMED), now, status=status, next_attempt_at=None)


def _move(conn: Connection, where, now: datetime, **values) -> bool:
    values = {"lease_until": None, "status_at": now, **values}
    return (
        conn.execute(update(outbox).where(where).values(**values).returning(outbox.c.id)).first() is not None
    )


def mark_failed(conn: Connection, row: Claimed, error_code: str | None, now: datetime) -> bool:
    return _move(conn, _fenced(row, S.ATTEMPTING), now, status=S.FAILED, error_code=error_code)


def mark_unknown(conn: Connection, row: Claimed, error_code: str, now: datetime) -> bool:
    """The attempt may or may not have reached Twilio (no answer in time)."""
    values = {"status": S.UNKNOWN, "error_code": error_code, "interrupted": outbox.c.interrupted + 1}
    return _move(conn, _fenced(row, S.ATTEMPTING), now, **values)


def retry_later(
    conn: Connection, row: Claimed, error_code: str, at: datetime, now: datetime, *, interrupted: bool = False
) -> bool:
    values = {"status": S.QUEUED, "error_code": error_code, "next_attempt_at": at, "claim_token": None}
    if interrupted:
        values["interrupted"] = outbox.c.interrupted + 1
    return _move(conn, _fenced(row, S.ATTEMPTING), now, **values)


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter after the `attempts`-th failure: ~2 s, ~4 s (full jitter on half)."""
    base = 2.0 * 2 ** (attempts - 1)
    return timedelta(seconds=base / 2 + (rng or random).uniform(0, base / 2))


_MARK_SENT_MANY = (
    update(outbox)
    .where(
        outbox.c.id == bindparam("b_id"),
        outbox.c.claim_token == bindparam("b_token"),
        # A row recovered as `unknown` under us still takes its SID: then we know it went out.
        or_(
            outbox.c.status == S.ATTEMPTING,
            and_(outbox.c.status == S.UNKNOWN, outbox.c.twilio_sid.is_(None)),
        ),
    )
    .values(
        status=S.SENT,
        twilio_sid=bindparam("b_sid"),
        sent_at=bindparam("b_now"),
        status_at=bindparam("b_now"),
        lease_until=None,
    )
)


def mark_sent_many(conn: Connection, sent: list[tuple[int, str, str]], now: datetime) -> list[StatusChange]:
    """Record (row id, claim token, SID) for sent rows, then any status callbacks that came first."""
    if not sent:
        return []
    conn.execute(
        _MARK_SENT_MANY, [{"b_id": i, "b_token": t, "b_sid": sid, "b_now": now} for i, t, sid in sent]
    )
    return apply_pending(conn, now, sids=[sid for _, _, sid in sent])


@dataclass
class Recovery:
    released: int = 0  # claimed, never tried: back in the queue
    requeued: list[int] = field(default_factory=list)  # peer alerts sent once more
    unknown: list[Claimed] = field(default_factory=list)  # attempts whose outcome is unknown
    gave_up: list[Claimed] = field(default_factory=list)  # peer alerts unknown twice: fall back
    changes: list[StatusChange] = field(default_factory=list)  # callbacks that now found their row


def recover_interrupted(conn: Connection, now: datetime) -> Recovery:
    """Settle rows whose worker's lease ran out (it died or stalled)."""
    result = Recovery()
    result.released = conn.execute(
        update(outbox)
        .where(outbox.c.status == S.CLAIMED, outbox.c.lease_until < now)
        .values(status=S.QUEUED, claim_token=None, lease_until=None, status_at=now)
    ).rowcount
    unknown = conn.execute(
        update(outbox)
        .where(outbox.c.status == S.ATTEMPTING, outbox.c.lease_until < now)
        .values(
            status=S.UNKNOWN,
            interrupted=outbox.c.interrupted + 1,
            error_code="interrupted",
            lease_until=None,
            status_at=now,
        )
        .returning(*_CLAIMED_COLUMNS)
    ).all()
    result.unknown = [Claimed(*row) for row in unknown]
    # A callback that told us the outcome (it names the row) settles it before any resend.
    result.changes = apply_pending(conn, now, outbox_ids=[row.id for row in result.unknown])
    result.changes += sweep_pending(conn, now)
    settled = {change.row_id for change in result.changes}
    for row in result.unknown:
        if row.id in settled or row.purpose in PARTICIPANT_PURPOSES:
            continue
        if row.interrupted <= 1:
            still_unknown = and_(outbox.c.id == row.id, outbox.c.status == S.UNKNOWN)
            if _move(conn, still_unknown, now, status=S.QUEUED, next_attempt_at=now, claim_token=None):
                result.requeued.append(row.id)
        else:
            result.gave_up.append(row)
    return result


def cancel_queued(conn: Connection, *, contact_id: int | None = None, checkin_id: int | None = None) -> int:
    """Cancel rows not yet tried (STOP, PAUSE, an answer that makes a reminder pointless). A row a
    worker holds but has not tried is cancelled too: its fenced attempt then finds it gone."""
    conditions = [outbox.c.status.in_((S.QUEUED, S.CLAIMED))]
    if contact_id is not None:
        conditions.append(outbox.c.contact_id == contact_id)
    if checkin_id is not None:
        conditions.append(outbox.c.checkin_id == checkin_id)
    result = conn.execute(
        update(outbox).where(*conditions).values(status=S.CANCELLED, next_attempt_at=None, lease_until=None)
    )
    return result.rowcount


def prompt_unconfirmed(conn: Connection, checkin_id: int) -> bool:
    """True when this check-in's prompt is not known to have gone out (still queued or held, or its
    attempt's outcome unknown) and no status callback has said otherwise."""
    status = conn.execute(
        select(outbox.c.status).where(outbox.c.checkin_id == checkin_id, outbox.c.purpose == "checkin")
    ).scalar()
    return status in NOT_CONFIRMED
