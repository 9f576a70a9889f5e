"""the watch (issue 14): the worker's heartbeat

Revision ID: 0010_worker_heartbeat
Revises: 0009_staff_hardening
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smsbot.db

revision: str = "0010_worker_heartbeat"
down_revision: str | None = "0009_staff_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeat",
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("beat_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id"),
    )
    op.create_index(op.f("ix_worker_heartbeat_beat_at"), "worker_heartbeat", ["beat_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_worker_heartbeat_beat_at"), table_name="worker_heartbeat")
    op.drop_table("worker_heartbeat")
