"""alert notes kept encrypted and purged with other free text (issue 12); empty until used

Revision ID: 0018_alert_notes
Revises: 0017_staff_language
"""

from collections.abc import Sequence

revision: str = "0018_alert_notes"
down_revision: str | None = "0017_staff_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
