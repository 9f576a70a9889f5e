"""What the pages read: participants as a viewer may see them, filtered in the query (alerts:
smsbot.alerts.views).

A peer sees their own participants; an admin sees everyone's. Another peer's id is simply not
found (404), exactly as in the API. Nothing here returns a phone number: `phone_last4` at most.
The one exception is `reveal_phone`, which the admin-only reveal page calls (and audits).
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from smsbot.auth.sessions import Viewer
from smsbot.checkins import enrollments
from smsbot.models import Checkin, Contact, Enrollment, Staff
from smsbot.privacy import PhoneVault

enrollment, checkin = Enrollment.__table__, Checkin.__table__
contact, staff = Contact.__table__, Staff.__table__

ANSWERS = {"ok": "OK", "call": "asked for a call", "help": "asked for help", "text": "wrote back"}


def _enrollment_scope(viewer: Viewer):
    """The API's rule: not ended, and a peer's own only."""
    conditions = [enrollment.c.status != "ended"]
    if not viewer.is_admin:
        conditions.append(enrollment.c.staff_id == viewer.id)
    return and_(*conditions)


def participants_for(conn: Connection, viewer: Viewer) -> list[dict]:
    """Each visible enrollment with its last check-in and answer and its next check-in."""
    latest = (
        select(checkin.c.enrollment_id, func.max(checkin.c.id).label("checkin_id"))
        .where(checkin.c.status != "missed_by_system")
        .group_by(checkin.c.enrollment_id)
        .subquery()
    )
    live_first = case((enrollment.c.status.in_(enrollments.LIVE), 0), else_=1)
    rows = conn.execute(
        select(
            enrollment,
            checkin.c.scheduled_for.label("last_at"),
            checkin.c.status.label("last_status"),
            checkin.c.answer_kind.label("last_answer"),
            staff.c.name.label("peer_name"),
        )
        .select_from(
            enrollment.outerjoin(latest, latest.c.enrollment_id == enrollment.c.id)
            .outerjoin(checkin, checkin.c.id == latest.c.checkin_id)
            .outerjoin(staff, staff.c.id == enrollment.c.staff_id)
        )
        .where(_enrollment_scope(viewer))
        .order_by(live_first, func.lower(enrollment.c.nickname), enrollment.c.id)
    ).all()
    return [
        {
            **enrollments.view(row),
            "next_at": row.next_checkin_at,
            "last_at": row.last_at,
            "last_status": (row.last_status or "").replace("_", " "),
            "last_answer": ANSWERS.get(row.last_answer or "", row.last_answer or ""),
            "peer_name": row.peer_name,
        }
        for row in rows
    ]


def enrollment_for(conn: Connection, viewer: Viewer, enrollment_id: int):
    """The enrollment row if the viewer may see it, else None (the page answers 404)."""
    return conn.execute(
        select(enrollment).where(enrollment.c.id == enrollment_id, _enrollment_scope(viewer))
    ).first()


def staff_choices(conn: Connection) -> list[tuple[int, str]]:
    rows = conn.execute(
        select(staff.c.id, staff.c.name).where(staff.c.is_active).order_by(func.lower(staff.c.name))
    )
    return [(row.id, row.name) for row in rows]


def reveal_phone(conn: Connection, vault: PhoneVault, contact_id: int | None) -> str | None:
    """The participant's full number (admins only, after they said why; the caller audits)."""
    if contact_id is None:
        return None
    row = conn.execute(
        select(contact.c.phone_index, contact.c.phone_ciphertext).where(contact.c.id == contact_id)
    ).first()
    if row is None or row.phone_ciphertext is None:
        return None
    return vault.decrypt(row.phone_ciphertext, row.phone_index)
