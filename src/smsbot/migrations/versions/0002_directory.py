"""directory tables (issue 3)

Revision ID: 0002_directory
Revises: 0001_core
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import smsbot.db  # noqa: F401

revision: str = "0002_directory"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
