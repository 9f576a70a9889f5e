"""A participant's answer to a check-in: OK, CALL, HELP, or any text (kept encrypted, for a while).
A reply counts for the latest check-in waiting for an answer; older ones still waiting are closed
as superseded (the person has answered), and any reminder not yet sent is cancelled.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from smsbot.checkins.moves import move_checkins
from smsbot.checkins.states import OPEN, WAITING, CheckinStatus
from smsbot.models import Checkin, Contact, Enrollment
from smsbot.outbound import outbox
from smsbot.privacy import NONCE_BYTES, PhoneVault

checkin = Checkin.__table__
contact = Contact.__table__
MAX_ANSWER_CHARS = 480


def _aad(checkin_id: int) -> bytes:
    # Binds the ciphertext to its check-in: copied onto another row it will not decrypt.
    return f"checkin-answer:{checkin_id}".encode()


def encrypt_answer(vault: PhoneVault, checkin_id: int, text: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(vault.encryption_key).encrypt(nonce, text.encode(), _aad(checkin_id))


def decrypt_answer(vault: PhoneVault, checkin_id: int, blob: bytes) -> str:
    for key in vault.encryption_keys[:-1]:  # during a key rotation the answer may be under either key
        try:
            return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(checkin_id)).decode()
        except InvalidTag:
            pass
    key = vault.encryption_keys[-1]
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(checkin_id)).decode()


def answer_checkin(
    conn: Connection,
    checkin_id: int,
    now: datetime,
    kind: str,
    *,
    vault: PhoneVault | None = None,
    text: str | None = None,
    retention_days: int = 7,
) -> int | None:
    """Record the answer; returns the enrollment id, or None if that check-in takes no answer now."""
    values: dict = {
        "answered_at": now,
        "answer_kind": kind,
        "next_action_at": None,
    }
    if text and vault is not None:
        values["answer_ciphertext"] = encrypt_answer(vault, checkin_id, text[:MAX_ANSWER_CHARS])
        values["answer_purge_at"] = now + timedelta(days=retention_days)
    answered = move_checkins(
        conn,
        checkin.c.id == checkin_id,
        CheckinStatus.ANSWERED,
        olds=OPEN,
        returning=checkin.c.enrollment_id,
        **values,
    )
    if not answered:
        return None
    enrollment_id = answered[0]
    move_checkins(
        conn,
        (checkin.c.enrollment_id == enrollment_id) & (checkin.c.id < checkin_id),
        CheckinStatus.SUPERSEDED,
        olds=WAITING,
        next_action_at=None,
    )
    outbox.cancel_queued(conn, checkin_id=checkin_id)
    conn.execute(update(contact).where(contact.c.open_checkin_id == checkin_id).values(open_checkin_id=None))
    return enrollment_id


def answered_at(conn: Connection, contact_id: int | None, when: datetime) -> bool:
    """Whether this contact answered a check-in at `when` (this very turn, for a second handler)."""
    if contact_id is None:
        return False
    return (
        conn.execute(
            select(checkin.c.id)
            .select_from(
                checkin.join(Enrollment.__table__, Enrollment.__table__.c.id == checkin.c.enrollment_id)
            )
            .where(
                Enrollment.__table__.c.contact_id == contact_id,
                checkin.c.answered_at == when,
                checkin.c.status == CheckinStatus.ANSWERED.value,
            )
            .limit(1)
        ).first()
        is not None
    )
