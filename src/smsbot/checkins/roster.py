"""Reading participants as an actor may see them: a peer their own, an admin everyone's (else NotFound).

The archive is here too: stopped, ended and expired enrollments stay findable with their check-ins.
Nothing returned carries a phone number, ciphertext or hash (`phone_last4` at most).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.engine import Connection, Row

from smsbot.actor import Actor
from smsbot.checkins import answers, rules
from smsbot.checkins.enrollments import view
from smsbot.checkins.states import ARCHIVED, LIVE, CheckinStatus, EnrollmentStatus
from smsbot.errors import N_, Invalid, NotFound
from smsbot.models import Checkin, Contact, Enrollment, Staff
from smsbot.privacy import PhoneVault

enrollment, checkin = Enrollment.__table__, Checkin.__table__
contact, staff = Contact.__table__, Staff.__table__
E = EnrollmentStatus
LARGEST_ID = 2**31 - 1  # the id columns' range: anything past it is simply not there
NOT_YOURS = N_("There is no such participant for you.")
# What the participants page filters by (and the API's `status`, one state at a time).
SHOWS: dict[str, tuple[str, ...]] = {
    "current": LIVE,
    **{s.value: (s.value,) for s in (E.ACTIVE, E.PAUSED, E.INVITED)},
    "stopped": ARCHIVED,
    "all": tuple(s.value for s in EnrollmentStatus),
}
_STATUS_ORDER = case(
    {s.value: i for i, s in enumerate((E.ACTIVE, E.INVITED, E.PAUSED, E.STOPPED, E.ENDED, E.EXPIRED))},
    value=enrollment.c.status,
    else_=9,
)


def _scoped(query: Select, actor: Actor) -> Select:
    return query if actor.is_admin else query.where(enrollment.c.staff_id == actor.staff_id)


def get_row(conn: Connection, actor: Actor, enrollment_id: int, *, for_update: bool = False) -> Row:
    """The enrollment row, whatever its state, if the actor may see it; NotFound otherwise."""
    if not isinstance(enrollment_id, int) or not 0 < enrollment_id <= LARGEST_ID:
        raise NotFound(NOT_YOURS)
    query = _scoped(select(enrollment).where(enrollment.c.id == enrollment_id), actor)
    row = conn.execute(query.with_for_update(of=enrollment) if for_update else query).first()
    if row is None:
        raise NotFound(NOT_YOURS)
    return row


def get(conn: Connection, actor: Actor, enrollment_id: int) -> dict:
    return view(get_row(conn, actor, enrollment_id))


def list_enrollments(conn: Connection, actor: Actor, status: str | None = None) -> list[dict]:
    """The API's list, oldest first: one state, or every one but `ended` (what the API always gave)."""
    if status is not None and status not in SHOWS["all"]:
        raise Invalid(
            N_("status must be one of: %(states)s."),
            field="status",
            values={"states": ", ".join(SHOWS["all"])},
        )
    query = select(enrollment).order_by(enrollment.c.id)
    if status is None:
        query = query.where(enrollment.c.status != EnrollmentStatus.ENDED.value)
    else:
        query = query.where(enrollment.c.status == status)
    return [view(row) for row in conn.execute(_scoped(query, actor))]


SORTS = {
    "name": (func.lower(enrollment.c.nickname), enrollment.c.id),
    "status": (_STATUS_ORDER, func.lower(enrollment.c.nickname), enrollment.c.id),
    "next": (enrollment.c.next_checkin_at.is_(None), enrollment.c.next_checkin_at, enrollment.c.id),
    "newest": (enrollment.c.created_at.desc(), enrollment.c.id.desc()),
}


def participants(
    conn: Connection,
    actor: Actor,
    *,
    show: str = "current",
    search: str | None = None,
    sort: str = "name",
    limit: int = 500,
) -> list[dict]:
    """The participants page: filtered by state, searched by nickname, sorted; with the last check-in."""
    latest = (
        select(checkin.c.enrollment_id, func.max(checkin.c.id).label("checkin_id"))
        .where(checkin.c.status != CheckinStatus.MISSED_BY_SYSTEM.value)
        .group_by(checkin.c.enrollment_id)
        .subquery()
    )
    query = (
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
        .where(enrollment.c.status.in_(SHOWS.get(show, LIVE)))
        .order_by(*SORTS.get(sort, SORTS["name"]))
        .limit(limit)
    )
    words = (search or "").split()[:5]
    if words:  # every word somewhere in the nickname (or the peer's name, for an admin)
        for word in words:
            pattern = "%" + word.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
            matches = [func.lower(enrollment.c.nickname).like(pattern)]
            if actor.is_admin:
                matches.append(func.lower(staff.c.name).like(pattern))
            query = query.where(or_(*matches))
    return [card(row) for row in conn.execute(_scoped(query, actor))]


def card(row) -> dict:
    """One participant for the pages: the API's view plus what people read (names, labels)."""
    return {
        **view(row),
        "next_at": row.next_checkin_at,
        "created": row.created_at,
        "ended_at": row.ended_at,
        "every_day": rules.every_day(row.days),
        "timezone_label": rules.timezone_label(row.timezone),
        "archived": row.status in ARCHIVED,
        "peer_name": getattr(row, "peer_name", None),
        "last_at": getattr(row, "last_at", None),
        "last_status": (getattr(row, "last_status", None) or "").replace("_", " "),
        "last_answer": getattr(row, "last_answer", None),
    }


def details(conn: Connection, actor: Actor, enrollment_id: int) -> dict:
    """One participant for its page: the card, their peer's name and their texts' language."""
    row = get_row(conn, actor, enrollment_id)
    extra = conn.execute(
        select(staff.c.name.label("peer_name"), contact.c.language)
        .select_from(enrollment.outerjoin(staff, staff.c.id == enrollment.c.staff_id))
        .outerjoin(contact, contact.c.id == enrollment.c.contact_id)
        .where(enrollment.c.id == row.id)
    ).one()
    return {**card(row), "peer_name": extra.peer_name, "language": extra.language or "en"}


def recent_checkins(
    conn: Connection, actor: Actor, enrollment_id: int, *, vault: PhoneVault, now: datetime, limit: int = 20
) -> list[dict]:
    """Recent check-ins and answers, newest first (free-text answers readable until their purge time)."""
    get_row(conn, actor, enrollment_id)
    rows = conn.execute(
        select(checkin)
        .where(checkin.c.enrollment_id == enrollment_id)
        .order_by(checkin.c.scheduled_for.desc())
        .limit(max(1, min(limit, 100)))
    ).all()
    return [
        {
            "id": row.id,
            "scheduled_for": row.scheduled_for.isoformat(),
            "status": row.status,
            "answer_kind": row.answer_kind,
            "answered_at": _iso(row.answered_at),
            # Readable until its purge time, even if the clean-up has not run yet.
            "answer_text": answers.decrypt_answer(vault, row.id, row.answer_ciphertext)
            if row.answer_ciphertext and row.answer_purge_at and row.answer_purge_at > now
            else None,
            "answer_kept_until": _iso(row.answer_purge_at) if row.answer_ciphertext else None,
        }
        for row in rows
    ]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
