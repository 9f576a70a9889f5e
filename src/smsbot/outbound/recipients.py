"""Who a claimed row goes to, read right before the attempt: nobody who opted out, was forgotten
or deactivated, and no check-in text once that check-in was answered, paused or stopped.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from smsbot.models import Checkin, Contact, Staff, Suppression
from smsbot.outbound.outbox import Claimed
from smsbot.privacy import PhoneVault

contact, staff = Contact.__table__, Staff.__table__
suppression, checkin = Suppression.__table__, Checkin.__table__
OPEN_CHECKIN_STATUSES = ("waiting", "reminded")

_CONTACT_RECIPIENT = (
    select(
        contact.c.phone_index,
        contact.c.phone_ciphertext,
        contact.c.opted_out_at,
        suppression.c.phone_index.label("suppressed"),
        checkin.c.status.label("checkin_status"),
    )
    .select_from(
        contact.outerjoin(suppression, suppression.c.phone_index == contact.c.phone_index).outerjoin(
            checkin, checkin.c.id == bindparam("checkin_id")
        )
    )
    .where(contact.c.id == bindparam("recipient_id"))
)
_STAFF_RECIPIENT = (
    select(
        staff.c.phone_index,
        staff.c.phone_ciphertext,
        staff.c.deactivated_at.label("opted_out_at"),
        suppression.c.phone_index.label("suppressed"),
        staff.c.is_active,
    )
    .select_from(staff.outerjoin(suppression, suppression.c.phone_index == staff.c.phone_index))
    .where(staff.c.id == bindparam("recipient_id"))
)


def recipient(conn: Connection, vault: PhoneVault, row: Claimed) -> tuple[str | None, str]:
    """(e164, "") when the row may go out now, else (None, "suppressed" | "cancelled")."""
    if row.contact_id is not None:
        found = conn.execute(
            _CONTACT_RECIPIENT, {"recipient_id": row.contact_id, "checkin_id": row.checkin_id}
        ).first()
        if (
            found is not None
            and row.checkin_id is not None
            and found.checkin_status not in OPEN_CHECKIN_STATUSES
        ):
            return None, "cancelled"  # answered, paused or stopped since it was queued
    elif row.staff_id is not None:
        found = conn.execute(_STAFF_RECIPIENT, {"recipient_id": row.staff_id}).first()
        if found is not None and not found.is_active:
            return None, "cancelled"
    else:
        found = None  # the contact was forgotten (FORGET unlinks rows)
    if found is None or found.phone_ciphertext is None:
        return None, "cancelled"  # forgotten, or nobody to text
    if found.suppressed is not None or found.opted_out_at is not None:
        return None, "suppressed"
    return vault.decrypt(found.phone_ciphertext, found.phone_index), ""
