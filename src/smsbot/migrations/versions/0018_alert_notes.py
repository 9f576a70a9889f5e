"""alert notes kept encrypted and purged with other free text (issue 12): `alert.note` (plain text)
becomes `alert.note_ciphertext` (AES-256-GCM under the master key, bound to its alert); notes already
written are encrypted here

Revision ID: 0018_alert_notes
Revises: 0017_staff_language
"""

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

revision: str = "0018_alert_notes"
down_revision: str | None = "0017_staff_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NONCE_BYTES = 12  # as smsbot.privacy and smsbot.alerts.notes


def _key() -> bytes:
    """The vault's encryption key (only asked for when there are notes: a fresh database needs none)."""
    from smsbot.config import get_settings
    from smsbot.privacy import PhoneVault

    return PhoneVault.from_master(get_settings().master_key).encryption_key


def _aad(alert_id: int) -> bytes:
    return f"alert-note:{alert_id}".encode()  # as smsbot.alerts.notes


def upgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("note_ciphertext", sa.LargeBinary(), nullable=True))
    alert = sa.table(
        "alert",
        sa.column("id", sa.Integer),
        sa.column("note", sa.String),
        sa.column("note_ciphertext", sa.LargeBinary),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(alert.c.id, alert.c.note).where(alert.c.note.is_not(None))).all()
    if rows:
        cipher = AESGCM(_key())
        for alert_id, note in rows:
            nonce = os.urandom(NONCE_BYTES)
            sealed = nonce + cipher.encrypt(nonce, note.encode(), _aad(alert_id))
            bind.execute(alert.update().where(alert.c.id == alert_id).values(note_ciphertext=sealed))
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("note")


def downgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("note", sa.String(length=300), nullable=True))
    alert = sa.table(
        "alert",
        sa.column("id", sa.Integer),
        sa.column("note", sa.String),
        sa.column("note_ciphertext", sa.LargeBinary),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(alert.c.id, alert.c.note_ciphertext).where(alert.c.note_ciphertext.is_not(None))
    ).all()
    if rows:
        cipher = AESGCM(_key())
        for alert_id, blob in rows:
            blob = bytes(blob)
            note = cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(alert_id)).decode()
            bind.execute(alert.update().where(alert.c.id == alert_id).values(note=note))
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("note_ciphertext")
