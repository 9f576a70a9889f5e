"""staff side hardening (issue 11): audit hash chain, API token expiry and names

The audit log gets its chain (`seq`, `chain_hash`; existing rows sealed here, in id order, with the
key derived from SMSBOT_SECRET_KEY), and refuses TRUNCATE (PostgreSQL) and INSERT OR REPLACE over an
existing row (SQLite) on top of 0004's UPDATE/DELETE triggers. API tokens get a name and an expiry
(existing tokens: 90 days from this migration).

Revision ID: 0009_staff_hardening
Revises: 0008_real_directories
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import smsbot.db

revision: str = "0009_staff_hardening"
down_revision: str | None = "0008_real_directories"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "audit_log is append-only"
EXISTING_TOKENS_LAST = timedelta(days=90)

audit = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", smsbot.db.UTCDateTime(timezone=True)),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.Integer),
    sa.column("detail", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("chain_hash", sa.String),
)
token = sa.table("api_token", sa.column("expires_at", smsbot.db.UTCDateTime(timezone=True)))


def upgrade() -> None:
    op.add_column("api_token", sa.Column("name", sa.String(length=80), nullable=True))
    op.add_column("api_token", sa.Column("expires_at", smsbot.db.UTCDateTime(timezone=True), nullable=True))
    op.execute(token.update().values(expires_at=datetime.now(UTC) + EXISTING_TOKENS_LAST))

    op.add_column("audit_log", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("audit_log", sa.Column("chain_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_audit_log_seq", "audit_log", ["seq"], unique=True)
    _seal_existing_rows()
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        # REPLACE deletes the row it collides with without firing DELETE triggers (unless
        # recursive_triggers is on): refuse any insert that collides with an existing row instead.
        op.execute(
            "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
            "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id OR seq = NEW.seq) "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def _seal_existing_rows() -> None:
    bind = op.get_bind()
    if bind.execute(sa.select(sa.func.count()).select_from(audit)).scalar_one() == 0:
        return  # nothing to seal (and no key needed: a fresh database)
    from smsbot.audit.chain import GENESIS, chain_key, digest
    from smsbot.config import get_settings

    key = chain_key(get_settings().master_key)
    _allow_updates(bind, True)
    previous = GENESIS
    rows = bind.execute(sa.select(audit).order_by(audit.c.id)).mappings().all()
    for seq, row in enumerate(rows, start=1):
        values = {**row, "seq": seq}
        previous = digest(key, previous, values)
        bind.execute(audit.update().where(audit.c.id == row["id"]).values(seq=seq, chain_hash=previous))
    _allow_updates(bind, False)


def _allow_updates(bind, allow: bool) -> None:
    """Lift 0004's UPDATE refusal for the backfill only (this runs as the table's owner)."""
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE audit_log {'DISABLE' if allow else 'ENABLE'} TRIGGER audit_log_append_only")
    elif allow:
        op.execute("DROP TRIGGER audit_log_no_update")
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
    op.drop_index("ix_audit_log_seq", table_name="audit_log")
    op.drop_column("audit_log", "chain_hash")
    op.drop_column("audit_log", "seq")
    op.drop_column("api_token", "expires_at")
    op.drop_column("api_token", "name")
