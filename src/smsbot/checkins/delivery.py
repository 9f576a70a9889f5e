"""Texts that could not go out: Twilio refused them, gave up, or reported them undelivered.
A check-in that cannot reach its participant alerts the peer at once ("could not reach"); a peer
alert that cannot reach the peer goes to the on-call peer; a carrier opt-out (21610), on send or in
a status callback, is an opt-out like STOP (never "could not reach").
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from smsbot.alerts import raising as alerts
from smsbot.checkins import optout
from smsbot.checkins.moves import move_checkins
from smsbot.checkins.states import WAITING, CheckinStatus, EnrollmentStatus
from smsbot.context import AppContext
from smsbot.models import Checkin, Contact, Enrollment, OutboxMessage
from smsbot.outbound import outbox
from smsbot.outbound.outbox import Claimed, StatusChange
from smsbot.replies.wording import Wording

log = logging.getLogger(__name__)
checkin, enrollment = Checkin.__table__, Enrollment.__table__
contact, outbox_table = Contact.__table__, OutboxMessage.__table__


def mark_unreachable(
    conn: Connection, wording: Wording, checkin_id: int, now: datetime, ack_minutes: int
) -> None:
    """A check-in text could not be delivered: the peer hears now, and the no-reply path stops."""
    moved = move_checkins(
        conn,
        checkin.c.id == checkin_id,
        CheckinStatus.UNREACHABLE,
        olds=WAITING,
        returning=checkin.c.enrollment_id,
        next_action_at=None,
    )
    if not moved:
        return
    enrollment_id = moved[0]
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
        .where(enrollment.c.contact_id == contact_id, enrollment.c.status == EnrollmentStatus.INVITED.value)
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
        if reason == "opted_out":
            self._carrier_opt_out(conn, row.contact_id, row.staff_id, now)
            if row.contact_id is not None:
                return  # ended and the peer told: never also "could not reach"
        # A peer alert that could not go out (even to an opted-out peer phone) goes on-call.
        self._undeliverable(conn, row.purpose, row.checkin_id, row.alert_id, row.contact_id, now)

    def on_delivery_status(self, conn: Connection, change: StatusChange, now: datetime) -> None:
        # Messaging Services report 21610 here, not on the REST call: an opt-out, not "could not reach".
        found = conn.execute(
            select(outbox_table.c.staff_id, outbox_table.c.error_code).where(
                outbox_table.c.id == change.row_id
            )
        ).first()
        error_code = getattr(change, "error_code", None) or (found.error_code if found else None)
        if str(error_code or "") == optout.CARRIER_OPT_OUT_CODE:
            self._carrier_opt_out(conn, change.contact_id, found.staff_id if found else None, now)
            if change.contact_id is not None:
                return
        if change.status in outbox.UNDELIVERED:
            self._undeliverable(
                conn, change.purpose, change.checkin_id, change.alert_id, change.contact_id, now
            )

    def _carrier_opt_out(
        self, conn: Connection, contact_id: int | None, staff_id: int | None, now: datetime
    ) -> None:
        """The carrier says this number unsubscribed: the one opt-out, whoever the number belongs to."""
        if contact_id is not None:
            phone_index = conn.execute(
                select(contact.c.phone_index).where(contact.c.id == contact_id)
            ).scalar()
            if phone_index is not None:
                optout.opt_out(
                    conn,
                    phone_index=phone_index,
                    contact_id=contact_id,
                    source=optout.OptOutSource.CARRIER,
                    now=now,
                    wording=self.wording,
                    ack_minutes=self.ctx.settings.alert_ack_minutes,
                )
        elif staff_id is not None:
            # A peer's phone: suppress it and tell on-call; their participants' check-ins go on.
            optout.opt_out_staff_phone(
                conn, staff_id=staff_id, source=optout.OptOutSource.CARRIER, now=now, wording=self.wording
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
