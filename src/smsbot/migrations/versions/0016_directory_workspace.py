"""the directory for everyone (issue 12): when each service was last imported; imported services an
admin deleted (so importing their source again does not bring them back)

Revision ID: 0016_directory_workspace
Revises: 0015_participants
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smsbot.db

revision: str = "0016_directory_workspace"
down_revision: str | None = "0015_participants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("imported_at", smsbot.db.UTCDateTime(timezone=True), nullable=True))
    # Until now an import's time was only its last write: services that came from a file (not typed in
    # through the API) take that as their import time.
    service = sa.table("service", sa.column("source"), sa.column("updated_at"), sa.column("imported_at"))
    op.execute(service.update().where(service.c.source != "api").values(imported_at=service.c.updated_at))

    op.create_table(
        "service_removed",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("removed_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "source_id"),
    )


def downgrade() -> None:
    op.drop_table("service_removed")
    with op.batch_alter_table("service") as batch:
        batch.drop_column("imported_at")
