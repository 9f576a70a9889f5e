"""the staff interface's language (issue 12): each staff member picks English or Spanish; empty means
the browser's language

Revision ID: 0017_staff_language
Revises: 0016_directory_workspace
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_staff_language"
down_revision: str | None = "0016_directory_workspace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("language")
