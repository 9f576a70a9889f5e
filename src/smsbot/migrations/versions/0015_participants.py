"""participants a peer can find, edit and archive (issue 12)

Revision ID: 0015_participants
Revises: 0014_workspace
"""

from collections.abc import Sequence

revision: str = "0015_participants"
down_revision: str | None = "0014_workspace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # slot reserved; filled by the work on this issue


def downgrade() -> None:
    pass
