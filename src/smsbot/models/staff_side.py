"""Tables of the browser side and the watch: sessions, sign-in attempts, the audit log, heartbeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
)
from sqlmodel import Field, SQLModel

from smsbot.models.base import _when

# --- the browser side (issue 5: dashboard) ---


class StaffSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a leaked
    table opens nothing, and deleting the rows (deactivation, password reset) ends the sessions at once."""

    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    staff_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    created_at: datetime = Field(sa_column=_when())
    last_seen_at: datetime = Field(sa_column=_when())
    # False between the password and the TOTP code (or the forced TOTP set-up of an admin).
    second_factor_done: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )


class SignInAttempt(SQLModel, table=True):
    """Failed (and successful) sign-ins by keyed hash of the name or client address: the rate limit
    lives in the database so every web process shares it."""

    __tablename__ = "sign_in_attempt"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(sa_column=Column(String(64), nullable=False))
    attempted_at: datetime = Field(sa_column=_when(index=True))
    succeeded: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))


Index("ix_sign_in_attempt_key_at", SignInAttempt.__table__.c.key_hash, SignInAttempt.__table__.c.attempted_at)


class AuditLog(SQLModel, table=True):
    """Append-only: who did what to which object, when. Never a phone number or a message text."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_when(index=True))
    actor_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True, index=True))
    action: str = Field(sa_column=Column(String(40), nullable=False))
    object_type: str | None = Field(default=None, sa_column=Column(String(24), nullable=True))
    object_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    detail: str | None = Field(default=None, sa_column=Column(String(120), nullable=True))
    # Issue 11: the hash chain (position, and HMAC over this row's fields and the previous row's hash).
    seq: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    chain_hash: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))


Index("ix_audit_log_seq", AuditLog.__table__.c.seq, unique=True)


# --- the watch (issue 14): the worker's heartbeat ---


class WorkerHeartbeat(SQLModel, table=True):
    """One row per worker process (host:pid), touched every tick: /readyz and the dashboard read it."""

    __tablename__ = "worker_heartbeat"

    worker_id: str = Field(sa_column=Column(String(64), primary_key=True))
    started_at: datetime = Field(sa_column=_when())
    beat_at: datetime = Field(sa_column=_when(index=True))
