"""Creating a staff account, written once: the rules for what an admin types (name, role, phone for
alerts) and the insert with its one-time password and first API token (each returned once, never kept);
and the one thing every staff member sets for themselves here, the staff interface's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.audit import log as audit
from smsbot.checkins import rules
from smsbot.context import AppContext
from smsbot.errors import N_, Conflict, Forbidden, Invalid
from smsbot.models import Staff
from smsbot.privacy import PhoneVault, last4
from smsbot.staff.passwords import hash_password, one_time_password
from smsbot.staff.tokens import issue_token

ROLES = ("peer", "admin")
LANGUAGES = ("en", "es")  # the staff interface's languages (dashboard/i18n.py names them)
MAX_NAME = 120
staff_t = Staff.__table__


@dataclass(frozen=True)
class NewStaff:
    staff_id: int
    token: str
    password: str


@dataclass(frozen=True)
class Typed:
    name: str
    role: str
    phone: str | None  # E.164, or None (no alert texts)


def clean(name: str | None, role: str | None, phone: str | None, regions: tuple[str, ...] = ("US",)) -> Typed:
    """The fields of a new account, in the form's order; a refusal names its field, in words an
    admin can act on."""
    text = " ".join((name or "").split())
    if not text:
        raise Invalid(N_("Type their name (they sign in with it)."), field="name")
    if len(text) > MAX_NAME:
        raise Invalid(
            N_("Keep the name to %(max)s characters or fewer."), field="name", values={"max": MAX_NAME}
        )
    if role not in ROLES:
        raise Invalid(N_("Choose peer or admin."), field="role")
    # The same rule as a participant's number: local formats, only where the line can text.
    e164 = rules.phone(phone, regions) if phone and phone.strip() else None
    return Typed(text, str(role), e164)


def check_new(
    conn: Connection, name: str | None, role: str | None, phone: str | None, regions: tuple[str, ...]
) -> Typed:
    """`clean`, and a name no active account has (people sign in with their name)."""
    typed = clean(name, role, phone, regions)
    taken = conn.execute(
        select(staff_t.c.id).where(staff_t.c.is_active, func.lower(staff_t.c.name) == typed.name.casefold())
    ).first()
    if taken is not None:
        raise Conflict(
            N_("Someone on the staff already has that name: add an initial or a last name."), field="name"
        )
    return typed


def insert_account(
    conn: Connection,
    vault: PhoneVault,
    now: datetime,
    name: str,
    role: str,
    e164: str | None,
    *,
    on_call: bool = False,
) -> NewStaff:
    """Insert the account; its one-time password must be changed at the first sign-in."""
    password = one_time_password()
    values = dict(name=name, role=role, created_at=now, password_hash=hash_password(password))
    if e164:
        values.update(
            phone_index=vault.index(e164), phone_ciphertext=vault.encrypt(e164), phone_last4=last4(e164)
        )
    staff_id = conn.execute(
        staff_t.insert()
        .values(**values, must_change_password=True, is_active=True, is_on_call=on_call)
        .returning(staff_t.c.id)
    ).scalar_one()
    # An admin's token starts working once they have set up their second factor (tokens.py).
    token = issue_token(conn, staff_id, now, name="given with the account")
    return NewStaff(staff_id=staff_id, token=token, password=password)


def create_staff(ctx: AppContext, name: str, role: str, phone: str | None = None) -> NewStaff:
    """Set-up for tests and fixtures only, in its own transaction, with no actor and no audit row.
    A change someone makes goes through `service.add` (the Staff page, `smsbot staff add`)."""
    typed = clean(name, role, phone, ctx.settings.phone_region_codes)
    with ctx.db.transaction() as conn:
        return insert_account(conn, ctx.vault, ctx.clock.now(), typed.name, typed.role, typed.phone)


def set_language(conn: Connection, actor: Actor, now: datetime, language: str | None) -> bool:
    """The acting staff member's own choice of the staff interface's language (their account page):
    saved and audited with the door, in the caller's transaction. False when it was already chosen."""
    if actor.staff_id is None:
        raise Forbidden(N_("Only a staff member has a language to choose."))
    if language not in LANGUAGES:
        raise Invalid(N_("Choose English or Español."), field="language")
    changed = conn.execute(
        update(staff_t)
        .where(staff_t.c.id == actor.staff_id, staff_t.c.language.is_distinct_from(language))
        .values(language=language)
    ).rowcount
    if changed:
        detail = f"{actor.door}; {language}"
        audit.record(conn, now, actor.staff_id, "language_changed", "staff", actor.staff_id, detail)
    return bool(changed)
