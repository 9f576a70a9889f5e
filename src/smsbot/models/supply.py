"""Tables of drug-supply alerts (issue 13): subscribers and their ZIPs, anonymous reports, alerts, their
broadcasts, and the link from a broadcast's outbox rows to the subscriber each one goes to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from smsbot.models.base import _when


class SupplySubscriber(SQLModel, table=True):
    """Someone who asked for alerts: their contact (the keyed index, and the encrypted number we text
    first, as for check-ins), their language and when; their ZIPs are in `supply_subscription`.
    Nothing else. FORGET deletes the contact, and this row with it."""

    __tablename__ = "supply_subscriber"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    language: str = Field(sa_column=Column(String(2), nullable=False))
    created_at: datetime = Field(sa_column=_when())


class SupplySubscription(SQLModel, table=True):
    """One ZIP a subscriber follows (at most 3 each, enforced by supply/subscriptions.py)."""

    __tablename__ = "supply_subscription"

    subscriber_id: int = Field(
        sa_column=Column(Integer, ForeignKey("supply_subscriber.id", ondelete="CASCADE"), primary_key=True)
    )
    zip_code: str = Field(sa_column=Column(String(5), primary_key=True, index=True))


class SupplyReport(SQLModel, table=True):
    """An anonymous report of a bad batch. No number: `reporter_hash` is a keyed hash of the number and
    the day (for the daily limit only; unlinkable across days). The answers are encrypted and the row
    is deleted after SMSBOT_RETENTION_DAYS."""

    __tablename__ = "supply_report"

    id: int | None = Field(default=None, primary_key=True)
    reporter_hash: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    language: str = Field(sa_column=Column(String(2), nullable=False))
    status: str = Field(sa_column=Column(String(12), nullable=False, index=True))  # supply/states.py
    # JSON {"what", "happened", "where", "when"} encrypted (AES-GCM, bound to the row id).
    answers_ciphertext: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    steps_answered: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    area_zip: str | None = Field(default=None, sa_column=Column(String(5), nullable=True, index=True))
    created_at: datetime = Field(sa_column=_when(index=True))
    updated_at: datetime = Field(sa_column=_when())
    purge_at: datetime = Field(sa_column=_when(index=True))
    merged_into_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("supply_report.id", ondelete="SET NULL"), nullable=True),
    )
    alert_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("supply_alert.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    reviewed_by: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    reviewed_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class SupplyAlert(SQLModel, table=True):
    """An alert written by staff from reports: draft -> approved -> sending -> sent (supply/states.py)."""

    __tablename__ = "supply_alert"

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(sa_column=Column(String(12), nullable=False, index=True))
    text_en: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    text_es: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The area as ZIPs (comma-separated, expanded from a point and radius when chosen that way).
    area_zips: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    area_center_zip: str | None = Field(default=None, sa_column=Column(String(5), nullable=True))
    area_radius_miles: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    # Or the centre is a point on the map (then area_center_zip is null; migration 0019).
    area_center_lat: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    area_center_lon: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    expires_at: datetime | None = Field(default=None, sa_column=_when(nullable=True, index=True))
    first_report_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    created_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("staff.id", ondelete="SET NULL"), nullable=True)
    )
    updated_by: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))  # last edit
    approved_by: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    approved_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    sent_by: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    sending_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    cancelled_by: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    cancelled_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    created_at: datetime = Field(sa_column=_when())
    updated_at: datetime = Field(sa_column=_when())


class SupplyBroadcast(SQLModel, table=True):
    """One alert's sending: expanded into outbox rows a batch at a time (`cursor` is the last subscriber
    id expanded, moved in the transaction that queued the batch). Counts are kept at the end."""

    __tablename__ = "supply_broadcast"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("supply_alert.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    status: str = Field(sa_column=Column(String(12), nullable=False, index=True))
    cursor: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    queued_total: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = Field(sa_column=_when())
    expanded_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    # Kept when it finishes: outbox rows (and their links) are deleted after the retention window.
    final_counts: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class SupplyDelivery(SQLModel, table=True):
    """Which subscriber a broadcast's outbox row (sent to their contact) was queued for. Unique per
    (broadcast, subscriber), so a resumed expansion can never queue anyone twice; goes with its outbox
    row. A subscriber who stops alerts is unlinked (their rows still count in the broadcast's progress)."""

    __tablename__ = "supply_delivery"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "subscriber_id", name="uq_supply_delivery_subscriber"),
    )

    outbox_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("outbox_message.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    broadcast_id: int = Field(
        sa_column=Column(Integer, ForeignKey("supply_broadcast.id", ondelete="CASCADE"), nullable=False)
    )
    subscriber_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("supply_subscriber.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
