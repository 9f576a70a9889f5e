"""Tables of the texter side: contacts (keyed, encrypted), suppression, inbound messages, consent,
per-number counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlmodel import Field, SQLModel

from smsbot.models.base import _when

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
    # The per-number flood counters live in `inbound_counter` (they must outlive FORGET for the day).


class Suppression(SQLModel, table=True):
    """Numbers that opted out. Kept after FORGET as the law requires: keyed hash only."""

    __tablename__ = "suppression"

    phone_index: str = Field(sa_column=Column(String(64), primary_key=True))
    opted_out_at: datetime = Field(sa_column=_when())
    # sms | twilio_opt_out_type | carrier_21610 | staff (checkins/optout.OptOutSource)
    source: str = Field(sa_column=Column(String(24), nullable=False))


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
    # How an opt-out/opt-in came: sms | twilio_opt_out_type | carrier_21610 | staff (checkins/optout.py).
    source: str | None = Field(default=None, sa_column=Column(String(24), nullable=True))


class DailyCount(SQLModel, table=True):
    """Aggregate counts per day (keyword use and the like) that outlive the retention window."""

    __tablename__ = "daily_count"

    day: str = Field(sa_column=Column(String(10), primary_key=True))
    name: str = Field(sa_column=Column(String(48), primary_key=True))
    count: int = Field(default=0)


class InboundCounter(SQLModel, table=True):
    """Per-number flood counters, one row per number and window (minute, day, hour of a compliance
    word). Keyed by the number's keyed index so they survive FORGET; deleted once `expires_at` passes."""

    __tablename__ = "inbound_counter"

    phone_index: str = Field(sa_column=Column(String(64), primary_key=True))
    bucket: str = Field(sa_column=Column(String(32), primary_key=True))  # e.g. "m:2026-03-04T15:01"
    count: int = Field(sa_column=Column(Integer, nullable=False))
    expires_at: datetime = Field(sa_column=_when())


# No index on inbound_message.contact_id on purpose: every text writes this table, and each index is
# another page per commit. Only FORGET looks rows up by contact, over at most the retention window.
