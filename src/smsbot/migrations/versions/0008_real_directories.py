"""real directories (issue 10): location kinds, phone extensions, languages, service areas, category reasons, edited fields

Revision ID: 0008_real_directories
Revises: 0007_inbound_counters
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_real_directories"
down_revision: str | None = "0007_inbound_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# (name, type, server default): every new column is nullable or defaulted, so old rows stay valid.
COLUMNS = (
    ("phone_extension", sa.String(length=20), None),
    ("location_kind", sa.String(length=16), "place"),
    ("service_area", sa.String(length=200), None),
    ("area_zips", sa.Text(), None),
    ("languages", sa.String(length=100), None),
    ("category_reasons", sa.Text(), None),
    ("edited_fields", sa.Text(), None),
)


def upgrade() -> None:
    with op.batch_alter_table("service") as batch:
        for name, type_, default in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=default is None, server_default=default))
    # Every texter search also looks for services reached by phone or serving an area: most rows
    # are walkable places, so an index on the kind keeps that lookup off a full scan.
    op.create_index("ix_service_location_kind", "service", ["location_kind"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_service_location_kind", table_name="service")
    with op.batch_alter_table("service") as batch:
        for name, _, _ in reversed(COLUMNS):
            batch.drop_column(name)
