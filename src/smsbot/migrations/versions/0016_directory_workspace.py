"""the directory for everyone (issue 12)

Revision ID: 0016_directory_workspace
Revises: 0015_participants
"""

from collections.abc import Sequence

revision: str = "0016_directory_workspace"
down_revision: str | None = "0015_participants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # slot reserved; filled by the work on this issue


def downgrade() -> None:
    pass
