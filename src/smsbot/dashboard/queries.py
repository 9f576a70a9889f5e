"""What the pages read beside the services: the words for answers, the staff to choose from, and the
one full phone number a page may show (`reveal_phone`, which the reveal pages call and audit).

Participants as a viewer may see them: smsbot.checkins.roster; alerts: smsbot.alerts.views.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from smsbot.models import Contact, Staff
from smsbot.privacy import PhoneVault

contact, staff = Contact.__table__, Staff.__table__

ANSWERS = {"ok": "OK", "call": "asked for a call", "help": "asked for help", "text": "wrote back"}


def staff_choices(conn: Connection) -> list[tuple[int, str]]:
    rows = conn.execute(
        select(staff.c.id, staff.c.name).where(staff.c.is_active).order_by(func.lower(staff.c.name))
    )
    return [(row.id, row.name) for row in rows]


def reveal_phone(conn: Connection, vault: PhoneVault, contact_id: int | None) -> str | None:
    """The participant's full number (after the viewer said why; the caller audits)."""
    if contact_id is None:
        return None
    row = conn.execute(
        select(contact.c.phone_index, contact.c.phone_ciphertext).where(contact.c.id == contact_id)
    ).first()
    if row is None or row.phone_ciphertext is None:
        return None
    return vault.decrypt(row.phone_ciphertext, row.phone_index)
