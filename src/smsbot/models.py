"""Every table, in one module (SQLModel on SQLAlchemy 2). Migrations live in `migrations/`.

Privacy by shape: no column holds a plain phone number or a keyword text's body. Texters are
found by `phone_index` (keyed HMAC); a number is kept encrypted only where we must text first.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
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


# --- where to go (issue 3: directory) -----------------------------------------------------


class Service(SQLModel, table=True):
    """A place to go: one service at one location, from an import, the API or the demo file."""

    __tablename__ = "service"
    __table_args__ = (UniqueConstraint("source_id", "source", name="uq_service_source"),)

    id: int | None = Field(default=None, primary_key=True)
    # Re-importing updates by (source, source_id) instead of adding a duplicate.
    source: str = Field(sa_column=Column(String(64), nullable=False))
    source_id: str = Field(sa_column=Column(String(200), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    organization: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    address: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    city: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    state: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    zip: str | None = Field(default=None, sa_column=Column(String(10), nullable=True))
    latitude: float = Field(sa_column=Column(Float, nullable=False))
    longitude: float = Field(sa_column=Column(Float, nullable=False))
    phone: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))  # the service's line
    # Weekly schedule as JSON ({"mo": ["09:00-17:00"], ...}); None = hours unknown.
    hours: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    timezone: str = Field(sa_column=Column(String(64), nullable=False))  # IANA name, for today's hours
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Shown to texters as "checked Mar 2026".
    last_verified: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    is_demo: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    # Issue 10 (migration 0008): how to reach it and where it is.
    phone_extension: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    # place | zip_centre | virtual | area: only a `place` is ever given with a distance to walk.
    location_kind: str = Field(
        default="place", sa_column=Column(String(16), nullable=False, server_default="place")
    )
    service_area: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    area_zips: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # "33136 33137"
    languages: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))  # "en es"
    category_reasons: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON
    # JSON list of fields an admin edited by hand: a re-import keeps them.
    edited_fields: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=_when())
    updated_at: datetime = Field(sa_column=_when())


class ServiceCategory(SQLModel, table=True):
    """A service's categories. Carries the service's coordinates and latitude band (kept in step by
    directory/store.py) so that "this category inside this box" is a few short index range scans."""

    __tablename__ = "service_category"

    service_id: int = Field(
        sa_column=Column(Integer, ForeignKey("service.id", ondelete="CASCADE"), primary_key=True)
    )
    category: str = Field(sa_column=Column(String(32), primary_key=True))
    # floor(latitude / 0.25): with it the index narrows by latitude and longitude at once.
    lat_band: int = Field(sa_column=Column(Integer, nullable=False))
    latitude: float = Field(sa_column=Column(Float, nullable=False))
    longitude: float = Field(sa_column=Column(Float, nullable=False))


Index("ix_service_lat_lon", Service.__table__.c.latitude, Service.__table__.c.longitude)
Index("ix_service_location_kind", Service.__table__.c.location_kind)
Index(
    "ix_service_category_geo",
    ServiceCategory.__table__.c.category,
    ServiceCategory.__table__.c.lat_band,
    ServiceCategory.__table__.c.longitude,
    ServiceCategory.__table__.c.latitude,
    ServiceCategory.__table__.c.service_id,
)


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
    acked_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    acked_by: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
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
