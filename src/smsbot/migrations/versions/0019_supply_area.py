"""a drug alert's area around any point (issue 13); empty until used

Revision ID: 0019_supply_area
Revises: 0018_alert_notes
"""

from collections.abc import Sequence

revision: str = "0019_supply_area"
down_revision: str | None = "0018_alert_notes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
