"""How enrollments end or pause: PAUSE, STOP (and the carrier's 21610), the peer removing one, FORGET.
Each closes the open check-ins and cancels what was queued, in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from smsbot.checkins.moves import move_checkins, move_enrollment, move_enrollments
from smsbot.checkins.states import LIVE, WAITING, CheckinStatus, EnrollmentStatus
from smsbot.models import Alert, Checkin, Contact, Enrollment, OutboxMessage
from smsbot.outbound import outbox
from smsbot.outbound.states import OutboxStatus

enrollment = Enrollment.__table__
checkin = Checkin.__table__
contact = Contact.__table__


def close_open_checkins(conn: Connection, enrollment_ids: list[int]) -> None:
    if not enrollment_ids:
        return
    closed_ids = move_checkins(
        conn,
        checkin.c.enrollment_id.in_(enrollment_ids),
        CheckinStatus.CLOSED,
        olds=WAITING,
        next_action_at=None,
    )
    if closed_ids:
        conn.execute(
            update(contact).where(contact.c.open_checkin_id.in_(closed_ids)).values(open_checkin_id=None)
        )


def pause(conn: Connection, row, now: datetime) -> None:
    """active -> paused (PAUSE by text, or staff): its waiting check-in closed, queued texts cancelled."""
    move_enrollment(conn, row, EnrollmentStatus.PAUSED, next_checkin_at=None)
    close_open_checkins(conn, [row.id])
    outbox.cancel_queued(conn, contact_id=row.contact_id)


def end(conn: Connection, enrollment_ids: list[int], status: EnrollmentStatus, now: datetime) -> list[int]:
    """stopped (STOP, carrier opt-out) | ended (the peer stopped it): nothing more is sent. Only live
    ones move (an ended one stays ended); returns the ids that did."""
    if not enrollment_ids:
        return []
    ended = move_enrollments(
        conn,
        enrollment.c.id.in_(enrollment_ids),
        status,
        next_checkin_at=None,
        invite_expires_at=None,
        ended_at=now,
    )
    close_open_checkins(conn, ended)
    return ended


def stop_contact(conn: Connection, contact_id: int | None, now: datetime) -> None:
    """STOP (or the carrier's 21610): end every live enrollment and cancel every queued text."""
    if contact_id is None:
        return
    ids = list(
        conn.execute(
            select(enrollment.c.id).where(
                enrollment.c.contact_id == contact_id, enrollment.c.status.in_(LIVE)
            )
        ).scalars()
    )
    end(conn, ids, EnrollmentStatus.STOPPED, now)
    outbox.cancel_queued(conn, contact_id=contact_id)
    conn.execute(update(contact).where(contact.c.id == contact_id).values(open_checkin_id=None))


def forget_contact(conn: Connection, contact_id: int | None) -> None:
    """FORGET: delete enrollments, check-ins (with their answers) and texts; alerts keep no name and
    no note."""
    if contact_id is None:
        return
    ids = list(conn.execute(select(enrollment.c.id).where(enrollment.c.contact_id == contact_id)).scalars())
    outbox_table = OutboxMessage.__table__
    if ids:
        alert = Alert.__table__
        alert_ids = list(conn.execute(select(alert.c.id).where(alert.c.enrollment_id.in_(ids))).scalars())
        if alert_ids:
            # The peers' alert texts named the nickname: drop the unsent ones, blank the sent ones.
            conn.execute(
                delete(outbox_table).where(
                    outbox_table.c.alert_id.in_(alert_ids), outbox_table.c.status == OutboxStatus.QUEUED.value
                )
            )
            conn.execute(update(outbox_table).where(outbox_table.c.alert_id.in_(alert_ids)).values(body=""))
            # The peer's note was about this person: it goes too (the outcome, a fixed word, stays).
            conn.execute(
                update(alert)
                .where(alert.c.id.in_(alert_ids))
                .values(enrollment_id=None, checkin_id=None, note_ciphertext=None)
            )
        conn.execute(delete(checkin).where(checkin.c.enrollment_id.in_(ids)))
        conn.execute(delete(enrollment).where(enrollment.c.id.in_(ids)))
    conn.execute(
        delete(outbox_table).where(
            outbox_table.c.contact_id == contact_id, outbox_table.c.status != OutboxStatus.ATTEMPTING.value
        )
    )
    # A row being sent this instant is left to its worker, unlinked: its recipient is gone, so the
    # suppression check finds nobody and it is never sent.
    conn.execute(update(outbox_table).where(outbox_table.c.contact_id == contact_id).values(contact_id=None))


def cancel_checkin_texts(conn: Connection, contact_id: int) -> None:
    """The peer removed the enrollment: texts not yet sent to the participant are not sent."""
    outbox.cancel_queued(conn, contact_id=contact_id)
