"""A participant's new phone keeps their enrollment: the peer moves it to the new number, which gets
a fresh invitation (JOIN again); the old number gets nothing more (its check-ins closed, its queued
texts cancelled). Refused (Conflict) for an opted-out number or one already enrolled. Never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from smsbot.checkins import endings, enrollments, refusals, texts
from smsbot.checkins.moves import move_enrollment
from smsbot.checkins.states import EnrollmentStatus
from smsbot.errors import Conflict
from smsbot.keyring import adopt
from smsbot.models import Checkin, Contact, Enrollment, Staff
from smsbot.outbound import outbox
from smsbot.privacy import PhoneVault, last4
from smsbot.replies.wording import Wording

enrollment, checkin, contact = Enrollment.__table__, Checkin.__table__, Contact.__table__
staff = Staff.__table__


def move_to_phone(
    conn: Connection, *, vault: PhoneVault, wording: Wording, now: datetime, enrollment_id: int, e164: str
) -> None:
    """Point a live enrollment at a new number: `invited` again, one invitation to the new number."""
    row = conn.execute(
        select(enrollment, staff.c.name.label("peer_name"))
        .select_from(enrollment.outerjoin(staff, staff.c.id == enrollment.c.staff_id))
        .where(enrollment.c.id == enrollment_id)
    ).one()
    adopt(conn, vault, e164)  # during a key rotation: an opt-out filed under the old key still counts
    index = vault.index(e164)
    if refused := refusals.opted_out(conn, index):
        raise refused
    old_contact = row.contact_id
    # The same person on a new phone: they keep the language they chose.
    language = conn.execute(select(contact.c.language).where(contact.c.id == old_contact)).scalar() or "en"
    new_contact = enrollments.contact_for_phone(conn, vault, e164, language, now)
    if new_contact == old_contact:
        raise Conflict(refusals.SAME_NUMBER, field="phone")
    enrollments.refuse_if_live(conn, new_contact)
    _silence_old_number(conn, row.id, old_contact)
    try:
        with conn.begin_nested():  # the unique index settles a race with another enrollment
            move_enrollment(
                conn,
                row,
                EnrollmentStatus.INVITED,
                contact_id=new_contact,
                phone_last4=last4(e164),
                next_checkin_at=None,
                invite_expires_at=now + enrollments.INVITATION_TTL,
            )
    except IntegrityError:
        enrollments.refuse_if_live(conn, new_contact, but=row.id)
        raise Conflict(refusals.NUMBER_UNAVAILABLE, field="phone") from None
    language = conn.execute(select(contact.c.language).where(contact.c.id == new_contact)).scalar_one()
    outbox.enqueue(
        conn,
        key=f"enrollment:{row.id}:invitation:{new_contact}:{now.isoformat()}",
        purpose="invitation",
        body=texts.invitation(wording, language, row.peer_name, row.local_time, row.days),
        now=now,
        contact_id=new_contact,
    )
    enrollments.record_consent(
        conn, index, "checkins_invited", now, wording_version=wording.version(language), staff_id=row.staff_id
    )


def _silence_old_number(conn: Connection, enrollment_id: int, old_contact: int | None) -> None:
    """Nothing more to the old number: its waiting check-ins closed, its unsent texts cancelled, and
    a late reply from it no longer counts for this enrollment."""
    endings.close_open_checkins(conn, [enrollment_id])
    if old_contact is None:
        return
    outbox.cancel_queued(conn, contact_id=old_contact)
    ours = select(checkin.c.id).where(checkin.c.enrollment_id == enrollment_id)
    conn.execute(
        update(contact)
        .where(contact.c.id == old_contact, contact.c.open_checkin_id.in_(ours))
        .values(open_checkin_id=None)
    )
