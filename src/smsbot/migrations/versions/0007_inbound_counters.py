"""per-number counters (issue 9): atomic, keyed by the number's index, surviving FORGET for the day

Revision ID: 0007_inbound_counters
Revises: 0006_checkins_trust
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import smsbot.db  # noqa: F401

revision: str = "0007_inbound_counters"
down_revision: str | None = "0006_checkins_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
