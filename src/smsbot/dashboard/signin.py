"""Signing in: who a name or staff number belongs to, the password check (argon2), and the rate limit.

The limit lives in the database (`sign_in_attempt`), so every web process shares it: at most 5
failures per name and 20 per client address in 15 minutes, and 5 wrong codes per account. Names
and addresses are stored only as keyed hashes. An unknown name costs the same time as a known one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

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
    name: str
    address: str


def keys_for(vault: PhoneVault, login: str, address: str) -> AttemptKeys:
    return AttemptKeys(
        name=vault.keyed_hash(login.strip().casefold(), "sign-in-name"),
        address=vault.keyed_hash(address, "sign-in-address"),
    )


def code_key(vault: PhoneVault, staff_id: int) -> str:
    return vault.keyed_hash(str(staff_id), "sign-in-code")


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
        failures(conn, keys.name, now) >= MAX_FAILURES_PER_NAME
        or failures(conn, keys.address, now) >= MAX_FAILURES_PER_ADDRESS
    )


def note(conn: Connection, keys: list[str], now: datetime, succeeded: bool) -> None:
    """Record an attempt under each key; a success clears that name's failures."""
    conn.execute(
        attempts.insert(), [{"key_hash": k, "attempted_at": now, "succeeded": succeeded} for k in keys]
    )
    if succeeded:
        conn.execute(delete(attempts).where(attempts.c.key_hash == keys[0], ~attempts.c.succeeded))
    conn.execute(delete(attempts).where(attempts.c.attempted_at < now - KEEP_ATTEMPTS))


def candidates(conn: Connection, login: str) -> list[Any]:
    """Active staff a sign-in name could mean: a staff number, or a name (any letter case)."""
    login = login.strip()
    if not login:
        return []
    query = select(staff_table).where(staff_table.c.is_active)
    if login.isdigit():
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
