"""The second factor: time-based one-time codes (TOTP, RFC 6238, via pyotp) from an authenticator app.

Required for admins, available to peers. The secret is stored encrypted (AES-GCM under a key
derived from the master secret, bound to the staff id); a code is accepted once (the last used
time step is kept), within one 30-second step either side for clock drift.
"""

from __future__ import annotations

import hmac
import os
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from smsbot.auth.security import derived_key
from smsbot.config import Settings
from smsbot.models import Staff

staff_table = Staff.__table__
NONCE_BYTES = 12
STEP_SECONDS = 30
DRIFT_STEPS = 1


def _aad(staff_id: int) -> bytes:
    return f"staff-totp:{staff_id}".encode()


def encrypt_secret(settings: Settings, staff_id: int, secret: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    key = derived_key(settings, "staff-totp")
    return nonce + AESGCM(key).encrypt(nonce, secret.encode(), _aad(staff_id))


def decrypt_secret(settings: Settings, staff_id: int, blob: bytes) -> str:
    key = derived_key(settings, "staff-totp")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(staff_id)).decode()
    except InvalidTag:
        if settings.previous_master_key is None:
            raise
    # Not yet re-encrypted by `smsbot keys rotate`: still under the previous master key.
    key = derived_key(settings, "staff-totp", settings.previous_master_key)
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(staff_id)).decode()


def clean_code(code: str | None) -> str:
    return "".join((code or "").split())


def matching_step(secret: str, code: str, now: datetime, after_step: int | None) -> int | None:
    """The time step a correct, unused code belongs to, or None."""
    code = clean_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    import pyotp  # here, not at import: a web process seldom needs it (memory, issue 14)

    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after_step is not None and step <= after_step:
            continue  # a code is good once: a watched or replayed code opens nothing
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def pending_secret(conn: Connection, settings: Settings, staff_id: int) -> str:
    """The secret being set up (made and stored on first call; the same until confirmed)."""
    row = conn.execute(
        select(staff_table.c.totp_ciphertext, staff_table.c.totp_confirmed_at).where(
            staff_table.c.id == staff_id
        )
    ).one()
    if row.totp_ciphertext is not None and row.totp_confirmed_at is None:
        return decrypt_secret(settings, staff_id, row.totp_ciphertext)
    import pyotp

    secret = pyotp.random_base32()
    conn.execute(
        update(staff_table)
        .where(staff_table.c.id == staff_id)
        .values(
            totp_ciphertext=encrypt_secret(settings, staff_id, secret),
            totp_confirmed_at=None,
            totp_last_step=None,
        )
    )
    return secret


def setup_uri(secret: str, account_name: str, issuer: str) -> str:
    """The otpauth:// link an authenticator app reads. It holds the secret: shown to its owner only,
    never logged, never sent anywhere (the QR code is drawn here, not by a web service)."""
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The set-up link as a QR code, an inline SVG element (no image request, no script)."""
    import segno

    svg = segno.make(uri, error="m").svg_inline(
        scale=1, border=4, dark="#000", light="#fff", title=title, svgclass="qr", omitsize=True
    )
    return svg.replace("<svg ", '<svg role="img" shape-rendering="crispEdges" ', 1)


def confirm_setup(conn: Connection, settings: Settings, staff_id: int, code: str, now: datetime) -> bool:
    """Turn the second factor on once the owner types a code from the new secret."""
    secret = pending_secret(conn, settings, staff_id)
    step = matching_step(secret, code, now, None)
    if step is None:
        return False
    conn.execute(
        update(staff_table)
        .where(staff_table.c.id == staff_id)
        .values(totp_confirmed_at=now, totp_last_step=step)
    )
    return True


def verify(conn: Connection, settings: Settings, staff_id: int, code: str, now: datetime) -> bool:
    """Check a sign-in code against the confirmed secret, and use it up."""
    row = conn.execute(
        select(staff_table.c.totp_ciphertext, staff_table.c.totp_last_step, staff_table.c.totp_confirmed_at)
        .where(staff_table.c.id == staff_id)
        .with_for_update()
    ).one()
    if row.totp_ciphertext is None or row.totp_confirmed_at is None:
        return False
    secret = decrypt_secret(settings, staff_id, row.totp_ciphertext)
    step = matching_step(secret, code, now, row.totp_last_step)
    if step is None:
        return False
    conn.execute(update(staff_table).where(staff_table.c.id == staff_id).values(totp_last_step=step))
    return True
