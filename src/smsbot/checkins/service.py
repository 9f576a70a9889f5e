"""Staff changes to participants, one function per change, for every door (API, pages, command line).

Each takes the caller's connection (never commits), the acting staff member and the time; enforces
every rule (a peer acts on their own participants only, one live enrollment per number, the state
machine, the input rules); writes one audit row; and returns the enrollment as the API shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.audit import log as audit
from smsbot.checkins import endings, enrollments, optout, phone_change, refusals, roster, rules
from smsbot.checkins.enrollments import Plan, plan_of
from smsbot.checkins.moves import CHANGED_MEANWHILE
from smsbot.checkins.states import LIVE, EnrollmentStatus
from smsbot.config import Settings
from smsbot.errors import N_, Conflict, Forbidden, Invalid
from smsbot.models import Contact, Enrollment, Staff
from smsbot.privacy import PhoneVault
from smsbot.replies.wording import Wording

enrollment, contact, staff = Enrollment.__table__, Contact.__table__, Staff.__table__
NEEDS_JOIN = N_("They need to reply JOIN to the invitation first; check-ins start then.")
STATUSES = {s.value: s for s in (EnrollmentStatus.PAUSED, EnrollmentStatus.ACTIVE)}  # what staff may set


@dataclass
class Program:
    """What the rules need from the running program: its keys, settings and (loaded once) wording."""

    vault: PhoneVault
    settings: Settings
    _wording: Wording | None = field(default=None, repr=False)

    @classmethod
    def of(cls, ctx) -> Program:  # ctx: smsbot.context.AppContext
        return cls(ctx.vault, ctx.settings)

    @property
    def wording(self) -> Wording:
        if self._wording is None:
            self._wording = Wording.from_settings(self.settings)
        return self._wording


def _audit(conn: Connection, actor: Actor, now: datetime, action: str, enrollment_id: int, what: str) -> None:
    audit.record(conn, now, actor.staff_id, action, "enrollment", enrollment_id, f"{what} ({actor.door})")


def _owner(conn: Connection, actor: Actor, staff_id: int | None) -> int:
    """Whose participant it is: the actor's own, or (an admin's choice) any active staff member."""
    if staff_id is None or staff_id == actor.staff_id:
        if actor.staff_id is None:
            raise Invalid(N_("Choose the peer they will check in with."), field="staff_id")
        return actor.staff_id
    if not actor.is_admin:
        raise Forbidden(N_("Only an admin can enroll someone for another peer."), field="staff_id")
    found = None
    if isinstance(staff_id, int) and 0 < staff_id <= roster.LARGEST_ID:
        found = conn.execute(select(staff.c.id).where(staff.c.id == staff_id, staff.c.is_active)).first()
    if found is None:
        raise Invalid(N_("Choose a peer from the list."), field="staff_id")
    return staff_id


def _nickname_free(conn: Connection, actor: Actor, owner: int, name: str, but: int | None = None):
    def check() -> str:
        clean = rules.nickname(name)
        if taken := refusals.nickname_taken(conn, owner, clean, but=but, own=owner == actor.staff_id):
            raise taken
        return clean

    return check


def enroll(
    conn: Connection,
    actor: Actor,
    now: datetime,
    program: Program,
    *,
    phone: str | None,
    nickname: str | None,
    time: str | None,
    days: list[str] | None = None,
    timezone: str | None = None,
    reply_window_minutes: int | str | None = None,
    language: str | None = None,
    staff_id: int | None = None,
) -> dict:
    """Invite a number: `invited`, one invitation queued; check-ins start when they reply JOIN."""
    settings = program.settings
    owner = _owner(conn, actor, staff_id)
    window = settings.reply_window_minutes if reply_window_minutes in (None, "") else reply_window_minutes
    given = rules.collect(
        [
            ("phone", lambda: rules.phone(phone, settings.phone_region_codes)),
            ("nickname", lambda: rules.nickname(nickname)),
            ("time", lambda: rules.local_time(time)),
            ("days", lambda: rules.days(days)),
            ("timezone", lambda: rules.timezone(timezone or settings.default_timezone)),
            ("reply_window_minutes", lambda: rules.reply_window(window)),
            ("language", lambda: rules.language(language or "en")),
        ]
    )
    # The number first (one clear answer: it cannot be enrolled here), then the nickname.
    enrollments.check_number(conn, program.vault, given["phone"])
    _nickname_free(conn, actor, owner, given["nickname"])()
    enrollment_id = enrollments.invite(
        conn,
        vault=program.vault,
        wording=program.wording,
        now=now,
        staff_id=owner,
        e164=given["phone"],
        nickname=given["nickname"],
        plan=Plan(given["time"], given["days"], given["timezone"], given["reply_window_minutes"]),
        language=given["language"],
    )
    _audit(conn, actor, now, "enrollment_created", enrollment_id, "enrolled")
    return roster.get(conn, actor, enrollment_id)


def _live(conn: Connection, actor: Actor, enrollment_id: int):
    row = roster.get_row(conn, actor, enrollment_id, for_update=True)
    if row.status not in LIVE:
        raise Conflict(
            N_(
                "Check-ins for “%(nickname)s” have stopped, so nothing about them can change now. "
                "Enroll them again to start over."
            ),
            values={"nickname": row.nickname},
        )
    return row


def change(
    conn: Connection,
    actor: Actor,
    now: datetime,
    program: Program,
    enrollment_id: int,
    *,
    nickname: str | None = None,
    staff_id: int | None = None,
    time: str | None = None,
    days: list[str] | None = None,
    timezone: str | None = None,
    reply_window_minutes: int | str | None = None,
    language: str | None = None,
    status: str | None = None,
    phone: str | None = None,
) -> dict:
    """Any change to a live enrollment, at once, as one audited change (what is not given stays)."""
    row = _live(conn, actor, enrollment_id)
    if phone is not None and status is not None:
        raise Invalid(
            N_("A new number starts with an invitation: change the number on its own."), field="phone"
        )
    owner = row.staff_id if staff_id in (None, row.staff_id) else _owner(conn, actor, staff_id)
    checks: list = [("staff_id", owner)]
    if nickname is not None or owner != row.staff_id:
        checks.append(("nickname", _nickname_free(conn, actor, owner, nickname or row.nickname, row.id)))
    for name, value, rule in (
        ("time", time, rules.local_time),
        ("days", days, rules.days),
        ("timezone", timezone, rules.timezone),
        ("reply_window_minutes", reply_window_minutes, rules.reply_window),
        ("language", language, rules.language),
    ):
        if value is not None:
            checks.append((name, lambda rule=rule, value=value: rule(value)))
    if status is not None:
        checks.append(("status", lambda: _status(status)))
    if phone is not None:
        checks.append(("phone", lambda: rules.phone(phone, program.settings.phone_region_codes)))
    given = rules.collect(checks)
    done = _change_plan(conn, row, now, given)
    if given.get("language") and _set_language(conn, row.contact_id, given["language"]):
        done.append("language changed")
    if "status" in given and given["status"] != row.status:
        done.append(_move(conn, roster.get_row(conn, actor, row.id), given["status"], now))
    if "phone" in given:
        phone_change.move_to_phone(
            conn,
            vault=program.vault,
            wording=program.wording,
            now=now,
            enrollment_id=row.id,
            e164=given["phone"],
        )
        done.append("moved to a new number; invitation sent")  # never the number itself
    if done:
        _audit(conn, actor, now, "enrollment_changed", row.id, ", ".join(done))
    return roster.get(conn, actor, row.id)


def _status(value: str) -> EnrollmentStatus:
    if value not in STATUSES:
        raise Invalid(N_("status can be paused or active."), field="status")
    return STATUSES[value]


def _change_plan(conn: Connection, row, now: datetime, given: dict) -> list[str]:
    """Nickname, peer and schedule; a new schedule takes effect at once (the next check-in from now)."""
    old = plan_of(row)
    plan = Plan(
        given.get("time", old.local_time),
        given.get("days", old.days),
        given.get("timezone", old.timezone),
        given.get("reply_window_minutes", old.reply_window_minutes),
    )
    values: dict = {}
    done = []
    if "nickname" in given and given["nickname"] != row.nickname:
        values["nickname"] = given["nickname"]
        done.append("nickname changed")
    if given["staff_id"] != row.staff_id:
        values["staff_id"] = given["staff_id"]
        done.append("peer changed")
    if (plan.local_time, plan.days, plan.timezone) != (old.local_time, old.days, old.timezone):
        values.update(local_time=plan.local_time, days=plan.days, timezone=plan.timezone)
        if row.status == EnrollmentStatus.ACTIVE:
            values["next_checkin_at"] = plan.next_after(now)
        done.append("schedule changed")
    if plan.reply_window_minutes != old.reply_window_minutes:
        values["reply_window_minutes"] = plan.reply_window_minutes
        done.append("reply window changed")
    if values:
        moved = conn.execute(
            update(enrollment)
            .where(enrollment.c.id == row.id, enrollment.c.status == row.status)
            .values(**values)
        ).rowcount
        if moved != 1:
            raise Conflict(CHANGED_MEANWHILE)
    return done


def _set_language(conn: Connection, contact_id: int | None, language: str) -> bool:
    if contact_id is None:
        return False
    return bool(
        conn.execute(
            update(contact)
            .where(contact.c.id == contact_id, contact.c.language != language)
            .values(language=language)
        ).rowcount
    )


def _move(conn: Connection, row, new: EnrollmentStatus, now: datetime) -> str:
    """Pause or resume: the very functions a participant's PAUSE and RESUME texts use."""
    if row.status == EnrollmentStatus.INVITED:
        raise Conflict(NEEDS_JOIN, field="status")
    if new == EnrollmentStatus.PAUSED:
        endings.pause(conn, row, now)
        return new.value  # the audit names the new state
    enrollments.activate(conn, row, now)
    return "resumed"


def pause(conn: Connection, actor: Actor, now: datetime, program: Program, enrollment_id: int) -> dict:
    return change(conn, actor, now, program, enrollment_id, status=EnrollmentStatus.PAUSED)


def resume(conn: Connection, actor: Actor, now: datetime, program: Program, enrollment_id: int) -> dict:
    return change(conn, actor, now, program, enrollment_id, status=EnrollmentStatus.ACTIVE)


def move_phone(
    conn: Connection, actor: Actor, now: datetime, program: Program, enrollment_id: int, phone: str
) -> dict:
    return change(conn, actor, now, program, enrollment_id, phone=phone)


def stop(conn: Connection, actor: Actor, now: datetime, program: Program, enrollment_id: int) -> dict:
    """The peer stops check-ins (`ended`): nothing more is sent; the participant stays in the archive."""
    row = _live(conn, actor, enrollment_id)
    endings.end(conn, [row.id], EnrollmentStatus.ENDED, now)
    if row.contact_id is not None:
        endings.cancel_checkin_texts(conn, row.contact_id)
    _audit(conn, actor, now, "enrollment_stopped", row.id, "stopped")
    return roster.get(conn, actor, row.id)


def opt_out(conn: Connection, actor: Actor, now: datetime, program: Program, enrollment_id: int) -> dict:
    """They told staff they want no more texts: the one opt-out (as if they had texted STOP)."""
    row = roster.get_row(conn, actor, enrollment_id, for_update=True)
    phone_index = conn.execute(select(contact.c.phone_index).where(contact.c.id == row.contact_id)).scalar()
    if phone_index is None:
        raise Conflict(N_("This participant's number is already deleted: there is nobody left to text."))
    optout.opt_out(
        conn,
        phone_index=phone_index,
        contact_id=row.contact_id,
        source=optout.OptOutSource.STAFF,
        now=now,
        wording=program.wording,
        staff_id=actor.staff_id,
        ack_minutes=program.settings.alert_ack_minutes,
    )
    _audit(conn, actor, now, "staff_opt_out", row.id, "no more texts")
    return roster.get(conn, actor, row.id)
