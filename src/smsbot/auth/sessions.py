"""Browser sessions, kept server-side: the cookie carries a random token, the table its SHA-256.

A session ends after 30 idle minutes (and after 12 hours whatever happens), at sign-out, and at
once when the account is deactivated, its role changes or its password is reset: those delete the
rows, and every request looks the row up, so nothing in a process's memory can keep it alive.
Each page knows how long its session has left (`Viewer.expires_in`), so it can warn before the end
and offer to stay signed in (`keep`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.engine import Connection
from sqlmodel import select
from starlette.responses import Response

from smsbot.auth.security import cookie_flags, new_secret, sha256
from smsbot.config import Settings
from smsbot.context import AppContext
from smsbot.models import Staff, StaffSession

COOKIE = "smsbot_session"
IDLE_TIMEOUT = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)
# Writing last_seen_at on every request would make each page view a write; once a minute is enough.
TOUCH_EVERY = timedelta(minutes=1)
session_table = StaffSession.__table__


@dataclass
class Viewer:
    """The signed-in staff member behind a request, and their session."""

    staff: Staff
    session_id: int
    second_factor_done: bool
    expires_in: int = int(IDLE_TIMEOUT.total_seconds())  # seconds until the session ends, idle

    @property
    def is_admin(self) -> bool:
        return self.staff.role == "admin"

    @property
    def id(self) -> int:
        return int(self.staff.id)

    def pending_step(self) -> str | None:
        """Where sign-in continues before any other page opens (None: fully signed in)."""
        if not self.second_factor_done:
            if self.staff.totp_confirmed_at is not None:
                return "/signin/code"
            if self.is_admin:
                return "/account/second-factor"  # required for admins: set it up now
        if self.staff.must_change_password:
            return "/account/password"
        return None


def needs_code(staff: Staff) -> bool:
    """Does signing in take a second step for this account (a code, or an admin's first set-up)?"""
    return staff.totp_confirmed_at is not None or staff.role == "admin"


def start(conn: Connection, staff: Staff, now: datetime) -> str:
    """A new session for a correct password; returns the cookie value (shown to nobody else)."""
    token = new_secret()
    conn.execute(
        session_table.insert().values(
            token_hash=sha256(token),
            staff_id=staff.id,
            created_at=now,
            last_seen_at=now,
            second_factor_done=not needs_code(staff),
        )
    )
    return token


def load(ctx: AppContext, token: str | None, *, touch: bool = True) -> Viewer | None:
    """The live session for this cookie, or None (unknown, idle too long, too old, account inactive).

    `touch=False` is for background refreshes: a page left open does not keep a session alive.
    """
    if not token:
        return None
    now = ctx.clock.now()
    with ctx.db.session() as db:
        found = db.exec(
            select(StaffSession, Staff)
            .join(Staff, Staff.id == StaffSession.staff_id)
            .where(StaffSession.token_hash == sha256(token))
        ).first()
        if found is None:
            return None
        session, staff = found
        expired = now - session.last_seen_at > IDLE_TIMEOUT or now - session.created_at > MAX_AGE
        if expired or not staff.is_active:
            db.delete(session)
            return None
        if touch and now - session.last_seen_at >= TOUCH_EVERY:
            session.last_seen_at = now
            db.add(session)
        return Viewer(
            staff=staff,
            session_id=int(session.id),
            second_factor_done=session.second_factor_done,
            expires_in=seconds_left(session.last_seen_at, session.created_at, now),
        )


def seconds_left(last_seen_at: datetime, created_at: datetime, now: datetime) -> int:
    """Seconds until a session ends: idle for IDLE_TIMEOUT, or MAX_AGE after it began."""
    end = min(last_seen_at + IDLE_TIMEOUT, created_at + MAX_AGE)
    return max(0, int((end - now).total_seconds()))


def keep(conn: Connection, session_id: int, now: datetime) -> int:
    """Stay signed in: the session counts as used now; returns its new seconds left."""
    conn.execute(update(session_table).where(session_table.c.id == session_id).values(last_seen_at=now))
    created = conn.execute(
        select(session_table.c.created_at).where(session_table.c.id == session_id)
    ).scalar_one_or_none()
    return seconds_left(now, created, now) if created is not None else 0


def second_factor_passed(conn: Connection, session_id: int) -> None:
    conn.execute(
        update(session_table).where(session_table.c.id == session_id).values(second_factor_done=True)
    )


def end(conn: Connection, token: str | None) -> None:
    if token:
        conn.execute(delete(session_table).where(session_table.c.token_hash == sha256(token)))


def end_session_id(conn: Connection, session_id: int) -> None:
    conn.execute(delete(session_table).where(session_table.c.id == session_id))


def set_cookie(response: Response, settings: Settings, token: str) -> None:
    # No max-age: a browser session cookie; the server decides when the session is over.
    response.set_cookie(COOKIE, token, **cookie_flags(settings))


def clear_cookie(response: Response, settings: Settings) -> None:
    flags = cookie_flags(settings)
    response.delete_cookie(COOKIE, path=flags["path"], secure=flags["secure"], httponly=True, samesite="lax")
