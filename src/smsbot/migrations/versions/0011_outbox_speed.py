"""dispatch and watch speed (issue 14)

Revision ID: 0011_outbox_speed
Revises: 0010_worker_heartbeat
"""

from collections.abc import Sequence

revision: str = "0011_outbox_speed"
down_revision: str | None = "0010_worker_heartbeat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # slot reserved; filled by the work on this issue


def downgrade() -> None:
    pass
