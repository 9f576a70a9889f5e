"""Signing in: who a name or staff number belongs to, the password check (argon2), and the rate limit.

The limit lives in the database (`sign_in_attempt`), so every web process shares it: at most 5
failures per account and 20 per client address in 15 minutes, and 5 wrong codes per account. The
budget is the account's, whichever way it is named ("2", "02", "Pat Peer" are one budget), and an
attempt takes its place in the budget before the password is checked, under a lock per key, so
concurrent guesses cannot all slip past the check. Names and addresses are stored as keyed hashes.
An unknown name costs the same time as a known one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import Connection

from smsbot.auth.bounds import out_of_range
from smsbot.models import SignInAttempt, Staff
from smsbot.privacy import PhoneVault
from smsbot.staff.service import spend_password_check, verify_password

attempts = SignInAttempt.__table__
staff_table = Staff.__table__
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20
MAX_CODE_FAILURES = 5
KEEP_ATTEMPTS = timedelta(days=1)


@dataclass(frozen=True)
class AttemptKeys:
    accounts: tuple[str, ...]  # one per account the login could mean (or the login itself when none)
    address: str

    @property
    def all(self) -> list[str]:
        return [*self.accounts, self.address]


def canonical_login(login: str) -> str:
    """One spelling per login: case folded, compatibility forms unified, "002" -> "2"."""
    login = unicodedata.normalize("NFKC", login).strip().casefold()
    if login.isdigit() and login.isascii():
        return str(int(login))
    return login


def keys_for(vault: PhoneVault, rows: list[Any], login: str, address: str) -> AttemptKeys:
    """Keys of an attempt: each account the login resolved to (by id, so every alias shares one
    budget), or the canonical login when it names nobody; and the client address."""
    accounts = tuple(vault.keyed_hash(f"staff:{row.id}", "sign-in-name") for row in rows) or (
        vault.keyed_hash(f"login:{canonical_login(login)}", "sign-in-name"),
    )
    return AttemptKeys(accounts=accounts, address=vault.keyed_hash(address, "sign-in-address"))


def code_key(vault: PhoneVault, staff_id: int) -> str:
    return vault.keyed_hash(str(staff_id), "sign-in-code")


def lock(conn: Connection, keys: list[str]) -> None:
    """Serialise attempts on the same keys until the transaction ends (PostgreSQL advisory locks, in
    a fixed order so two attempts never wait on each other; SQLite writers are serialised already)."""
    if conn.dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(key[:15], 16)})


def failures(conn: Connection, key: str, now: datetime) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(attempts)
            .where(attempts.c.key_hash == key, attempts.c.attempted_at > now - WINDOW, ~attempts.c.succeeded)
        ).scalar_one()
    )


def blocked(conn: Connection, keys: AttemptKeys, now: datetime) -> bool:
    return (
        any(failures(conn, key, now) >= MAX_FAILURES_PER_NAME for key in keys.accounts)
        or failures(conn, keys.address, now) >= MAX_FAILURES_PER_ADDRESS
    )


def reserve(conn: Connection, keys: AttemptKeys, now: datetime) -> list[int] | None:
    """Check the budget and spend from it in one step: None when blocked; otherwise the attempt is
    recorded as a failure now (a crash mid-check counts against the guesser) and its row ids returned
    for `settle_success`."""
    lock(conn, keys.all)
    if blocked(conn, keys, now):
        return None
    conn.execute(delete(attempts).where(attempts.c.attempted_at < now - KEEP_ATTEMPTS))
    return [
        conn.execute(
            attempts.insert().values(key_hash=key, attempted_at=now, succeeded=False).returning(attempts.c.id)
        ).scalar_one()
        for key in keys.all
    ]


def settle_success(conn: Connection, keys: AttemptKeys, reserved: list[int]) -> None:
    """The reserved attempt succeeded: it is no failure, and the account's failures are cleared."""
    conn.execute(update(attempts).where(attempts.c.id.in_(reserved)).values(succeeded=True))
    conn.execute(delete(attempts).where(attempts.c.key_hash.in_(keys.accounts), ~attempts.c.succeeded))


def note(conn: Connection, keys: list[str], now: datetime, succeeded: bool) -> None:
    """Record a code attempt under each key; a success clears the first key's failures."""
    conn.execute(
        attempts.insert(), [{"key_hash": k, "attempted_at": now, "succeeded": succeeded} for k in keys]
    )
    if succeeded:
        conn.execute(delete(attempts).where(attempts.c.key_hash == keys[0], ~attempts.c.succeeded))


def candidates(conn: Connection, login: str) -> list[Any]:
    """Active staff a sign-in name could mean: a staff number, or a name (any letter case)."""
    login = unicodedata.normalize("NFKC", login).strip()
    if not login:
        return []
    query = select(staff_table).where(staff_table.c.is_active)
    if login.isdigit():
        if not login.isascii() or out_of_range(login):
            return []  # no staff number is that large (and the database must not be asked)
        query = query.where(staff_table.c.id == int(login))
    else:
        query = query.where(func.lower(staff_table.c.name) == login.casefold())
    return list(conn.execute(query.order_by(staff_table.c.id).limit(5)))


def check_password(rows: list[Any], password: str) -> Any | None:
    """The row whose password matches, else None; argon2 runs even for an unknown name."""
    if not rows:
        spend_password_check(password)
        return None
    for row in rows:
        if verify_password(row, password):
            return row
    return None
