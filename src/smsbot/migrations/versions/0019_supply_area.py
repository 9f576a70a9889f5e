"""a drug alert's area around any point (issue 13): the centre as latitude and longitude

An alert's area may be every ZIP within N miles of a point a peer names on the map ("40.7128,-74.0060"),
not only of a ZIP's centre. The ZIPs are still expanded into `area_zips` when it is picked; these keep
the point it was picked around (null for a ZIP list or a ZIP centre).

Revision ID: 0019_supply_area
Revises: 0018_alert_notes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_supply_area"
down_revision: str | None = "0018_alert_notes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("supply_alert") as batch:
        batch.add_column(sa.Column("area_center_lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("area_center_lon", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("supply_alert") as batch:
        batch.drop_column("area_center_lon")
        batch.drop_column("area_center_lat")
