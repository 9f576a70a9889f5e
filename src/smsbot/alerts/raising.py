"""Raising peer alerts: once (a dedupe key), texted to the participant's peer, and to the on-call peer
when nobody acknowledges them within SMSBOT_ALERT_ACK_MINUTES (or when the peer cannot be texted).
The check-in ladder, delivery failures and opt-outs call these in their own transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from smsbot.alerts import texts
from smsbot.alerts.on_call import can_text, on_call_staff
from smsbot.alerts.states import AlertStatus
from smsbot.models import Alert, Enrollment
from smsbot.outbound import outbox
from smsbot.replies.wording import Wording
from smsbot.upsert import insert_ignore

log = logging.getLogger(__name__)
alert = Alert.__table__
enrollment = Enrollment.__table__


def raise_alert(
    conn: Connection,
    wording: Wording,
    now: datetime,
    *,
    kind: str,
    dedupe_key: str,
    enrollment_id: int | None,
    checkin_id: int | None = None,
    ack_minutes: int = 30,
    escalate: bool = True,
) -> int | None:
    """Open an alert and queue the peer's SMS in this transaction; None if it was raised before.
    `escalate=False` (news, such as an opt-out): the on-call peer hears only if the peer cannot."""
    row = conn.execute(
        select(enrollment.c.staff_id, enrollment.c.nickname).where(enrollment.c.id == enrollment_id)
    ).first()
    staff_id, nickname = (row.staff_id, row.nickname) if row else (None, None)
    alert_id = conn.execute(
        insert_ignore(conn, alert, ["dedupe_key"])
        .values(
            dedupe_key=dedupe_key,
            kind=kind,
            status=AlertStatus.OPEN.value,
            enrollment_id=enrollment_id,
            checkin_id=checkin_id,
            staff_id=staff_id,
            created_at=now,
            escalate_at=now + timedelta(minutes=ack_minutes) if escalate else None,
        )
        .returning(alert.c.id)
    ).scalar()
    if alert_id is None:
        return None
    if can_text(conn, staff_id):
        outbox.enqueue(
            conn,
            key=f"alert:{alert_id}:peer",
            purpose="alert",
            body=texts.alert(wording, kind, nickname, alert_id),
            now=now,
            staff_id=staff_id,
            alert_id=alert_id,
        )
    else:
        # No peer we can text: the on-call peer gets it now rather than after the ack window.
        conn.execute(update(alert).where(alert.c.id == alert_id).values(escalate_at=now))
    log.info("alert %d raised (%s)", alert_id, kind)
    return alert_id


def escalate_now(conn: Connection, alert_id: int, now: datetime) -> None:
    """The peer's SMS could not be sent: hand the alert to the on-call peer at the next step."""
    conn.execute(
        update(alert)
        .where(
            alert.c.id == alert_id, alert.c.status == AlertStatus.OPEN.value, alert.c.escalated_at.is_(None)
        )
        .values(escalate_at=now)
    )


def escalate_due(conn: Connection, wording: Wording, now: datetime, limit: int = 200) -> int:
    """Unacknowledged alerts past their window -> an SMS to each on-call peer (not the same peer)."""
    due = (
        select(alert.c.id, alert.c.staff_id, enrollment.c.nickname)
        .select_from(alert.outerjoin(enrollment, enrollment.c.id == alert.c.enrollment_id))
        .where(alert.c.escalate_at <= now)
        .order_by(alert.c.escalate_at)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, of=alert)
    rows = conn.execute(due).all()
    if not rows:
        return 0
    on_call_ids = on_call_staff(conn, textable=True)
    for row in rows:
        targets = [staff_id for staff_id in on_call_ids if staff_id != row.staff_id]
        for staff_id in targets:
            queue_on_call_text(conn, wording, row.id, row.nickname, staff_id, now)
        conn.execute(
            update(alert)
            .where(alert.c.id == row.id)
            .values(escalate_at=None, escalated_at=now, escalated_to=targets[0] if targets else None)
        )
        if not targets:
            log.warning("alert %d is unacknowledged and there is no other on-call peer to text", row.id)
    return len(rows)


def queue_on_call_text(
    conn: Connection, wording: Wording, alert_id: int, nickname: str | None, staff_id: int, now: datetime
) -> None:
    """Tell an on-call peer about an alert (once per alert and peer: the outbox key is unique)."""
    outbox.enqueue(
        conn,
        key=f"alert:{alert_id}:oncall:{staff_id}",
        purpose="alert_oncall",
        body=texts.alert_on_call(wording, nickname, alert_id),
        now=now,
        staff_id=staff_id,
        alert_id=alert_id,
    )
