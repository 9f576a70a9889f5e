"""Reading staff accounts for the Staff page (admins): each account with its live participants and
API tokens. Never a phone number: the last four digits at most."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.checkins.states import LIVE
from smsbot.errors import Forbidden
from smsbot.models import ApiToken, Enrollment, Staff

staff_t, token_t, enrollment_t = Staff.__table__, ApiToken.__table__, Enrollment.__table__


def roster(conn: Connection, actor: Actor) -> list[Any]:
    """Active accounts first, by name; each with `tokens` (live) and `participants` (live) counts."""
    if not actor.is_admin:
        raise Forbidden("Only an admin can see staff accounts.")
    tokens = (
        select(token_t.c.staff_id, func.count().label("n"))
        .where(token_t.c.revoked_at.is_(None))
        .group_by(token_t.c.staff_id)
        .subquery()
    )
    people = (
        select(enrollment_t.c.staff_id, func.count().label("n"))
        .where(enrollment_t.c.status.in_(LIVE))
        .group_by(enrollment_t.c.staff_id)
        .subquery()
    )
    return conn.execute(
        select(staff_t, tokens.c.n.label("tokens"), people.c.n.label("participants"))
        .select_from(
            staff_t.outerjoin(tokens, tokens.c.staff_id == staff_t.c.id).outerjoin(
                people, people.c.staff_id == staff_t.c.id
            )
        )
        .order_by(staff_t.c.is_active.desc(), func.lower(staff_t.c.name), staff_t.c.id)
    ).all()


def name_of(conn: Connection, staff_id: int) -> str:
    return conn.execute(select(staff_t.c.name).where(staff_t.c.id == staff_id)).scalar() or ""
