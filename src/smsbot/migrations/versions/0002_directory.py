"""directory tables (issue 3)

Revision ID: 0002_directory
Revises: 0001_core
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smsbot.db

revision: str = "0002_directory"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organization", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=True),
        sa.Column("zip", sa.String(length=10), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("hours", sa.Text(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("last_verified", sa.Date(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smsbot.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "source", name="uq_service_source"),
    )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.create_index("ix_service_lat_lon", ["latitude", "longitude"], unique=False)

    op.create_table(
        "service_category",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("lat_band", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id", "category"),
    )
    with op.batch_alter_table("service_category", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_category_geo",
            ["category", "lat_band", "longitude", "latitude", "service_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("service_category", schema=None) as batch_op:
        batch_op.drop_index("ix_service_category_geo")
    op.drop_table("service_category")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index("ix_service_lat_lon")
    op.drop_table("service")
