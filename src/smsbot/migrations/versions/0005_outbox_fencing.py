"""outbox fencing (issue 8): claim tokens, attempting/unknown states, status callbacks kept until their SID lands

Revision ID: 0005_outbox_fencing
Revises: 0004_dashboard
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smsbot.db

revision: str = "0005_outbox_fencing"
down_revision: str | None = "0004_dashboard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("interrupted", sa.Integer(), server_default="0", nullable=False))
    # A row left `sending` may have reached Twilio: it is an attempt whose outcome the next worker
    # settles (participant texts become `unknown`, peer alerts go once more). Twilio's spelling of
    # "cancelled" is ours from now on.
    op.execute("UPDATE outbox_message SET status = 'attempting' WHERE status = 'sending'")
    op.execute("UPDATE outbox_message SET status = 'cancelled' WHERE status = 'canceled'")
    op.execute("UPDATE outbox_message SET status = 'sent' WHERE status IN ('accepted', 'scheduled')")
    op.create_table(
        "outbox_pending_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sid", sa.String(length=40), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("error_code", sa.String(length=16), nullable=True),
        sa.Column("received_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_outbox_pending_status_sid"), "outbox_pending_status", ["sid"], unique=False)
    op.create_index(
        op.f("ix_outbox_pending_status_outbox_id"), "outbox_pending_status", ["outbox_id"], unique=False
    )
    op.create_index(
        op.f("ix_outbox_pending_status_received_at"),
        "outbox_pending_status",
        ["received_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_pending_status_received_at"), table_name="outbox_pending_status")
    op.drop_index(op.f("ix_outbox_pending_status_outbox_id"), table_name="outbox_pending_status")
    op.drop_index(op.f("ix_outbox_pending_status_sid"), table_name="outbox_pending_status")
    op.drop_table("outbox_pending_status")
    op.execute("UPDATE outbox_message SET status = 'queued', lease_until = NULL WHERE status = 'claimed'")
    op.execute("UPDATE outbox_message SET status = 'sending' WHERE status = 'attempting'")
    op.execute("UPDATE outbox_message SET status = 'failed' WHERE status = 'unknown'")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("interrupted")
        batch.drop_column("claim_token")
