"""Passwords of staff accounts: argon2 hashes, the policy for a new one (long, not common, not easy to
guess: zxcvbn), one-time passwords an admin hands over, and the check at sign-in."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import update
from sqlalchemy.engine import Connection

from smsbot.errors import N_
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
    found = password_problem_words(password, user_inputs)
    return found[0] % found[1] if found else None


def password_problem_words(
    password: str, user_inputs: list[str] | None = None
) -> tuple[str, dict[str, object]] | None:
    """`password_problem` as a catalog id and its values, for a page to show it translated (the
    `warning` value is one of ZXCVBN_WARNINGS, a catalog id too, when zxcvbn gave one we know)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("use at least %(count)s characters"), {"count": MIN_PASSWORD_LENGTH}
    if len(password) > MAX_PASSWORD_LENGTH:
        return N_("use at most %(count)s characters"), {"count": MAX_PASSWORD_LENGTH}
    from zxcvbn import zxcvbn  # 12 MB of word lists, loaded only when a password is set

    result = zxcvbn(password, user_inputs=[w for w in (user_inputs or []) if w])
    if result["score"] < MIN_PASSWORD_SCORE:
        warning = (result["feedback"].get("warning") or "it is too easy to guess").rstrip(".")
        warning = warning[0].lower() + warning[1:]
        return N_("%(warning)s; a few unusual words together are better"), {"warning": warning}
    return None


# zxcvbn's warnings as password_problem words them, marked for the staff interface's catalogs.
ZXCVBN_WARNINGS = (
    N_("it is too easy to guess"),
    N_("a word by itself is easy to guess"),
    N_("avoid dates and years that are associated with you"),
    N_("avoid recent years"),
    N_("avoid repeated words and characters"),
    N_("avoid sequences"),
    N_("avoid years that are associated with you"),
    N_("common names and surnames are easy to guess"),
    N_("names and surnames by themselves are easy to guess"),
    N_('repeats like "aaa" are easy to guess'),
    N_('repeats like "abcabcabc" are only slightly harder to guess than "abc"'),
    N_('sequences like "abc" or "6543" are easy to guess'),
    N_("short keyboard patterns are easy to guess"),
    N_("straight rows of keys are easy to guess"),
    N_("this is a top-10 common password"),
    N_("this is a top-100 common password"),
    N_("this is a very common password"),
    N_("this is similar to a commonly used password"),
    N_("use a longer keyboard pattern with more turns"),
)


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
