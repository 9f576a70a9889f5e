"""Enrollment: a peer invites (one invitation through the outbox), the participant JOINs, or a texter
opts in themselves (CHECKIN + a time); RESUME, changes and consent evidence. Pausing and ending: endings.py.
"""
# Every function takes the caller's connection: the API and the webhook own the transaction, so the
# state change and the texts it causes commit together.

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from smsbot.alerts.on_call import on_call_peer
from smsbot.checkins import refusals, rules, texts
from smsbot.checkins.moves import move_enrollment
from smsbot.checkins.schedule import (
    EVERY_DAY,
    day_list,
    format_days,
    format_local_time,
    next_checkin_at,
    parse_days,
    parse_local_time,
    zone,
)
from smsbot.checkins.states import LIVE, EnrollmentStatus
from smsbot.errors import Conflict
from smsbot.keyring import adopt
from smsbot.models import (
    Checkin,
    ConsentRecord,
    Contact,
    Enrollment,
    Staff,
)
from smsbot.outbound import outbox
from smsbot.privacy import PhoneVault, last4
from smsbot.replies.wording import Wording
from smsbot.upsert import insert_ignore

enrollment = Enrollment.__table__
checkin = Checkin.__table__
contact = Contact.__table__
staff = Staff.__table__
INVITATION_TTL = timedelta(days=7)


@dataclass(frozen=True)
class Plan:
    """When check-ins come: validated and normalised."""

    local_time: str  # "HH:MM"
    days: str  # "mon,wed,fri"
    timezone: str
    reply_window_minutes: int

    @classmethod
    def of(
        cls, local_time: str, days: list[str] | str | None, timezone: str, reply_window_minutes: int
    ) -> Plan:
        zone(timezone)  # raises ScheduleError for an unknown zone
        return cls(
            format_local_time(parse_local_time(local_time)),
            format_days(parse_days(days)),
            timezone,
            reply_window_minutes,
        )

    def next_after(self, after: datetime) -> datetime:
        return next_checkin_at(parse_local_time(self.local_time), parse_days(self.days), self.timezone, after)


def plan_of(row) -> Plan:
    return Plan(row.local_time, row.days, row.timezone, row.reply_window_minutes)


def view(row) -> dict:
    """What the API shows: never a phone number, ciphertext or hash."""
    return {
        "id": row.id,
        "status": row.status,
        "nickname": row.nickname,
        "phone_last4": row.phone_last4,
        "time": row.local_time,
        "days": day_list(parse_days(row.days)),
        "timezone": row.timezone,
        "reply_window_minutes": row.reply_window_minutes,
        "next_checkin_at": row.next_checkin_at.isoformat() if row.next_checkin_at else None,
        "staff_id": row.staff_id,
        "source": row.source,
        "created_at": row.created_at.isoformat(),
        "joined_at": row.joined_at.isoformat() if row.joined_at else None,
    }


def record_consent(
    conn: Connection,
    phone_index: str,
    kind: str,
    now: datetime,
    *,
    wording_version: str | None,
    staff_id: int | None = None,
    message_sid_hash: str | None = None,
    source: str | None = None,
) -> None:
    """Consent evidence, keyed hashes only: survives FORGET as the law requires."""
    conn.execute(
        ConsentRecord.__table__.insert().values(
            phone_index=phone_index,
            kind=kind,
            recorded_at=now,
            message_sid_hash=message_sid_hash,
            wording_version=wording_version,
            staff_id=staff_id,
            source=source,
        )
    )


def contact_for_phone(conn: Connection, vault: PhoneVault, e164: str, language: str, now: datetime) -> int:
    """The contact row for a number we will text first (created, or given its encrypted number).
    Insert-or-nothing, then read: two requests racing on a new number both get the one row."""
    index = vault.index(e164)
    conn.execute(
        insert_ignore(conn, contact, ["phone_index"]).values(
            phone_index=index,
            phone_ciphertext=vault.encrypt(e164),
            language=language,
            created_at=now,
            last_seen_at=now,
        )
    )
    row = conn.execute(
        select(contact.c.id, contact.c.phone_ciphertext).where(contact.c.phone_index == index)
    ).one()
    if row.phone_ciphertext is None:
        conn.execute(
            update(contact).where(contact.c.id == row.id).values(phone_ciphertext=vault.encrypt(e164))
        )
    return row.id


def invite(
    conn: Connection,
    *,
    vault: PhoneVault,
    wording: Wording,
    now: datetime,
    staff_id: int,
    e164: str,
    nickname: str,
    plan: Plan,
    language: str = "en",
) -> int:
    """A peer enrolls a number: status `invited`, one invitation queued. Nothing else is sent before JOIN."""
    index = check_number(conn, vault, e164)
    contact_id = contact_for_phone(conn, vault, e164, language, now)
    refuse_if_live(conn, contact_id)  # again: a request racing for the number may have won meanwhile
    language = conn.execute(select(contact.c.language).where(contact.c.id == contact_id)).scalar_one()
    enrollment_id = insert_live(
        conn,
        dict(
            contact_id=contact_id,
            staff_id=staff_id,
            nickname=nickname,
            phone_last4=last4(e164),
            local_time=plan.local_time,
            days=plan.days,
            timezone=plan.timezone,
            reply_window_minutes=plan.reply_window_minutes,
            status=EnrollmentStatus.INVITED.value,
            source="staff",
            created_at=now,
            invite_expires_at=now + INVITATION_TTL,
        ),
    )
    peer_name = conn.execute(select(staff.c.name).where(staff.c.id == staff_id)).scalar()
    outbox.enqueue(
        conn,
        key=f"enrollment:{enrollment_id}:invitation",
        purpose="invitation",
        body=texts.invitation(wording, language, peer_name, plan.local_time, plan.days),
        now=now,
        contact_id=contact_id,
    )
    record_consent(
        conn, index, "checkins_invited", now, wording_version=wording.version(language), staff_id=staff_id
    )
    return enrollment_id


def check_number(conn: Connection, vault: PhoneVault, e164: str) -> str:
    """Conflict if the number opted out or has a live enrollment; else its lookup index."""
    adopt(conn, vault, e164)  # during a key rotation: an opt-out filed under the old key still counts
    index = vault.index(e164)
    if refused := refusals.opted_out(conn, index):
        raise refused
    known = conn.execute(select(contact.c.id).where(contact.c.phone_index == index)).scalar()
    if known is not None:
        refuse_if_live(conn, known)
    return index


def refuse_if_live(conn: Connection, contact_id: int, but: int | None = None) -> None:
    """Conflict when the number already has a live enrollment (other than `but`)."""
    if refused := refusals.already_enrolled(conn, contact_id, but):
        raise refused


def insert_live(conn: Connection, values: dict) -> int:
    """Insert a live enrollment. A concurrent one that won (the same number, or the same peer and
    nickname: unique indexes decide) makes this one a Conflict; the savepoint keeps the caller's
    transaction usable afterwards."""
    try:
        with conn.begin_nested():
            return conn.execute(enrollment.insert().values(**values).returning(enrollment.c.id)).scalar_one()
    except IntegrityError:
        refuse_if_live(conn, values["contact_id"])  # the winner has committed: it is visible now
        if taken := refusals.nickname_taken(conn, values["staff_id"], values["nickname"]):
            raise taken from None
        raise Conflict(refusals.NUMBER_UNAVAILABLE, field="phone") from None


def live_enrollment(conn: Connection, contact_id: int | None):
    """The texter's newest enrollment that is invited, active or paused (or None)."""
    if contact_id is None:
        return None
    return conn.execute(
        select(enrollment, staff.c.name.label("peer_name"))
        .select_from(enrollment.outerjoin(staff, staff.c.id == enrollment.c.staff_id))
        .where(enrollment.c.contact_id == contact_id, enrollment.c.status.in_(LIVE))
        .order_by(enrollment.c.id.desc())
        .limit(1)
    ).first()


def activate(conn: Connection, row, now: datetime) -> datetime:
    """invited|paused -> active (JOIN, RESUME by text or by staff), the next check-in computed from now."""
    next_at = plan_of(row).next_after(now)
    values: dict = {"next_checkin_at": next_at, "invite_expires_at": None}
    if row.joined_at is None:
        values["joined_at"] = now
    move_enrollment(conn, row, EnrollmentStatus.ACTIVE, **values)
    return next_at


def self_enroll(
    conn: Connection,
    *,
    vault: PhoneVault,
    now: datetime,
    contact_id: int,
    e164: str,
    local_time: str,
    timezone: str,
    reply_window_minutes: int,
) -> tuple[int, str | None]:
    """A texter opts in (CHECKIN + a time): active at once, assigned to the on-call peer."""
    conn.execute(
        update(contact).where(contact.c.id == contact_id).values(phone_ciphertext=vault.encrypt(e164))
    )
    peer_id = on_call_peer(conn)
    peer_name = conn.execute(select(staff.c.name).where(staff.c.id == peer_id)).scalar() if peer_id else None
    plan = Plan.of(local_time, None, timezone, reply_window_minutes)
    enrollment_id = insert_live(
        conn,
        dict(
            contact_id=contact_id,
            staff_id=peer_id,
            nickname=_free_nickname(conn, peer_id, f"Self-enrolled …{last4(e164)}"),
            phone_last4=last4(e164),
            local_time=plan.local_time,
            days=format_days(EVERY_DAY),
            timezone=plan.timezone,
            reply_window_minutes=plan.reply_window_minutes,
            status=EnrollmentStatus.ACTIVE.value,
            source="self",
            created_at=now,
            joined_at=now,
            next_checkin_at=plan.next_after(now),
        ),
    )
    return enrollment_id, peer_name


def _free_nickname(conn: Connection, staff_id: int | None, base: str) -> str:
    """`base`, or `base (2)`, `(3)`…: the first one this peer's live participants do not use."""
    name, n = base, 1
    while refusals.nickname_taken(conn, staff_id, name) is not None:
        n += 1
        suffix = f" ({n})"
        name = base[: rules.MAX_NICKNAME - len(suffix)] + suffix
    return name


def hand_over(conn: Connection, from_staff: int, to_staff: int) -> int:
    """A departing peer's live participants go to another peer (a deactivated account's handover); a
    nickname the new peer already uses gets a number ("J (2)"), so alerts still name one person."""
    rows = conn.execute(
        select(enrollment.c.id, enrollment.c.nickname)
        .where(enrollment.c.staff_id == from_staff, enrollment.c.status.in_(LIVE))
        .order_by(enrollment.c.id)
    ).all()
    for row in rows:
        conn.execute(
            update(enrollment)
            .where(enrollment.c.id == row.id)
            .values(staff_id=to_staff, nickname=_free_nickname(conn, to_staff, row.nickname))
        )
    return len(rows)
