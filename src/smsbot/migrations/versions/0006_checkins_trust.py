"""check-ins you can trust (issue 8): one live enrollment per contact, opt-out sources

Revision ID: 0006_checkins_trust
Revises: 0005_outbox_fencing
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import smsbot.db

revision: str = "0006_checkins_trust"
down_revision: str | None = "0005_outbox_fencing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "('invited', 'active', 'paused')"
LIVE_ONLY = sa.text(f"status IN {LIVE}")


def upgrade() -> None:
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        # Which way an opt-out (or opt-in) came: sms | twilio_opt_out_type | carrier_21610 | staff.
        batch_op.add_column(sa.Column("source", sa.String(length=24), nullable=True))
    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.alter_column(
            "source", existing_type=sa.String(length=16), type_=sa.String(length=24), existing_nullable=False
        )
    _end_duplicate_live_enrollments()
    op.create_index(
        "uq_enrollment_live_contact",
        "enrollment",
        ["contact_id"],
        unique=True,
        sqlite_where=LIVE_ONLY,
        postgresql_where=LIVE_ONLY,
    )


def _end_duplicate_live_enrollments() -> None:
    """Races before this revision could leave a contact with several live enrollments: keep the
    newest, end the others (and close their waiting check-ins), so the unique index can be built."""
    now = sa.bindparam("now", datetime.now(UTC), type_=smsbot.db.UTCDateTime())
    bind = op.get_bind()
    ended = bind.execute(
        sa.text(
            "SELECT id FROM enrollment WHERE contact_id IS NOT NULL AND status IN " + LIVE + " AND id < "
            "(SELECT MAX(newest.id) FROM enrollment AS newest WHERE newest.contact_id = enrollment.contact_id"
            " AND newest.status IN " + LIVE + ")"
        )
    ).scalars()
    ids = list(ended)
    if not ids:
        return
    ids_param = sa.bindparam("ids", ids, expanding=True)
    bind.execute(
        sa.text(
            "UPDATE enrollment SET status = 'ended', ended_at = :now, next_checkin_at = NULL,"
            " invite_expires_at = NULL WHERE id IN :ids"
        ).bindparams(now, ids_param)
    )
    closed = list(
        bind.execute(
            sa.text(
                "UPDATE checkin SET status = 'closed', next_action_at = NULL"
                " WHERE enrollment_id IN :ids AND status IN ('waiting', 'reminded') RETURNING id"
            ).bindparams(ids_param)
        ).scalars()
    )
    if closed:
        bind.execute(
            sa.text("UPDATE contact SET open_checkin_id = NULL WHERE open_checkin_id IN :closed").bindparams(
                sa.bindparam("closed", closed, expanding=True)
            )
        )


def downgrade() -> None:
    op.drop_index("uq_enrollment_live_contact", table_name="enrollment")
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.drop_column("source")
    # Sources longer than the old column are cut to fit (the entry itself must stay: it is the law).
    op.execute("UPDATE suppression SET source = SUBSTR(source, 1, 16)")
    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.alter_column(
            "source", existing_type=sa.String(length=24), type_=sa.String(length=16), existing_nullable=False
        )
