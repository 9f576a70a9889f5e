"""Twilio's delivery reports applied to outbox rows, forward only; a report for a SID we have not
recorded yet is kept (`outbox_pending_status`) and applied when that SID lands, so none is lost.
"""
# A report can name its row too (`?o=<id>` on the status callback URL): a row whose attempt became
# `unknown` (the worker died after Twilio took it) then learns its SID and outcome from the report.

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import Connection

from smsbot.models import OutboxMessage, OutboxPendingStatus
from smsbot.observability import DELIVERY_REPORTS, label_code
from smsbot.outbound.states import OutboxStatus, before, from_twilio

outbox = OutboxMessage.__table__
pending = OutboxPendingStatus.__table__
S = OutboxStatus


@dataclass(frozen=True)
class StatusChange:
    """A row moved forward by a delivery report (what the check-in side reacts to)."""

    row_id: int
    purpose: str
    status: str
    checkin_id: int | None
    alert_id: int | None
    contact_id: int | None
    error_code: str | None = None  # Twilio's ErrorCode, e.g. "30003", or "21610" (opted out)
    staff_id: int | None = None


_CHANGE_COLUMNS = (
    outbox.c.id,
    outbox.c.purpose,
    outbox.c.checkin_id,
    outbox.c.alert_id,
    outbox.c.contact_id,
    outbox.c.staff_id,
)


def _change(row, status: S, error_code: str | None) -> StatusChange:
    DELIVERY_REPORTS.labels(str(status), label_code(error_code)).inc()
    return StatusChange(
        row.id,
        row.purpose,
        str(status),
        row.checkin_id,
        row.alert_id,
        row.contact_id,
        error_code,
        row.staff_id,
    )


def _forward(
    conn: Connection, sid: str, status: S, error_code: str | None, now: datetime
) -> StatusChange | None:
    row = conn.execute(
        update(outbox)
        .where(outbox.c.twilio_sid == sid, outbox.c.status.in_(before(status)))
        .values(status=status, error_code=error_code, status_at=now)
        .returning(*_CHANGE_COLUMNS)
    ).first()
    return None if row is None else _change(row, status, error_code)


def _adopt(
    conn: Connection, row_id: int, sid: str, status: S, error_code: str | None, now: datetime
) -> StatusChange | None:
    """An `unknown` row learns from a report that names it that Twilio did take it."""
    row = conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id, outbox.c.status == S.UNKNOWN, outbox.c.twilio_sid.is_(None))
        .values(status=status, twilio_sid=sid, error_code=error_code, sent_at=now, status_at=now)
        .returning(*_CHANGE_COLUMNS)
    ).first()
    return None if row is None else _change(row, status, error_code)


def apply_status(
    conn: Connection, sid: str, word: str, error_code: str | None, now: datetime, outbox_id: int | None = None
) -> StatusChange | None:
    """Apply one callback; the change when it moved a row forward, else None (kept if not yet matched)."""
    status = from_twilio(word)
    if status is None:
        return None
    change = _forward(conn, sid, status, error_code, now)
    if change is not None:
        return change
    if conn.execute(select(outbox.c.id).where(outbox.c.twilio_sid == sid)).first() is not None:
        return None  # known, and not a forward move (a late or repeated report)
    if outbox_id is not None:
        change = _adopt(conn, outbox_id, sid, status, error_code, now)
        if change is not None:
            return change
    conn.execute(
        pending.insert().values(
            sid=sid, outbox_id=outbox_id, status=status, error_code=error_code, received_at=now
        )
    )
    return None


def apply_pending(
    conn: Connection, now: datetime, *, sids: list[str] | None = None, outbox_ids: list[int] | None = None
) -> list[StatusChange]:
    """Apply kept reports for SIDs that just landed (or rows that just became `unknown`), in the
    order they arrived; each applied report is deleted."""
    if sids:
        kept = conn.execute(_KEPT_FOR_SIDS, {"sids": sids}).all()
    elif outbox_ids:
        kept = conn.execute(_KEPT_FOR_ROWS, {"ids": outbox_ids}).all()
    else:
        return []
    return _apply_kept(conn, kept, now) if kept else []


# Built once: every SID write looks here (almost always finding nothing).
_KEPT_FOR_SIDS = (
    select(pending).where(pending.c.sid.in_(bindparam("sids", expanding=True))).order_by(pending.c.id)
)
_KEPT_FOR_ROWS = (
    select(pending).where(pending.c.outbox_id.in_(bindparam("ids", expanding=True))).order_by(pending.c.id)
)


def sweep_pending(conn: Connection, now: datetime) -> list[StatusChange]:
    """Reports whose SID landed in a transaction that could not see them (they crossed): apply now."""
    kept = conn.execute(
        select(*pending.c)
        .select_from(pending.join(outbox, outbox.c.twilio_sid == pending.c.sid))
        .order_by(pending.c.id)
        .limit(500)
    ).all()
    return _apply_kept(conn, kept, now)


def _apply_kept(conn: Connection, kept: list, now: datetime) -> list[StatusChange]:
    changes, done = [], []
    for report in kept:
        status = S(report.status)
        change = _forward(conn, report.sid, status, report.error_code, now)
        if change is None and report.outbox_id is not None:
            change = _adopt(conn, report.outbox_id, report.sid, status, report.error_code, now)
        if change is not None:
            changes.append(change)
        landed = conn.execute(select(outbox.c.id).where(outbox.c.twilio_sid == report.sid)).first()
        if landed is not None:
            done.append(report.id)  # applied, or known and not forward: either way settled
    if done:
        conn.execute(delete(pending).where(pending.c.id.in_(done)))
    return changes


def purge_pending(conn: Connection, before_time: datetime) -> int:
    """Reports never matched (a SID from another system, or a row since deleted)."""
    return conn.execute(delete(pending).where(pending.c.received_at < before_time)).rowcount
