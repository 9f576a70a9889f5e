"""drug-supply alerts (issue 13)

Subscribers and the ZIPs they follow, anonymous reports, alerts, broadcasts and the link from each
broadcast's outbox rows to their subscriber.

Revision ID: 0012_supply_alerts
Revises: 0011_outbox_speed
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smsbot.db

revision: str = "0012_supply_alerts"
down_revision: str | None = "0011_outbox_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supply_subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contact_id"),
    )
    op.create_table(
        "supply_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=True),
        sa.Column("text_es", sa.Text(), nullable=True),
        sa.Column("area_zips", sa.Text(), nullable=True),
        sa.Column("area_center_zip", sa.String(length=5), nullable=True),
        sa.Column("area_radius_miles", sa.Float(), nullable=True),
        sa.Column("expires_at", smsbot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_report_at", smsbot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", smsbot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.Integer(), nullable=True),
        sa.Column("sending_at", smsbot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", smsbot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", smsbot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_supply_alert_expires_at"), "supply_alert", ["expires_at"], unique=False)
    op.create_index(op.f("ix_supply_alert_status"), "supply_alert", ["status"], unique=False)
    op.create_table(
        "supply_subscription",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("zip_code", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(["subscriber_id"], ["supply_subscriber.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("subscriber_id", "zip_code"),
    )
    op.create_index(
        op.f("ix_supply_subscription_zip_code"), "supply_subscription", ["zip_code"], unique=False
    )
    op.create_table(
        "supply_broadcast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("cursor", sa.Integer(), server_default="0", nullable=False),
        sa.Column("queued_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expanded_at", smsbot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", smsbot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("final_counts", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["supply_alert.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id"),
    )
    op.create_index(op.f("ix_supply_broadcast_status"), "supply_broadcast", ["status"], unique=False)
    op.create_table(
        "supply_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_hash", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("answers_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("steps_answered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("area_zip", sa.String(length=5), nullable=True),
        sa.Column("created_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("purge_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", smsbot.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["supply_alert.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["merged_into_id"], ["supply_report.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_supply_report_alert_id"), "supply_report", ["alert_id"], unique=False)
    op.create_index(op.f("ix_supply_report_area_zip"), "supply_report", ["area_zip"], unique=False)
    op.create_index(op.f("ix_supply_report_created_at"), "supply_report", ["created_at"], unique=False)
    op.create_index(op.f("ix_supply_report_purge_at"), "supply_report", ["purge_at"], unique=False)
    op.create_index(op.f("ix_supply_report_reporter_hash"), "supply_report", ["reporter_hash"], unique=False)
    op.create_index(op.f("ix_supply_report_status"), "supply_report", ["status"], unique=False)
    op.create_table(
        "supply_delivery",
        sa.Column("outbox_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["broadcast_id"], ["supply_broadcast.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox_message.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subscriber_id"], ["supply_subscriber.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("outbox_id"),
        sa.UniqueConstraint("broadcast_id", "subscriber_id", name="uq_supply_delivery_subscriber"),
    )
    op.create_index(
        op.f("ix_supply_delivery_subscriber_id"), "supply_delivery", ["subscriber_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_supply_delivery_subscriber_id"), table_name="supply_delivery")
    op.drop_table("supply_delivery")
    op.drop_index(op.f("ix_supply_report_status"), table_name="supply_report")
    op.drop_index(op.f("ix_supply_report_reporter_hash"), table_name="supply_report")
    op.drop_index(op.f("ix_supply_report_purge_at"), table_name="supply_report")
    op.drop_index(op.f("ix_supply_report_created_at"), table_name="supply_report")
    op.drop_index(op.f("ix_supply_report_area_zip"), table_name="supply_report")
    op.drop_index(op.f("ix_supply_report_alert_id"), table_name="supply_report")
    op.drop_table("supply_report")
    op.drop_index(op.f("ix_supply_broadcast_status"), table_name="supply_broadcast")
    op.drop_table("supply_broadcast")
    op.drop_index(op.f("ix_supply_subscription_zip_code"), table_name="supply_subscription")
    op.drop_table("supply_subscription")
    op.drop_index(op.f("ix_supply_alert_status"), table_name="supply_alert")
    op.drop_index(op.f("ix_supply_alert_expires_at"), table_name="supply_alert")
    op.drop_table("supply_alert")
    op.drop_table("supply_subscriber")
