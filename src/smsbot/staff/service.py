"""Every change to a staff account, whichever door makes it (the Staff page, `smsbot staff ...`): add,
role, deactivate (with its handover), password and second-factor resets, on call, API tokens.

Each function takes the caller's connection and the acting staff member, enforces the rules (admins
only; the last active admin can be neither made a peer nor deactivated; nobody deactivates themselves;
an admin gets a new API token only once they have a second factor), and writes one audit row naming
the door in the same transaction. None opens or commits a transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.audit import log as audit
from smsbot.errors import N_, Conflict, Forbidden, Invalid, NotFound
from smsbot.models import Staff
from smsbot.privacy import PhoneVault
from smsbot.replies.wording import Wording
from smsbot.staff import accounts, tokens
from smsbot.staff.accounts import ROLES, NewStaff, create_staff  # noqa: F401  (set-up for tests)
from smsbot.staff.handover import Handover, close_account, end_sessions
from smsbot.staff.passwords import (  # noqa: F401  (the sign-in and account pages use these)
    one_time_password,
    password_problem,
    set_password,
    spend_password_check,
    verify_password,
)
from smsbot.staff.tokens import issue_token, revoke_tokens, token_hash  # noqa: F401  (tests, set-up)

staff_t = Staff.__table__
ADMINS_ONLY = N_("Only an admin can change staff accounts.")
NO_SUCH_STAFF = N_("There is no such staff member.")
LAST_ADMIN = N_("This is the last active admin: make someone else an admin first.")
INACTIVE = N_("This account is deactivated.")


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden(ADMINS_ONLY)


def _target(conn: Connection, staff_id: int, *, active: bool = False) -> Any:
    row = conn.execute(select(staff_t).where(staff_t.c.id == staff_id)).first()
    if row is None:
        raise NotFound(NO_SUCH_STAFF)
    if active and not row.is_active:
        raise Conflict(INACTIVE)
    return row


def _audit(conn: Connection, actor: Actor, now: datetime, action: str, staff_id: int, what: str = "") -> None:
    detail = f"{actor.door}; {what}" if what else str(actor.door)
    audit.record(conn, now, actor.staff_id, action, "staff", staff_id, detail)


def _lock_admins(conn: Connection) -> list[int]:
    """The active admins, locked (PostgreSQL: in id order, so concurrent changes wait in line rather
    than deadlock) until the transaction ends: two admins demoting each other at once cannot both
    succeed. Read the target after this, so what is checked is what is current."""
    query = select(staff_t.c.id).where(staff_t.c.role == "admin", staff_t.c.is_active).order_by(staff_t.c.id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return list(conn.execute(query).scalars())


def _refuse_last_admin(admins: list[int], target: Any) -> None:
    if target.role == "admin" and target.is_active and not [a for a in admins if a != target.id]:
        raise Conflict(LAST_ADMIN)


def resolve(conn: Connection, actor: Actor, who: str) -> int:
    """A staff member's id from their id or exact name (the command line names people either way)."""
    _admin(actor)
    text = who.strip()
    if text.isascii() and text.isdigit():
        found = [] if len(text) > 10 or int(text) >= 2**31 else [int(text)]
        found = list(conn.execute(select(staff_t.c.id).where(staff_t.c.id.in_(found))).scalars())
    else:
        query = select(staff_t.c.id).where(func.lower(staff_t.c.name) == text.casefold())
        found = list(conn.execute(query).scalars())
    if len(found) > 1:
        raise Conflict(N_("Several staff share that name: use the staff number."))
    if not found:
        raise NotFound(NO_SUCH_STAFF)
    return found[0]


def add(
    conn: Connection,
    actor: Actor,
    now: datetime,
    *,
    vault: PhoneVault,
    name: str,
    role: str = "peer",
    phone: str | None = None,
    on_call: bool = False,
    regions: tuple[str, ...] = ("US",),
) -> NewStaff:
    """A new account with a one-time password and one API token, each shown once (an admin's token
    works once they have set up their second factor). `regions`: where the line can text a phone."""
    _admin(actor)
    clean = accounts.check_new(conn, name, role, phone, regions)
    created = accounts.insert_account(conn, vault, now, clean.name, clean.role, clean.phone, on_call=on_call)
    _audit(
        conn,
        actor,
        now,
        "staff_created",
        created.staff_id,
        f"role {clean.role}" + (", on call" if on_call else ""),
    )
    return created


def set_role(conn: Connection, actor: Actor, now: datetime, staff_id: int, role: str) -> str:
    """Make someone a peer or an admin; returns the old role. Their sessions end, so the new rights
    apply from their next sign-in (a new admin sets up a second factor first)."""
    _admin(actor)
    if role not in ROLES:
        raise Invalid(N_("Choose peer or admin."), field="role")
    admins = _lock_admins(conn) if role != "admin" else []
    target = _target(conn, staff_id, active=True)
    if target.role == role:
        return role
    if role != "admin":
        _refuse_last_admin(admins, target)
    conn.execute(update(staff_t).where(staff_t.c.id == staff_id).values(role=role))
    end_sessions(conn, staff_id)
    _audit(conn, actor, now, "role_changed", staff_id, f"{target.role} -> {role}")
    return target.role


def deactivate(conn: Connection, actor: Actor, now: datetime, staff_id: int, *, wording: Wording) -> Handover:
    """Sessions and API tokens end at once; live participants and open alerts go to the on-call peer.
    Again on a deactivated account: moves what is still left (once someone is on call)."""
    _admin(actor)
    if staff_id == actor.staff_id:
        raise Conflict(N_("You cannot deactivate your own account: ask another admin."))
    admins = _lock_admins(conn)
    _refuse_last_admin(admins, _target(conn, staff_id))
    moved = close_account(conn, staff_id, now, wording)
    _audit(conn, actor, now, "staff_deactivated", staff_id, moved.describe())
    return moved


def reset_password(conn: Connection, actor: Actor, now: datetime, staff_id: int) -> str:
    """A new one-time password (to change at the next sign-in); every session of the account ends."""
    _admin(actor)
    _target(conn, staff_id, active=True)
    password = one_time_password()
    set_password(conn, staff_id, password, one_time=True)
    end_sessions(conn, staff_id)
    _audit(conn, actor, now, "password_reset", staff_id)
    return password


def choose_password(
    conn: Connection, actor: Actor, now: datetime, staff_id: int, password: str, *, program_name: str = ""
) -> None:
    """Set a password someone chose (the command line): the same policy as the account page."""
    _admin(actor)
    target = _target(conn, staff_id)
    if problem := password_problem(password, [target.name, program_name]):
        raise Invalid(
            N_("Choose another password: %(problem)s."), field="password", values={"problem": problem}
        )
    set_password(conn, staff_id, password)
    end_sessions(conn, staff_id)
    _audit(conn, actor, now, "password_reset", staff_id, "chosen")


def reset_second_factor(conn: Connection, actor: Actor, now: datetime, staff_id: int) -> None:
    """Forget the authenticator app (a lost phone); its owner sets a new one at the next sign-in."""
    _admin(actor)
    _target(conn, staff_id)
    conn.execute(
        update(staff_t)
        .where(staff_t.c.id == staff_id)
        .values(totp_ciphertext=None, totp_confirmed_at=None, totp_last_step=None)
    )
    end_sessions(conn, staff_id)
    _audit(conn, actor, now, "second_factor_reset", staff_id)


def set_on_call(conn: Connection, actor: Actor, now: datetime, staff_id: int, on_call: bool) -> bool:
    """Put someone on call (they get unacknowledged alerts and self-enrolled texters) or off;
    returns whether anything changed (no change, no audit row)."""
    _admin(actor)
    target = _target(conn, staff_id)
    if not target.is_active:
        raise Conflict(N_("A deactivated account cannot be on call."))
    if target.is_on_call == on_call:
        return False
    conn.execute(update(staff_t).where(staff_t.c.id == staff_id).values(is_on_call=on_call))
    _audit(conn, actor, now, "on_call_changed", staff_id, "on" if on_call else "off")
    return True


def new_api_token(
    conn: Connection, actor: Actor, now: datetime, staff_id: int, *, name: str | None = None, days: int = 90
) -> str:
    """A new API token for an account, shown once; it expires after `days` days."""
    _admin(actor)
    target = _target(conn, staff_id)
    if not target.is_active:
        raise Conflict(N_("A deactivated account gets no new token."))
    if not 1 <= days <= tokens.MAX_DAYS:
        raise Invalid(N_("A token lasts 1 to %(max)s days."), field="days", values={"max": tokens.MAX_DAYS})
    if target.role == "admin" and target.totp_confirmed_at is None:
        raise Conflict(
            N_("An admin gets an API token once they have set up their second factor (at sign-in).")
        )
    token = tokens.issue_token(conn, staff_id, now, name=name, days=days)
    _audit(conn, actor, now, "token_issued", staff_id, f"{days} days")
    return token


def api_tokens(conn: Connection, actor: Actor, now: datetime, staff_id: int) -> list[Any]:
    """Every token an account has had, newest first (never the token itself)."""
    _admin(actor)
    _target(conn, staff_id)
    return tokens.tokens_of(conn, staff_id)


def revoke_api_token(conn: Connection, actor: Actor, now: datetime, token_id: int) -> int:
    """Revoke one token by its id; returns its owner's id."""
    _admin(actor)
    owner = None if not 0 < token_id < 2**31 else tokens.revoke_token(conn, token_id, now)
    if owner is None:
        raise NotFound(N_("There is no such live token."))
    _audit(conn, actor, now, "tokens_revoked", owner, f"token {token_id}")
    return owner


def revoke_api_tokens(conn: Connection, actor: Actor, now: datetime, staff_id: int) -> int:
    """Revoke every live token of an account; returns how many."""
    _admin(actor)
    _target(conn, staff_id)
    count = revoke_tokens(conn, staff_id, now)
    _audit(conn, actor, now, "tokens_revoked", staff_id, f"{count} tokens")
    return count
