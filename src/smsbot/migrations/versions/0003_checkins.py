"""check-in tables (issue 4)

Revision ID: 0003_checkins
Revises: 0002_directory
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import smsbot.db  # noqa: F401

revision: str = "0003_checkins"
down_revision: str | None = "0002_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
