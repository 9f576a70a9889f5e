"""Every table, in one module (SQLModel on SQLAlchemy 2). Migrations live in `migrations/`.

Privacy by shape: no column holds a plain phone number or a keyword text's body. Texters are
found by `phone_index` (keyed HMAC); a number is kept encrypted only where we must text first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlmodel import Field, SQLModel

from smsbot.db import UTCDateTime


def _when(nullable: bool = False, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


# --- a text arrives (issue 2) -------------------------------------------------------------


class Contact(SQLModel, table=True):
    """Someone who has texted the line (or been enrolled). Anonymous unless enrolled."""

    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    phone_index: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    # Only set when the program must text this person first (check-ins); keyword texters have none.
    phone_ciphertext: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    language: str = Field(default="en", sa_column=Column(String(2), nullable=False, server_default="en"))
    opted_out_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    created_at: datetime = Field(sa_column=_when())
    last_seen_at: datetime = Field(sa_column=_when())
    # Conversation state (JSON): the open question and MORE position; expires after 30 minutes.
    conversation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    conversation_expires_at: datetime | None = Field(default=None, sa_column=_when(nullable=True, index=True))
    # The check-in waiting for this texter's answer (set by the worker, cleared by the answer).
    open_checkin_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    # Day (YYYY-MM-DD, UTC) the menu last went out for an unrecognised text: at most once a day.
    menu_sent_on: str | None = Field(default=None, sa_column=Column(String(10), nullable=True))
    # Per-number flood limit, kept on the row so every web process shares it.
    rate_minute_start: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    rate_minute_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    rate_day: str | None = Field(default=None, sa_column=Column(String(10), nullable=True))
    rate_day_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class Suppression(SQLModel, table=True):
    """Numbers that opted out. Kept after FORGET as the law requires: keyed hash only."""

    __tablename__ = "suppression"

    phone_index: str = Field(sa_column=Column(String(64), primary_key=True))
    opted_out_at: datetime = Field(sa_column=_when())
    source: str = Field(sa_column=Column(String(16), nullable=False))  # sms | carrier | staff


class InboundMessage(SQLModel, table=True):
    """One row per Twilio MessageSid: the idempotency record. Stores the intent, never the body."""

    __tablename__ = "inbound_message"

    id: int | None = Field(default=None, primary_key=True)
    message_sid: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    contact_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="SET NULL"), nullable=True),
    )
    received_at: datetime = Field(sa_column=_when(index=True))
    intent: str = Field(sa_column=Column(String(32), nullable=False))
    language: str = Field(sa_column=Column(String(2), nullable=False))


class ConsentRecord(SQLModel, table=True):
    """Evidence of opt-in and opt-out: what, when, which wording, which message (keyed hashes only)."""

    __tablename__ = "consent_record"

    id: int | None = Field(default=None, primary_key=True)
    phone_index: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    kind: str = Field(sa_column=Column(String(32), nullable=False))  # opt_out | opt_in | checkins_join | ...
    recorded_at: datetime = Field(sa_column=_when())
    message_sid_hash: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    wording_version: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    staff_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))


class DailyCount(SQLModel, table=True):
    """Aggregate counts per day (keyword use and the like) that outlive the retention window."""

    __tablename__ = "daily_count"

    day: str = Field(sa_column=Column(String(10), primary_key=True))
    name: str = Field(sa_column=Column(String(48), primary_key=True))
    count: int = Field(default=0)


Index(
    "ix_inbound_contact_received",
    InboundMessage.__table__.c.contact_id,
    InboundMessage.__table__.c.received_at,
)


# --- where to go (issue 3: directory) -----------------------------------------------------


# --- the peer side (issue 4: staff, enrollments, check-ins, alerts, outbox) ---------------


class Staff(SQLModel, table=True):
    """A peer support specialist or an admin. Phones are encrypted like everyone else's."""

    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(120), nullable=False))
    role: str = Field(sa_column=Column(String(16), nullable=False))  # peer | admin
    phone_index: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    phone_ciphertext: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    phone_last4: str | None = Field(default=None, sa_column=Column(String(4), nullable=True))
    password_hash: str | None = Field(default=None, sa_column=Column(String(256), nullable=True))
    must_change_password: bool = Field(default=True)
    is_active: bool = Field(default=True)
    is_on_call: bool = Field(default=False)
    created_at: datetime = Field(sa_column=_when())
    deactivated_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class ApiToken(SQLModel, table=True):
    """A staff API bearer token: shown once, stored as a SHA-256 hash, revocable."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff.id", ondelete="CASCADE"), nullable=False)
    )
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = Field(sa_column=_when())
    revoked_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
