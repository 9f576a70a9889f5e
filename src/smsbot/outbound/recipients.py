"""Who a claimed row goes to, read right before the attempt: nobody who opted out, was forgotten
or deactivated, and no check-in text once that check-in was answered, paused or stopped.
"""
# Rows come back as plain tuples (db.Prepared, run on the driver): the columns are in select order.

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from smsbot.db import Prepared
from smsbot.models import Checkin, Contact, Staff, Suppression
from smsbot.outbound.outbox import Claimed
from smsbot.privacy import PhoneVault

contact, staff = Contact.__table__, Staff.__table__
suppression, checkin = Suppression.__table__, Checkin.__table__
OPEN_CHECKIN_STATUSES = ("waiting", "reminded")

_CONTACT_RECIPIENT = Prepared(
    lambda _: (
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
)
_STAFF_RECIPIENT = Prepared(
    lambda _: (
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
)


def recipient(conn: Connection, vault: PhoneVault, row: Claimed) -> tuple[str | None, str]:
    """(e164, "") when the row may go out now, else (None, "suppressed" | "cancelled")."""
    found = None  # the contact was forgotten (FORGET unlinks rows), or nobody to text
    if row.contact_id is not None:
        params = {"recipient_id": row.contact_id, "checkin_id": row.checkin_id}
        found = _CONTACT_RECIPIENT.run(conn, params).fetchone()
        if found is not None and row.checkin_id is not None and found[4] not in OPEN_CHECKIN_STATUSES:
            return None, "cancelled"  # answered, paused or stopped since it was queued
    elif row.staff_id is not None:
        found = _STAFF_RECIPIENT.run(conn, {"recipient_id": row.staff_id}).fetchone()
        if found is not None and not found[4]:
            return None, "cancelled"  # deactivated
    if found is None or found[1] is None:
        return None, "cancelled"
    phone_index, ciphertext, opted_out_at, suppressed = found[:4]
    if suppressed is not None or opted_out_at is not None:
        return None, "suppressed"
    return vault.decrypt(bytes(ciphertext), phone_index), ""
