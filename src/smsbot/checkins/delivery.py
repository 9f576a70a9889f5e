"""Texts that could not go out: Twilio refused them, gave up, or reported them undelivered.
A check-in that cannot reach its participant alerts the peer at once ("could not reach"); a peer
alert that cannot reach the peer goes to the on-call peer; a carrier opt-out (21610) is a STOP.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from smsbot.checkins import alerts, enrollments
from smsbot.context import AppContext
from smsbot.models import Checkin, Enrollment
from smsbot.outbound import outbox
from smsbot.outbound.outbox import Claimed, StatusChange
from smsbot.replies.wording import Wording

log = logging.getLogger(__name__)
checkin, enrollment = Checkin.__table__, Enrollment.__table__


def mark_unreachable(
    conn: Connection, wording: Wording, checkin_id: int, now: datetime, ack_minutes: int
) -> None:
    """A check-in text could not be delivered: the peer hears now, and the no-reply path stops."""
    enrollment_id = conn.execute(
        update(checkin)
        .where(checkin.c.id == checkin_id, checkin.c.status.in_(("waiting", "reminded")))
        .values(status="unreachable", next_action_at=None)
        .returning(checkin.c.enrollment_id)
    ).scalar()
    if enrollment_id is None:
        return
    alerts.raise_alert(
        conn,
        wording,
        now,
        kind="unreachable",
        dedupe_key=f"checkin:{checkin_id}:unreachable",
        enrollment_id=enrollment_id,
        checkin_id=checkin_id,
        ack_minutes=ack_minutes,
    )


def _invitation_unreachable(
    conn: Connection, wording: Wording, contact_id: int | None, now: datetime, ack: int
) -> None:
    if contact_id is None:
        return
    enrollment_id = conn.execute(
        select(enrollment.c.id)
        .where(enrollment.c.contact_id == contact_id, enrollment.c.status == "invited")
        .order_by(enrollment.c.id.desc())
    ).scalar()
    if enrollment_id is not None:
        alerts.raise_alert(
            conn,
            wording,
            now,
            kind="unreachable",
            dedupe_key=f"enrollment:{enrollment_id}:invitation_unreachable",
            enrollment_id=enrollment_id,
            ack_minutes=ack,
        )


class FailureHandler:
    """What a text that could not go out means on the check-in side (wired into the dispatcher)."""

    def __init__(self, ctx: AppContext, wording: Wording) -> None:
        self.ctx, self.wording = ctx, wording

    def on_send_failure(self, conn: Connection, row: Claimed, reason: str, now: datetime) -> None:
        if reason == "opted_out" and row.contact_id is not None:
            enrollments.stop_contact(conn, row.contact_id, now)  # the carrier says STOP: honour it
            return
        self._undeliverable(conn, row.purpose, row.checkin_id, row.alert_id, row.contact_id, now)

    def on_delivery_status(self, conn: Connection, change: StatusChange, now: datetime) -> None:
        if change.status in outbox.UNDELIVERED:
            self._undeliverable(
                conn, change.purpose, change.checkin_id, change.alert_id, change.contact_id, now
            )

    def _undeliverable(
        self, conn: Connection, purpose: str, checkin_id: int | None, alert_id: int | None, contact_id, now
    ) -> None:
        ack = self.ctx.settings.alert_ack_minutes
        if purpose in ("checkin", "reminder") and checkin_id is not None:
            mark_unreachable(conn, self.wording, checkin_id, now, ack)
        elif purpose == "invitation":
            _invitation_unreachable(conn, self.wording, contact_id, now, ack)
        elif purpose == "alert" and alert_id is not None:
            alerts.escalate_now(conn, alert_id, now)
        elif purpose == "alert_oncall":
            log.error("an on-call alert text could not be delivered (alert %s)", alert_id)
