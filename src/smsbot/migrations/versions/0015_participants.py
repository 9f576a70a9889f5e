"""participants a peer can find, edit and archive (issue 12): two live participants of one peer never
share a nickname (case aside), so an alert that names one names one person

Revision ID: 0015_participants
Revises: 0014_workspace
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_participants"
down_revision: str | None = "0014_workspace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "('invited', 'active', 'paused')"
LIVE_ONLY = sa.text(f"status IN {LIVE}")
MAX_NICKNAME = 40


def upgrade() -> None:
    _rename_shared_nicknames()
    op.create_index(
        "uq_enrollment_live_nickname",
        "enrollment",
        ["staff_id", sa.text("lower(nickname)")],
        unique=True,
        sqlite_where=LIVE_ONLY,
        postgresql_where=LIVE_ONLY,
    )


def _rename_shared_nicknames() -> None:
    """Data from before may hold two live "J"s of one peer: the older keeps it, the others become
    "J (2)", "J (3)"… (the database's own lower() decides what counts as the same)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, staff_id, nickname, lower(nickname) AS folded FROM enrollment"
            f" WHERE staff_id IS NOT NULL AND status IN {LIVE} ORDER BY id"
        )
    ).all()
    taken = {(row.staff_id, row.folded) for row in rows}
    seen: set[tuple[int, str]] = set()
    for row in rows:
        key = (row.staff_id, row.folded)
        if key not in seen:
            seen.add(key)
            continue
        n = 2
        while True:
            suffix = f" ({n})"
            name = row.nickname[: MAX_NICKNAME - len(suffix)] + suffix
            folded = bind.execute(sa.text("SELECT lower(:name)"), {"name": name}).scalar()
            if (row.staff_id, folded) not in taken:
                break
            n += 1
        taken.add((row.staff_id, folded))
        seen.add((row.staff_id, folded))
        bind.execute(
            sa.text("UPDATE enrollment SET nickname = :name WHERE id = :id"), {"name": name, "id": row.id}
        )


def downgrade() -> None:
    op.drop_index("uq_enrollment_live_nickname", table_name="enrollment")
