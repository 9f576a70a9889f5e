"""Creating staff accounts and checking their credentials; used by the CLI, the API and the dashboard."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import delete as sa_delete
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlalchemy.engine import Connection
from sqlmodel import select
from zxcvbn import zxcvbn

from smsbot.context import AppContext
from smsbot.models import Staff
from smsbot.privacy import last4, normalize_phone
from smsbot.staff.tokens import issue_token, revoke_tokens, token_hash  # noqa: F401  (the staff API)

ROLES = ("peer", "admin")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class NewStaff:
    staff_id: int
    token: str
    password: str


def create_staff(ctx: AppContext, name: str, role: str, phone: str | None = None) -> NewStaff:
    """Create an account with one API token and a one-time password, returned once and never stored."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    name = name.strip()
    if not name:
        raise ValueError("name must not be empty")
    now = ctx.clock.now()
    password = secrets.token_urlsafe(12)
    staff = Staff(name=name, role=role, created_at=now, password_hash=_hasher.hash(password))
    if phone:
        e164 = normalize_phone(phone)
        staff.phone_index = ctx.vault.index(e164)
        staff.phone_ciphertext = ctx.vault.encrypt(e164)
        staff.phone_last4 = last4(e164)
    with ctx.db.session() as session:
        session.add(staff)
        session.flush()
        # An admin's token starts working once they have set up their second factor (tokens.py).
        token = issue_token(session.connection(), staff.id, now, name="given with the account")
    return NewStaff(staff_id=staff.id, token=token, password=password)


def verify_password(staff: Staff, password: str) -> bool:
    if not staff.password_hash:
        return False
    try:
        return _hasher.verify(staff.password_hash, password)
    except VerificationError:
        return False


def set_on_call(ctx: AppContext, name_or_id: str, on_call: bool = True) -> int:
    """Mark a staff member (by id or exact name) on call or off; returns their id."""
    with ctx.db.session() as session:
        query = select(Staff).where(Staff.is_active)
        if name_or_id.isdigit():
            query = query.where(Staff.id == int(name_or_id))
        else:
            query = query.where(Staff.name == name_or_id.strip())
        matches = session.exec(query).all()
        if len(matches) != 1:
            raise LookupError(
                "several staff share that name: use the id" if matches else "no such active staff"
            )
        staff = matches[0]
        staff.is_on_call = on_call
        session.add(staff)
        return staff.id


# --- account lifecycle (issue 5): deactivate, reset, roles, on call, tokens --------------------
# These take the caller's connection, so the change and its audit row commit together.

MIN_PASSWORD_LENGTH = 12
_staff_t = Staff.__table__


@dataclass(frozen=True)
class Handover:
    """Where a deactivated account's work went (to_staff_id None: nobody is on call)."""

    to_staff_id: int | None
    participants: int
    alerts: int


def find_staff(conn: Connection, name_or_id: str, *, active_only: bool = True):
    """One staff row by id or exact name; LookupError when there is none or the name is shared."""
    query = sa_select(_staff_t)
    if active_only:
        query = query.where(_staff_t.c.is_active)
    text = name_or_id.strip()
    by = _staff_t.c.id == int(text) if text.isdigit() else _staff_t.c.name == text
    query = query.where(by)
    rows = conn.execute(query).all()
    if len(rows) != 1:
        raise LookupError("several staff share that name: use the id" if rows else "no such staff member")
    return rows[0]


def end_sessions(conn: Connection, staff_id: int) -> int:
    """Sign the staff member out of every browser, at once."""
    from smsbot.models import StaffSession

    table = StaffSession.__table__
    return conn.execute(sa_delete(table).where(table.c.staff_id == staff_id)).rowcount


MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 is "safely unguessable", about 10^8 guesses and more
MAX_PASSWORD_LENGTH = 256  # argon2 takes anything; zxcvbn's time grows with the length


def password_problem(password: str, user_inputs: list[str] | None = None) -> str | None:
    """Why a new password is refused (too short, common, or easy to guess), or None.
    `user_inputs`: words such as the account's name, which make a password weaker."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"use at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"use at most {MAX_PASSWORD_LENGTH} characters"
    result = zxcvbn(password, user_inputs=[w for w in (user_inputs or []) if w])
    if result["score"] < MIN_PASSWORD_SCORE:
        warning = (result["feedback"].get("warning") or "it is too easy to guess").rstrip(".")
        return f"{warning[0].lower() + warning[1:]}; a few unusual words together are better"
    return None


def set_password(conn: Connection, staff_id: int, password: str) -> None:
    conn.execute(
        sa_update(_staff_t)
        .where(_staff_t.c.id == staff_id)
        .values(password_hash=_hasher.hash(password), must_change_password=False)
    )


def reset_password(conn: Connection, staff_id: int) -> str:
    """A new one-time password (to change at the next sign-in); every session ends."""
    password = secrets.token_urlsafe(12)
    conn.execute(
        sa_update(_staff_t)
        .where(_staff_t.c.id == staff_id)
        .values(password_hash=_hasher.hash(password), must_change_password=True)
    )
    end_sessions(conn, staff_id)
    return password


def reset_second_factor(conn: Connection, staff_id: int) -> None:
    """Forget the TOTP secret (a lost phone); the owner sets a new one at the next sign-in."""
    conn.execute(
        sa_update(_staff_t)
        .where(_staff_t.c.id == staff_id)
        .values(totp_ciphertext=None, totp_confirmed_at=None, totp_last_step=None)
    )
    end_sessions(conn, staff_id)


def set_role(conn: Connection, staff_id: int, role: str) -> str:
    """Change the role; returns the old one. Sessions end so the new rights apply from the next sign-in."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    old = conn.execute(sa_select(_staff_t.c.role).where(_staff_t.c.id == staff_id)).scalar_one()
    if old != role:
        conn.execute(sa_update(_staff_t).where(_staff_t.c.id == staff_id).values(role=role))
        end_sessions(conn, staff_id)
    return old


def mark_on_call(conn: Connection, staff_id: int, on_call: bool) -> None:
    conn.execute(
        sa_update(_staff_t).where(_staff_t.c.id == staff_id, _staff_t.c.is_active).values(is_on_call=on_call)
    )


def deactivate(conn: Connection, staff_id: int, now: datetime, wording) -> Handover:
    """End the account's sessions and tokens at once; its live participants and open alerts go to the
    on-call peer, who is texted about each open alert. Safe to repeat (it moves what is still left)."""
    from smsbot.alerts import raising as alerts
    from smsbot.alerts.on_call import on_call_peer
    from smsbot.models import Alert, Enrollment, OutboxMessage

    conn.execute(
        sa_update(_staff_t).where(_staff_t.c.id == staff_id).values(is_active=False, is_on_call=False)
    )
    conn.execute(
        sa_update(_staff_t)
        .where(_staff_t.c.id == staff_id, _staff_t.c.deactivated_at.is_(None))
        .values(deactivated_at=now)
    )
    end_sessions(conn, staff_id)
    revoke_tokens(conn, staff_id, now)
    out, alert, enrollment = OutboxMessage.__table__, Alert.__table__, Enrollment.__table__
    # Texts not yet sent to the departed account would reach someone who no longer works the line.
    conn.execute(
        sa_update(out)
        .where(out.c.staff_id == staff_id, out.c.status == "queued")
        .values(status="cancelled", next_attempt_at=None)
    )
    target = on_call_peer(conn, excluding=staff_id)
    if target is None:
        return Handover(None, 0, 0)
    moved = conn.execute(
        sa_update(enrollment)
        .where(enrollment.c.staff_id == staff_id, enrollment.c.status.in_(("invited", "active", "paused")))
        .values(staff_id=target)
    ).rowcount
    open_alerts = conn.execute(
        sa_select(alert.c.id, enrollment.c.nickname)
        .select_from(alert.outerjoin(enrollment, enrollment.c.id == alert.c.enrollment_id))
        .where(alert.c.staff_id == staff_id, alert.c.status == "open")
    ).all()
    for row in open_alerts:
        conn.execute(sa_update(alert).where(alert.c.id == row.id).values(staff_id=target))
        alerts.queue_on_call_text(conn, wording, row.id, row.nickname, target, now)
    return Handover(target, moved, len(open_alerts))


_PLACEHOLDER_HASH: list[str] = []


def spend_password_check(password: str) -> None:
    """Run argon2 for a name nobody has, so a wrong name takes as long to refuse as a wrong password."""
    if not _PLACEHOLDER_HASH:
        _PLACEHOLDER_HASH.append(_hasher.hash(secrets.token_urlsafe(16)))
    verify_password(Staff(name="", role="peer", password_hash=_PLACEHOLDER_HASH[0]), password)
