"""check-ins you can trust (issue 8): one live enrollment per contact, opt-out sources

Revision ID: 0006_checkins_trust
Revises: 0005_outbox_fencing
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import smsbot.db  # noqa: F401

revision: str = "0006_checkins_trust"
down_revision: str | None = "0005_outbox_fencing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
