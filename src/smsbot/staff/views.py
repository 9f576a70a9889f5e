"""Reading staff accounts for the Staff page (admins): each account with its live participants, API
tokens and last sign-in (from the audit log, which keeps every sign-in). Never a phone number: the
last four digits at most."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.checkins.states import LIVE
from smsbot.errors import N_, Forbidden
from smsbot.models import ApiToken, AuditLog, Enrollment, Staff

staff_t, token_t, enrollment_t = Staff.__table__, ApiToken.__table__, Enrollment.__table__
audit_t = AuditLog.__table__


def roster(conn: Connection, actor: Actor) -> list[Any]:
    """Active accounts first, by name; each with `tokens` (live) and `participants` (live) counts and
    `last_sign_in` (None: never)."""
    if not actor.is_admin:
        raise Forbidden(N_("Only an admin can see staff accounts."))
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
    # One indexed look-up per account (audit_log.actor_id), not a scan of the whole log.
    last_sign_in = (
        select(func.max(audit_t.c.at))
        .where(audit_t.c.actor_id == staff_t.c.id, audit_t.c.action == "sign_in")
        .scalar_subquery()
    )
    return conn.execute(
        select(
            staff_t,
            tokens.c.n.label("tokens"),
            people.c.n.label("participants"),
            last_sign_in.label("last_sign_in"),
        )
        .select_from(
            staff_t.outerjoin(tokens, tokens.c.staff_id == staff_t.c.id).outerjoin(
                people, people.c.staff_id == staff_t.c.id
            )
        )
        .order_by(staff_t.c.is_active.desc(), func.lower(staff_t.c.name), staff_t.c.id)
    ).all()


def name_of(conn: Connection, staff_id: int) -> str:
    return conn.execute(select(staff_t.c.name).where(staff_t.c.id == staff_id)).scalar() or ""
