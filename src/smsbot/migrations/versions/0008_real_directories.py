"""real directories (issue 10): location kinds, phone extensions, languages, service areas, category reasons, edited fields

Revision ID: 0008_real_directories
Revises: 0007_inbound_counters
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import smsbot.db  # noqa: F401

revision: str = "0008_real_directories"
down_revision: str | None = "0007_inbound_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
