"""Alert notes at rest: what a peer wrote about a person when acknowledging an alert is free text, so it
is kept encrypted (AES-256-GCM under the vault's key, bound to its alert) and deleted after
SMSBOT_RETENTION_DAYS, as check-in answers are (worker/retention.py calls `purge`)."""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import update
from sqlalchemy.engine import Connection

from smsbot.alerts.views import AlertView
from smsbot.models import Alert
from smsbot.privacy import NONCE_BYTES, PhoneVault

alert = Alert.__table__


def _aad(alert_id: int) -> bytes:
    # Binds the ciphertext to its alert: copied onto another row it will not decrypt.
    return f"alert-note:{alert_id}".encode()


def seal(vault: PhoneVault, alert_id: int, text: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(vault.encryption_key).encrypt(nonce, text.encode(), _aad(alert_id))


def opened(vault: PhoneVault, alert_id: int, blob: bytes | None) -> str | None:
    """The note, under the current key or (during a key rotation) the previous one; None if neither
    opens it (the page then shows no note rather than failing)."""
    if not blob:
        return None
    blob = bytes(blob)
    for key in vault.encryption_keys:
        try:
            return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(alert_id)).decode()
        except InvalidTag:
            continue
    return None


def shown(view: AlertView, vault: PhoneVault | None) -> AlertView:
    """The view with its note readable (for those allowed to see the alert at all)."""
    if view.sealed_note is None or vault is None:
        return view
    return dataclasses.replace(view, note=opened(vault, view.id, view.sealed_note), sealed_note=None)


def purge(conn: Connection, cutoff: datetime) -> int:
    """Delete the notes of alerts acknowledged before `cutoff`; the outcome (a fixed word) stays."""
    return conn.execute(
        update(alert)
        .where(alert.c.acked_at < cutoff, alert.c.note_ciphertext.is_not(None))
        .values(note_ciphertext=None)
    ).rowcount
