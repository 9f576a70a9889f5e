"""outbox fencing (issue 8): claim tokens, attempting/unknown states, status callbacks kept until their SID lands

Revision ID: 0005_outbox_fencing
Revises: 0004_dashboard
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import smsbot.db  # noqa: F401

revision: str = "0005_outbox_fencing"
down_revision: str | None = "0004_dashboard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
