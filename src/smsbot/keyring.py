"""Rows keyed under the previous master key move to the current one: a number's lookup index (and
its encrypted copy, which is bound to the index) is rewritten in every table that holds it, at once.

While a key rotation runs (SMSBOT_PREVIOUS_SECRET_KEY set), every place that knows a number calls
`adopt` before looking it up, so a texter, an opt-out or consent evidence filed under the old key is
found and moved over in the same transaction; `smsbot keys rotate` (ops/rotate.py) moves the rest.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from smsbot.models import ConsentRecord, Contact, InboundCounter, Staff, Suppression
from smsbot.privacy import PhoneVault

contact = Contact.__table__
staff = Staff.__table__
suppression = Suppression.__table__
consent = ConsentRecord.__table__
counter = InboundCounter.__table__


def adopt(conn: Connection, vault: PhoneVault, e164: str) -> None:
    """Move anything filed under this number's previous-key index to its current index (no-op when
    no rotation is under way)."""
    if vault.previous is not None:
        move(conn, vault, e164, vault.previous.index(e164))


def move(conn: Connection, vault: PhoneVault, e164: str, old_index: str) -> bool:
    """Re-key every row of `old_index` (the number's index under the previous key) to the current
    key; returns whether a contact was moved. Idempotent: a second call finds nothing to move."""
    new_index = vault.index(e164)
    if new_index == old_index:
        return False
    moved = False
    old_contact = conn.execute(
        select(contact.c.id, contact.c.phone_ciphertext).where(contact.c.phone_index == old_index)
    ).first()
    taken = conn.execute(select(contact.c.id).where(contact.c.phone_index == new_index)).first()
    if old_contact is not None and taken is None:
        values: dict = {"phone_index": new_index}
        if old_contact.phone_ciphertext is not None:
            values["phone_ciphertext"] = vault.encrypt(e164)  # the ciphertext is bound to its index
        conn.execute(update(contact).where(contact.c.id == old_contact.id).values(**values))
        moved = True
    for row in conn.execute(
        select(staff.c.id, staff.c.phone_ciphertext).where(staff.c.phone_index == old_index)
    ).all():
        conn.execute(
            update(staff)
            .where(staff.c.id == row.id)
            .values(
                phone_index=new_index,
                phone_ciphertext=vault.encrypt(e164) if row.phone_ciphertext is not None else None,
            )
        )
    # An opt-out is kept once per number: if one exists under the new index already, it wins.
    if conn.execute(select(suppression.c.phone_index).where(suppression.c.phone_index == new_index)).first():
        conn.execute(delete(suppression).where(suppression.c.phone_index == old_index))
    else:
        conn.execute(
            update(suppression).where(suppression.c.phone_index == old_index).values(phone_index=new_index)
        )
    conn.execute(update(consent).where(consent.c.phone_index == old_index).values(phone_index=new_index))
    # Flood counters: the newer bucket counts; an old duplicate of the same bucket is dropped.
    current = select(counter.c.bucket).where(counter.c.phone_index == new_index)
    conn.execute(
        update(counter)
        .where(counter.c.phone_index == old_index, counter.c.bucket.not_in(current))
        .values(phone_index=new_index)
    )
    conn.execute(delete(counter).where(counter.c.phone_index == old_index))
    return moved
