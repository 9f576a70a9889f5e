"""Tables of the peer side: staff and their tokens, enrollments, check-ins, alerts, the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlmodel import Field, SQLModel

from smsbot.models.base import _when

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
    # Second factor (issue 5): the TOTP secret, encrypted; required at sign-in once confirmed.
    totp_ciphertext: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    totp_confirmed_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    totp_last_step: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))  # no replay
    # The staff interface's language ("en", "es"); None: the browser's (dashboard/i18n.py).
    language: str | None = Field(default=None, sa_column=Column(String(8), nullable=True))


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
    # Issue 11: what the token is for, and when it stops working (NULL counts as expired).
    name: str | None = Field(default=None, sa_column=Column(String(80), nullable=True))
    expires_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class Enrollment(SQLModel, table=True):
    """A participant's check-in plan with their peer: invited -> active <-> paused -> stopped/expired/ended.

    `next_checkin_at` is set only while active, so "what is due" is one indexed range scan.
    """

    __tablename__ = "enrollment"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    staff_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("staff.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    nickname: str = Field(sa_column=Column(String(40), nullable=False))
    phone_last4: str = Field(sa_column=Column(String(4), nullable=False))
    local_time: str = Field(sa_column=Column(String(5), nullable=False))  # "HH:MM", 24 h
    days: str = Field(sa_column=Column(String(27), nullable=False))  # "mon,wed,fri"
    timezone: str = Field(sa_column=Column(String(64), nullable=False))  # IANA name
    reply_window_minutes: int = Field(sa_column=Column(Integer, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    source: str = Field(sa_column=Column(String(8), nullable=False))  # staff | self
    created_at: datetime = Field(sa_column=_when())
    joined_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    invite_expires_at: datetime | None = Field(default=None, sa_column=_when(nullable=True, index=True))
    next_checkin_at: datetime | None = Field(default=None, sa_column=_when(nullable=True, index=True))


# At most one live enrollment per contact, enforced by the database: concurrent enrollments of one
# number cannot both win (the loser gets 409). Partial, so ended enrollments keep their history.
Index(
    "uq_enrollment_live_contact",
    Enrollment.__table__.c.contact_id,
    unique=True,
    sqlite_where=Enrollment.__table__.c.status.in_(("invited", "active", "paused")),
    postgresql_where=Enrollment.__table__.c.status.in_(("invited", "active", "paused")),
)
# Two live participants of one peer never share a nickname (case aside): alerts name them by it
# (migration 0015; the service says so first, in words, and this settles a race).
Index(
    "uq_enrollment_live_nickname",
    Enrollment.__table__.c.staff_id,
    func.lower(Enrollment.__table__.c.nickname),
    unique=True,
    sqlite_where=Enrollment.__table__.c.status.in_(("invited", "active", "paused")),
    postgresql_where=Enrollment.__table__.c.status.in_(("invited", "active", "paused")),
)


class Checkin(SQLModel, table=True):
    """One scheduled check-in and where it stands on the ladder (prompt, reminder, alert)."""

    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("enrollment_id", "scheduled_for", name="uq_checkin_occurrence"),)

    id: int | None = Field(default=None, primary_key=True)
    enrollment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("enrollment.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    scheduled_for: datetime = Field(sa_column=_when())
    created_at: datetime = Field(sa_column=_when())
    # waiting | reminded | answered | no_reply | unreachable | missed_by_system | superseded | closed
    status: str = Field(sa_column=Column(String(20), nullable=False))
    next_action_at: datetime | None = Field(default=None, sa_column=_when(nullable=True, index=True))
    reminded_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    answered_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    answer_kind: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    # A free-text answer, encrypted; deleted (with its purge time) after SMSBOT_RETENTION_DAYS.
    answer_ciphertext: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    answer_purge_at: datetime | None = Field(default=None, sa_column=_when(nullable=True, index=True))


class Alert(SQLModel, table=True):
    """Something a peer must see: no reply, a call request, could not reach. Open until acknowledged."""

    __tablename__ = "alert"

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(sa_column=Column(String(96), nullable=False, unique=True))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    status: str = Field(sa_column=Column(String(8), nullable=False, index=True))  # open | acked
    enrollment_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("enrollment.id", ondelete="SET NULL"), index=True),
    )
    checkin_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("checkin.id", ondelete="SET NULL"), nullable=True),
    )
    staff_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True, index=True))
    created_at: datetime = Field(sa_column=_when())
    acked_at: datetime | None = Field(default=None, sa_column=_when(nullable=True, index=True))
    acked_by: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    # Issue 12: what the acknowledging peer found (smsbot.alerts.states.Outcome) and a short note,
    # free text about a person: encrypted (alerts/notes.py), deleted after SMSBOT_RETENTION_DAYS.
    outcome: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    note_ciphertext: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    escalate_at: datetime | None = Field(default=None, sa_column=_when(nullable=True, index=True))
    escalated_to: int | None = Field(default=None, sa_column=Column(Integer, nullable=True, index=True))
    escalated_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class OutboxMessage(SQLModel, table=True):
    """A text to send later or to someone else, committed with the change that caused it.

    Recipients are ids (decrypted at send time), so FORGET, STOP and phone changes always win.
    """

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(sa_column=Column(String(96), nullable=False, unique=True))
    purpose: str = Field(sa_column=Column(String(20), nullable=False))
    contact_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    staff_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("staff.id", ondelete="SET NULL"), nullable=True)
    )
    body: str = Field(sa_column=Column(Text, nullable=False))
    # smsbot.outbound.states.OutboxStatus: queued | claimed | attempting | sent | unknown | failed | ...
    status: str = Field(sa_column=Column(String(12), nullable=False))
    # Claimed in order of (priority, next_attempt_at, id): 0 = a text to one person (check-ins,
    # reminders, invitations, peer alerts), 10 = a broadcast, so no one waits behind a broadcast.
    priority: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # Set by each claim; every later write by that worker requires it still matches (fencing).
    claim_token: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    # Times an attempt's outcome became unknown (a peer alert is resent after the first only).
    interrupted: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    next_attempt_at: datetime | None = Field(default=None, sa_column=_when(nullable=True, index=True))
    lease_until: datetime | None = Field(default=None, sa_column=_when(nullable=True, index=True))
    resend_if_interrupted: bool = Field(default=False)  # peer alerts yes, participant texts never
    checkin_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True, index=True))
    alert_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    twilio_sid: str | None = Field(default=None, sa_column=Column(String(40), nullable=True, unique=True))
    error_code: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    created_at: datetime = Field(sa_column=_when(index=True))
    sent_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    status_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))

    __table_args__ = (Index("ix_outbox_message_claim", "status", "priority", "next_attempt_at", "id"),)


class OutboxPendingStatus(SQLModel, table=True):
    """A delivery status callback that arrived before its SID was recorded: applied when it lands."""

    __tablename__ = "outbox_pending_status"

    id: int | None = Field(default=None, primary_key=True)
    sid: str = Field(sa_column=Column(String(40), nullable=False, index=True))
    outbox_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True, index=True))
    status: str = Field(sa_column=Column(String(12), nullable=False))
    error_code: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    received_at: datetime = Field(sa_column=_when(index=True))


class SendRateBucket(SQLModel, table=True):
    """The shared pace of all workers (GCRA): the wall-clock second at which the next send slot is free."""

    __tablename__ = "send_rate_bucket"

    name: str = Field(sa_column=Column(String(32), primary_key=True))
    next_free_at: float = Field(sa_column=Column(Float, nullable=False))
