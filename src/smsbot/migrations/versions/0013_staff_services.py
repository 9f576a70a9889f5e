"""the staff side on one service layer (issue 11)

Revision ID: 0013_staff_services
Revises: 0012_supply_alerts
"""

from collections.abc import Sequence

revision: str = "0013_staff_services"
down_revision: str | None = "0012_supply_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # slot reserved; filled by the work on this issue


def downgrade() -> None:
    pass
