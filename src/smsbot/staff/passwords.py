"""Passwords of staff accounts: argon2 hashes, the policy for a new one (long, not common, not easy to
guess: zxcvbn), one-time passwords an admin hands over, and the check at sign-in."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import update
from sqlalchemy.engine import Connection
from zxcvbn import zxcvbn

from smsbot.models import Staff

MIN_PASSWORD_LENGTH = 12
MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 is "safely unguessable", about 10^8 guesses and more
MAX_PASSWORD_LENGTH = 256  # argon2 takes anything; zxcvbn's time grows with the length
_hasher = PasswordHasher()
staff_t = Staff.__table__


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def one_time_password() -> str:
    """A password to hand over once; its owner must choose their own at the next sign-in."""
    return secrets.token_urlsafe(12)


def verify_password(staff: Staff, password: str) -> bool:
    if not staff.password_hash:
        return False
    try:
        return _hasher.verify(staff.password_hash, password)
    except VerificationError:
        return False


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


def set_password(conn: Connection, staff_id: int, password: str, *, one_time: bool = False) -> None:
    """Store a password's hash; `one_time`: its owner must change it at the next sign-in."""
    conn.execute(
        update(staff_t)
        .where(staff_t.c.id == staff_id)
        .values(password_hash=_hasher.hash(password), must_change_password=one_time)
    )


_PLACEHOLDER_HASH: list[str] = []


def spend_password_check(password: str) -> None:
    """Run argon2 for a name nobody has, so a wrong name takes as long to refuse as a wrong password."""
    if not _PLACEHOLDER_HASH:
        _PLACEHOLDER_HASH.append(_hasher.hash(secrets.token_urlsafe(16)))
    verify_password(Staff(name="", role="peer", password_hash=_PLACEHOLDER_HASH[0]), password)
