"""per-number counters (issue 9): atomic, keyed by the number's index, surviving FORGET for the day

Revision ID: 0007_inbound_counters
Revises: 0006_checkins_trust
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smsbot.db

revision: str = "0007_inbound_counters"
down_revision: str | None = "0006_checkins_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RATE_COLUMNS = ("rate_minute_start", "rate_minute_count", "rate_day", "rate_day_count")


def upgrade() -> None:
    # One row per number and window, changed by INSERT ... ON CONFLICT DO UPDATE (atomic on both
    # databases); the old read-modify-write counters on the contact row lost counts under load.
    op.create_table(
        "inbound_counter",
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone_index", "bucket"),
    )
    # Counts in flight are dropped with the columns: at worst a flooding number gets one more minute.
    with op.batch_alter_table("contact") as batch:
        for name in RATE_COLUMNS:
            batch.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.add_column(sa.Column("rate_minute_start", smsbot.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("rate_minute_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("rate_day", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("rate_day_count", sa.Integer(), server_default="0", nullable=False))
    op.drop_table("inbound_counter")
