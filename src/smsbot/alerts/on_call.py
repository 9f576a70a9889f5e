"""Who is on call, in one place: the on-call staff take unacknowledged alerts, a deactivated account's
participants and alerts, and texters who enroll themselves. Active and on call; those who can be
texted (a phone, not opted out) come first, then by id, so every hand-over picks the same person.
"""

from __future__ import annotations

from sqlalchemy import and_, case, select
from sqlalchemy.engine import Connection

from smsbot.models import Staff, Suppression

staff, suppression = Staff.__table__, Suppression.__table__
# A staff member the line can text: a phone on file that has not opted out (21610 or STOP).
_TEXTABLE = and_(staff.c.phone_ciphertext.is_not(None), suppression.c.phone_index.is_(None))
_WITH_SUPPRESSION = staff.outerjoin(suppression, suppression.c.phone_index == staff.c.phone_index)


def on_call_staff(conn: Connection, *, excluding: int | None = None, textable: bool = False) -> list[int]:
    """The active on-call staff, textable first; `textable=True` keeps only those who can be texted."""
    query = (
        select(staff.c.id)
        .select_from(_WITH_SUPPRESSION)
        .where(staff.c.is_on_call, staff.c.is_active)
        .order_by(case((_TEXTABLE, 0), else_=1), staff.c.id)
    )
    if excluding is not None:
        query = query.where(staff.c.id != excluding)
    if textable:
        query = query.where(_TEXTABLE)
    return list(conn.execute(query).scalars())


def on_call_peer(conn: Connection, *, excluding: int | None = None) -> int | None:
    """The one on-call staff member who takes over work (None when nobody is on call)."""
    found = on_call_staff(conn, excluding=excluding)
    return found[0] if found else None


def can_text(conn: Connection, staff_id: int | None) -> bool:
    """Is this an active staff member the line can text? (A peer whose phone opted out cannot be.)"""
    if staff_id is None:
        return False
    row = conn.execute(
        select(staff.c.id)
        .select_from(_WITH_SUPPRESSION)
        .where(staff.c.id == staff_id, staff.c.is_active, _TEXTABLE)
    ).first()
    return row is not None
