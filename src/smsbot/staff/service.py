"""Creating staff accounts and checking their credentials; used by the CLI, the API and the dashboard."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlmodel import Session, select

from smsbot.context import AppContext
from smsbot.models import ApiToken, Staff
from smsbot.privacy import last4, normalize_phone

ROLES = ("peer", "admin")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class NewStaff:
    staff_id: int
    token: str
    password: str


def token_hash(token: str) -> str:
    # API tokens are long random strings, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()


def create_staff(ctx: AppContext, name: str, role: str, phone: str | None = None) -> NewStaff:
    """Create an account with one API token and a one-time password, returned once and never stored."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    name = name.strip()
    if not name:
        raise ValueError("name must not be empty")
    now = ctx.clock.now()
    token = "smsbot_" + secrets.token_urlsafe(32)
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
        session.add(ApiToken(staff_id=staff.id, token_hash=token_hash(token), created_at=now))
    return NewStaff(staff_id=staff.id, token=token, password=password)


def staff_for_token(session: Session, token: str) -> Staff | None:
    """The active staff member a bearer token belongs to, or None (revoked, unknown, deactivated)."""
    row = session.exec(
        select(Staff)
        .join(ApiToken, ApiToken.staff_id == Staff.id)
        .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None), Staff.is_active)
    ).first()
    return row


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
