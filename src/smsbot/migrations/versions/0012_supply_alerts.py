"""drug-supply alerts (issue 13)

Revision ID: 0012_supply_alerts
Revises: 0011_outbox_speed
"""

from collections.abc import Sequence

revision: str = "0012_supply_alerts"
down_revision: str | None = "0011_outbox_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # slot reserved; filled by the work on this issue


def downgrade() -> None:
    pass
