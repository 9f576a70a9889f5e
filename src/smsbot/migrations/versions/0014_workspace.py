"""a workspace a peer can run a shift from (issue 12)

Revision ID: 0014_workspace
Revises: 0013_staff_services
"""

from collections.abc import Sequence

revision: str = "0014_workspace"
down_revision: str | None = "0013_staff_services"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # slot reserved; filled by the work on this issue


def downgrade() -> None:
    pass
