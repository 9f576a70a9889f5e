"""API bearer tokens: issued with a name and an expiry, shown once, stored as a hash, revocable.

A token works while it is not revoked, not expired, and its owner is active; an admin's token works
only once the admin has a second factor (an authenticator app confirmed on the dashboard), so a
leaked admin token from before that step opens nothing. Last use is recorded (at most once a minute).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from smsbot.models import ApiToken, Staff

DEFAULT_DAYS = 90
MAX_DAYS = 366
LAST_USE_EVERY = timedelta(minutes=1)  # no write on every request, but "last used" stays honest
token_t, staff_t = ApiToken.__table__, Staff.__table__


def token_hash(token: str) -> str:
    # API tokens are long random strings, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "smsbot_" + secrets.token_urlsafe(32)


def issue_token(
    conn: Connection, staff_id: int, now: datetime, *, name: str | None = None, days: int = DEFAULT_DAYS
) -> str:
    """A new API token (shown once; only its hash is kept), valid for `days` days."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"a token lasts 1 to {MAX_DAYS} days")
    token = new_token()
    conn.execute(
        token_t.insert().values(
            staff_id=staff_id,
            token_hash=token_hash(token),
            created_at=now,
            name=(name or "").strip()[:80] or None,
            expires_at=now + timedelta(days=days),
        )
    )
    return token


def revoke_tokens(conn: Connection, staff_id: int, now: datetime) -> int:
    return conn.execute(
        update(token_t)
        .where(token_t.c.staff_id == staff_id, token_t.c.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount


def revoke_token(conn: Connection, token_id: int, now: datetime) -> int | None:
    """Revoke one token by its id; returns its owner's id (None when there is no such live token)."""
    return conn.execute(
        update(token_t)
        .where(token_t.c.id == token_id, token_t.c.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(token_t.c.staff_id)
    ).scalar()


@dataclass(frozen=True)
class TokenCheck:
    staff_id: int | None  # set when the token may be used
    refusal: str = ""


def check_token(conn: Connection, token: str, now: datetime) -> TokenCheck:
    """Whose token this is and whether it works now; records its use."""
    row = conn.execute(
        select(token_t, staff_t.c.role, staff_t.c.is_active, staff_t.c.totp_confirmed_at)
        .join(staff_t, staff_t.c.id == token_t.c.staff_id)
        .where(token_t.c.token_hash == token_hash(token))
    ).first()
    if row is None or row.revoked_at is not None or not row.is_active:
        return TokenCheck(None, "unknown or revoked token")
    if row.expires_at is None or row.expires_at <= now:
        return TokenCheck(None, "this token has expired: ask an admin for a new one")
    if row.role == "admin" and row.totp_confirmed_at is None:
        return TokenCheck(None, "an admin's token works once the admin has set up a second factor")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_EVERY:
        conn.execute(update(token_t).where(token_t.c.id == row.id).values(last_used_at=now))
    return TokenCheck(row.staff_id)


def tokens_of(conn: Connection, staff_id: int) -> list[Any]:
    """Every token an account has had, newest first (never the token itself)."""
    return list(
        conn.execute(
            select(token_t.c.id, token_t.c.name, token_t.c.created_at, token_t.c.expires_at)
            .add_columns(token_t.c.last_used_at, token_t.c.revoked_at)
            .where(token_t.c.staff_id == staff_id)
            .order_by(token_t.c.id.desc())
        )
    )
