"""staff side hardening (issue 11): audit hash chain, API token expiry and names

Revision ID: 0009_staff_hardening
Revises: 0008_real_directories
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import smsbot.db  # noqa: F401

revision: str = "0009_staff_hardening"
down_revision: str | None = "0008_real_directories"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
