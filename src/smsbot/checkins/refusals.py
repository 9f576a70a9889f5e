"""Why a number or a nickname cannot be used, in the words each person may read.

A peer asking about a number that is someone else's participant, or opted out, hears only "this number
can't be enrolled here; ask an admin" (never whose, nor that it said STOP); an admin is told why.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from smsbot.checkins.states import LIVE
from smsbot.errors import N_, Conflict
from smsbot.models import Enrollment, Staff, Suppression

enrollment, staff, suppression = Enrollment.__table__, Staff.__table__, Suppression.__table__
NUMBER_UNAVAILABLE = N_("this number can't be enrolled here; ask an admin")
OPTED_OUT = N_("This number has opted out (they texted STOP); they must text START before a new invitation.")
SAME_NUMBER = N_("That is already this participant's number.")


def opted_out(conn: Connection, phone_index: str) -> Conflict | None:
    found = conn.execute(select(suppression.c.phone_index).where(suppression.c.phone_index == phone_index))
    if found.first() is None:
        return None
    return Conflict(NUMBER_UNAVAILABLE, field="phone", admin_message=OPTED_OUT)


def already_enrolled(conn: Connection, contact_id: int, but: int | None = None) -> Conflict | None:
    """The number's live enrollment (other than `but`), told as each may read it."""
    query = (
        select(enrollment.c.nickname, staff.c.name)
        .select_from(enrollment.outerjoin(staff, staff.c.id == enrollment.c.staff_id))
        .where(enrollment.c.contact_id == contact_id, enrollment.c.status.in_(LIVE))
    )
    if but is not None:
        query = query.where(enrollment.c.id != but)
    live = conn.execute(query.limit(1)).first()
    if live is None:
        return None
    if live.name:
        admin_message = N_(
            "This number already has a live enrollment: %(peer)s's participant “%(nickname)s”."
        )
    else:
        admin_message = N_(
            "This number already has a live enrollment: a participant with no peer “%(nickname)s”."
        )
    return Conflict(
        NUMBER_UNAVAILABLE,
        field="phone",
        admin_message=admin_message,
        values={"peer": live.name, "nickname": live.nickname},
    )


def nickname_taken(
    conn: Connection, staff_id: int | None, nickname: str, *, but: int | None = None, own: bool = True
) -> Conflict | None:
    """Two live participants of one peer never share a nickname (alerts name them by it)."""
    if staff_id is None:
        return None
    query = select(enrollment.c.id).where(
        enrollment.c.staff_id == staff_id,
        enrollment.c.status.in_(LIVE),
        func.lower(enrollment.c.nickname) == func.lower(nickname),
    )
    if but is not None:
        query = query.where(enrollment.c.id != but)
    if conn.execute(query.limit(1)).first() is None:
        return None
    if own:
        message = N_(
            "You already have a participant called “%(nickname)s”. Add something to tell them apart, "
            "for example “%(nickname)s B”."
        )
    else:
        message = N_(
            "That peer already has a participant called “%(nickname)s”. Add something to tell them "
            "apart, for example “%(nickname)s B”."
        )
    return Conflict(message, field="nickname", values={"nickname": nickname})
