"""Who a claimed row goes to, read right before the attempt: nobody who opted out, was forgotten
or deactivated, and no check-in text once that check-in was answered, paused or stopped.
"""
# Rows come back as plain tuples (db.Prepared, run on the driver): the columns are in select order.

from __future__ import annotations

import json

from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Connection

from smsbot.db import Prepared
from smsbot.models import Checkin, Contact, OutboxMessage, Staff, Suppression
from smsbot.outbound.outbox import Claimed
from smsbot.privacy import PhoneVault

contact, staff = Contact.__table__, Staff.__table__
suppression, checkin = Suppression.__table__, Checkin.__table__
outbox = OutboxMessage.__table__
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


# The same checks for a group of rows in one query (the unpaced sender's fast path), joined from the
# outbox row itself: a contact unlinked by FORGET or a deleted check-in reads as None, as above.
_sup_contact, _sup_staff = suppression.alias("sup_contact"), suppression.alias("sup_staff")
_GROUP_RECIPIENTS = (
    select(
        outbox.c.id,
        contact.c.phone_index,
        contact.c.phone_ciphertext,
        contact.c.opted_out_at,
        _sup_contact.c.phone_index,
        checkin.c.status,
        staff.c.phone_index,
        staff.c.phone_ciphertext,
        staff.c.deactivated_at,
        _sup_staff.c.phone_index,
        staff.c.is_active,
    )
    .select_from(
        outbox.outerjoin(contact, contact.c.id == outbox.c.contact_id)
        .outerjoin(_sup_contact, _sup_contact.c.phone_index == contact.c.phone_index)
        .outerjoin(checkin, checkin.c.id == outbox.c.checkin_id)
        .outerjoin(staff, staff.c.id == outbox.c.staff_id)
        .outerjoin(_sup_staff, _sup_staff.c.phone_index == staff.c.phone_index)
    )
    .where(outbox.c.id.in_(bindparam("ids", expanding=True)))
)


# The same on SQLite, run on the driver (db.Prepared): the ids as one JSON parameter.
_SQLITE_RECIPIENTS = Prepared(
    lambda _: text(
        "SELECT o.id, c.phone_index, c.phone_ciphertext, c.opted_out_at, sc.phone_index, ch.status,"
        " st.phone_index, st.phone_ciphertext, st.deactivated_at, ss.phone_index, st.is_active"
        " FROM outbox_message AS o"
        " LEFT JOIN contact AS c ON c.id = o.contact_id"
        " LEFT JOIN suppression AS sc ON sc.phone_index = c.phone_index"
        " LEFT JOIN checkin AS ch ON ch.id = o.checkin_id"
        " LEFT JOIN staff AS st ON st.id = o.staff_id"
        " LEFT JOIN suppression AS ss ON ss.phone_index = st.phone_index"
        " WHERE o.id IN (SELECT value FROM json_each(:ids))"
    )
)


def _sqlite_recipients(conn: Connection, rows: list[Claimed]) -> dict[int, tuple]:
    """Row id -> the recipient columns of recipients._GROUP_RECIPIENTS (SQLite)."""
    found = _SQLITE_RECIPIENTS.run(conn, {"ids": json.dumps([row.id for row in rows])}).fetchall()
    return {r[0]: r[1:] for r in found}


UNREADABLE = "unreadable"  # the checks passed, but no key opens the stored number


def recipients(conn: Connection, vault: PhoneVault, rows: list[Claimed]) -> dict[int, tuple[str | None, str]]:
    """`recipient()` for many rows at once: row id -> (e164, "") or (None, "suppressed" | "cancelled"
    | UNREADABLE); one row's unreadable number does not hold up the others."""
    if conn.dialect.name == "sqlite":
        found = _sqlite_recipients(conn, rows)
    else:
        found = {r[0]: r[1:] for r in conn.execute(_GROUP_RECIPIENTS, {"ids": [row.id for row in rows]})}
    answers: dict[int, tuple[str | None, str]] = {}
    for row in rows:
        try:
            answers[row.id] = answer(vault, row, found.get(row.id))
        except Exception:  # the caller logs it, by row id (never the number)
            answers[row.id] = (None, UNREADABLE)
    return answers


def answer(vault: PhoneVault, row: Claimed, cols) -> tuple[str | None, str]:
    """`recipient()`'s rules on one row of _GROUP_RECIPIENTS (without its id; None: no such row).
    bulk._PG_STEP's `ok` says the same in SQL: change both together."""
    if cols is None:
        return None, "cancelled"
    if row.contact_id is not None:
        phone_index, ciphertext, opted_out_at, suppressed, checkin_status = cols[:5]
        open_checkin = row.checkin_id is None or checkin_status in OPEN_CHECKIN_STATUSES
        if phone_index is not None and not open_checkin:
            return None, "cancelled"  # answered, paused or stopped since it was queued
    elif row.staff_id is not None:
        phone_index, ciphertext, opted_out_at, suppressed, active = cols[5:10]
        if phone_index is not None and not active:
            return None, "cancelled"  # deactivated
    else:
        return None, "cancelled"
    if phone_index is None or ciphertext is None:
        return None, "cancelled"
    if suppressed is not None or opted_out_at is not None:
        return None, "suppressed"
    return vault.decrypt(bytes(ciphertext), phone_index), ""
