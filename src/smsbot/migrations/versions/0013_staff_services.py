"""the staff side on one service layer (issue 11), alerts as a shift's to-do list (issue 12)

An acknowledged alert keeps what the peer found (reached them, no answer, left a message, other) and
a short note; resolved alerts are listed by when they were acknowledged.

Revision ID: 0013_staff_services
Revises: 0012_supply_alerts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_staff_services"
down_revision: str | None = "0012_supply_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("alert", sa.Column("outcome", sa.String(length=16), nullable=True))
    op.add_column("alert", sa.Column("note", sa.String(length=300), nullable=True))
    op.create_index("ix_alert_acked_at", "alert", ["acked_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_acked_at", table_name="alert")
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("note")
        batch.drop_column("outcome")
