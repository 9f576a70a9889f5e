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
from smsbot.checkins import texts
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
from smsbot.checkins.states import LIVE, OPEN, EnrollmentStatus
from smsbot.keyring import adopt
from smsbot.models import (
    Checkin,
    ConsentRecord,
    Contact,
    Enrollment,
    Staff,
    Suppression,
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
OPEN_CHECKIN = OPEN  # kept for callers that import it from here
ALREADY_LIVE = "this number already has a live enrollment"
# What a peer is told about a number they cannot enroll: whether it is someone else's participant or
# opted out is not theirs to learn (an admin is told the reason).
NUMBER_UNAVAILABLE = "this number can't be enrolled here; ask an admin"


class EnrollmentError(ValueError):
    """A request that cannot be done as asked; `status` is the HTTP status the API answers with.
    `about_number`: the reason tells something about the number (its enrollments, its opt-out)."""

    def __init__(self, status: int, reason: str, *, about_number: bool = False) -> None:
        super().__init__(reason)
        self.status, self.reason, self.about_number = status, reason, about_number

    def told_to(self, is_admin: bool) -> str:
        """The reason as the person asking may read it."""
        return self.reason if is_admin or not self.about_number else NUMBER_UNAVAILABLE


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
    adopt(conn, vault, e164)  # during a key rotation: an opt-out filed under the old key still counts
    index = vault.index(e164)
    suppressed = conn.execute(
        select(Suppression.__table__.c.phone_index).where(Suppression.__table__.c.phone_index == index)
    ).first()
    if suppressed is not None:
        raise EnrollmentError(
            409,
            "this number has opted out (STOP); they must text START before a new invitation",
            about_number=True,
        )
    contact_id = contact_for_phone(conn, vault, e164, language, now)
    refuse_if_live(conn, contact_id)
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


def refuse_if_live(conn: Connection, contact_id: int, but: int | None = None) -> None:
    """409 when the number already has a live enrollment (other than `but`)."""
    query = select(enrollment.c.id).where(
        enrollment.c.contact_id == contact_id, enrollment.c.status.in_(LIVE)
    )
    if but is not None:
        query = query.where(enrollment.c.id != but)
    live = conn.execute(query).first()
    if live is not None:
        raise EnrollmentError(409, f"{ALREADY_LIVE} (id {live.id})", about_number=True)


def insert_live(conn: Connection, values: dict) -> int:
    """Insert a live enrollment; a concurrent one for the same contact that won loses us a 409.
    The unique index decides; the savepoint keeps the caller's transaction usable afterwards."""
    try:
        with conn.begin_nested():
            return conn.execute(enrollment.insert().values(**values).returning(enrollment.c.id)).scalar_one()
    except IntegrityError:
        raise EnrollmentError(409, ALREADY_LIVE, about_number=True) from None


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
    """invited|paused -> active, with the next check-in computed from now."""
    next_at = plan_of(row).next_after(now)
    values = {"status": EnrollmentStatus.ACTIVE.value, "next_checkin_at": next_at, "invite_expires_at": None}
    if row.joined_at is None:
        values["joined_at"] = now
    conn.execute(update(enrollment).where(enrollment.c.id == row.id).values(**values))
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
            nickname="Self-enrolled",
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
