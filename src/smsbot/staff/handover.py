"""What deactivating an account does to the data: sessions and tokens end, texts not yet sent to it are
cancelled, and its live participants and open alerts go to the on-call peer, who is texted about each
open alert. Safe to repeat: it moves whatever is still left (say, once someone is on call)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from smsbot.alerts import raising
from smsbot.alerts.on_call import on_call_peer
from smsbot.alerts.states import AlertStatus
from smsbot.checkins import enrollments
from smsbot.models import Alert, Enrollment, OutboxMessage, Staff, StaffSession
from smsbot.outbound.states import OutboxStatus
from smsbot.replies.wording import Wording
from smsbot.staff.tokens import revoke_tokens

staff_t, session_t = Staff.__table__, StaffSession.__table__
out, alert, enrollment = OutboxMessage.__table__, Alert.__table__, Enrollment.__table__


@dataclass(frozen=True)
class Handover:
    """Where a deactivated account's work went (to_staff_id None: nobody is on call)."""

    to_staff_id: int | None
    participants: int
    alerts: int

    def describe(self) -> str:
        """For the audit row: counts and ids, never a name of a participant."""
        if self.to_staff_id is None:
            return "nobody on call: participants and alerts stay with the account"
        return f"{self.participants} participants, {self.alerts} open alerts to staff {self.to_staff_id}"


def end_sessions(conn: Connection, staff_id: int) -> int:
    """Sign the staff member out of every browser, at once."""
    return conn.execute(delete(session_t).where(session_t.c.staff_id == staff_id)).rowcount


def close_account(conn: Connection, staff_id: int, now: datetime, wording: Wording) -> Handover:
    conn.execute(update(staff_t).where(staff_t.c.id == staff_id).values(is_active=False, is_on_call=False))
    conn.execute(
        update(staff_t)
        .where(staff_t.c.id == staff_id, staff_t.c.deactivated_at.is_(None))
        .values(deactivated_at=now)
    )
    end_sessions(conn, staff_id)
    revoke_tokens(conn, staff_id, now)
    # Texts not yet sent to the departed account would reach someone who no longer works the line.
    conn.execute(
        update(out)
        .where(out.c.staff_id == staff_id, out.c.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.CANCELLED.value, next_attempt_at=None)
    )
    target = on_call_peer(conn, excluding=staff_id)
    if target is None:
        return Handover(None, 0, 0)
    moved = enrollments.hand_over(conn, staff_id, target)  # renames a nickname the target already uses
    open_alerts = conn.execute(
        select(alert.c.id, enrollment.c.nickname)
        .select_from(alert.outerjoin(enrollment, enrollment.c.id == alert.c.enrollment_id))
        .where(alert.c.staff_id == staff_id, alert.c.status == AlertStatus.OPEN.value)
    ).all()
    for row in open_alerts:
        conn.execute(update(alert).where(alert.c.id == row.id).values(staff_id=target))
        raising.queue_on_call_text(conn, wording, row.id, row.nickname, target, now)
    return Handover(target, moved, len(open_alerts))
