"""dispatch and watch speed (issue 14): outbox priority, and one index for the claim and the watch

Revision ID: 0011_outbox_speed
Revises: 0010_worker_heartbeat
"""
# The claim reads `status = queued, due <= now ORDER BY priority, due, id`; the watch and /metrics count
# waiting rows by status and find the oldest due one. One index on (status, priority, due, id) answers
# all of them without touching the (many) settled rows.

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_outbox_speed"
down_revision: str | None = "0010_worker_heartbeat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        # 0: a text to one person (check-ins, reminders, invitations, peer alerts); 10: a broadcast.
        batch.add_column(sa.Column("priority", sa.Integer(), server_default="0", nullable=False))
    op.create_index(
        "ix_outbox_message_claim",
        "outbox_message",
        ["status", "priority", "next_attempt_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_message_claim", table_name="outbox_message")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("priority")
