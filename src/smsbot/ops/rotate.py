"""`smsbot keys rotate`: everything stored under the previous master key moves to the current one.

Approach (no schema change): the vault reads with either key, so the running app keeps working while
this runs; each row is rewritten in place, in batches of one transaction each, in id order. A row that
already decrypts under the new key is skipped, so an interrupted run loses nothing and a second run
finishes the job. A number's lookup index moves with it in every table (keyring.move). Keyed hashes of
numbers we never stored (keyword-only texters, opt-outs after FORGET) cannot be recomputed: they move
when that number texts or is enrolled again, as long as SMSBOT_PREVIOUS_SECRET_KEY is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, Table, exists, func, or_, select, update
from sqlalchemy.engine import Connection

from smsbot.audit import log as audit
from smsbot.auth.security import derived_key
from smsbot.config import Settings
from smsbot.db import Database
from smsbot.keyring import move
from smsbot.models import Alert, Checkin, Contact, Staff, SupplyReport, Suppression
from smsbot.privacy import NONCE_BYTES, PhoneVault

contact = Contact.__table__
staff = Staff.__table__
checkin = Checkin.__table__
suppression = Suppression.__table__
alert = Alert.__table__
report = SupplyReport.__table__


@dataclass
class Counts:
    numbers: int = 0  # contacts and staff re-encrypted and re-indexed
    answers: int = 0  # sealed free text: check-in answers, alert notes, drug-supply reports
    second_factors: int = 0
    already: int = 0  # rows found under the new key (done by an earlier, interrupted run)
    unreadable: int = 0  # under neither key: reported, never guessed at
    batches: int = 0
    finished: bool = False
    index_only: int = 0  # rows known only by a keyed hash (see the module docstring)


# One batch of a rotation step: (conn, vault, counts, after id, batch size) -> last id, None when done.
Step = Callable[[Connection, PhoneVault, Counts, int, int], int | None]


def _opens(key: bytes, blob: bytes, aad: bytes) -> bool:
    try:
        AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
        return True
    except InvalidTag:
        return False


def _number(conn: Connection, vault: PhoneVault, counts: Counts, index: str, blob: bytes) -> None:
    if _opens(vault.encryption_key, blob, index.encode()):
        counts.already += 1
        return
    assert vault.previous is not None
    try:
        e164 = vault.previous.decrypt(blob, index)
    except InvalidTag:
        counts.unreadable += 1
        return
    move(conn, vault, e164, index)
    counts.numbers += 1


def _staff(conn: Connection, settings: Settings, vault: PhoneVault, counts: Counts) -> None:
    """Staff are few: phones and second-factor secrets move in one transaction."""
    new_totp = derived_key(settings, "staff-totp")
    old_totp = derived_key(settings, "staff-totp", settings.previous_master_key)
    for row in conn.execute(select(staff.c.id, staff.c.phone_index, staff.c.phone_ciphertext)).all():
        if row.phone_ciphertext is not None and row.phone_index:
            _number(conn, vault, counts, row.phone_index, bytes(row.phone_ciphertext))
    for row in conn.execute(
        select(staff.c.id, staff.c.totp_ciphertext).where(staff.c.totp_ciphertext.is_not(None))
    ).all():
        blob, aad = bytes(row.totp_ciphertext), f"staff-totp:{row.id}".encode()
        if _opens(new_totp, blob, aad):
            counts.already += 1
            continue
        try:
            secret = AESGCM(old_totp).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
        except InvalidTag:
            counts.unreadable += 1
            continue
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + AESGCM(new_totp).encrypt(nonce, secret, aad)
        conn.execute(update(staff).where(staff.c.id == row.id).values(totp_ciphertext=sealed))
        counts.second_factors += 1


def _contacts(conn: Connection, vault: PhoneVault, counts: Counts, after: int, size: int) -> int | None:
    rows = conn.execute(
        select(contact.c.id, contact.c.phone_index, contact.c.phone_ciphertext)
        .where(contact.c.id > after, contact.c.phone_ciphertext.is_not(None))
        .order_by(contact.c.id)
        .limit(size)
    ).all()
    for row in rows:
        _number(conn, vault, counts, row.phone_index, bytes(row.phone_ciphertext))
    return rows[-1].id if rows else None


# Free text sealed under the vault's key, bound to its row: (table, id column, blob column, AAD prefix).
# Check-in answers, alert notes and drug-supply reports' answers; a new sealed column belongs here.
SEALED = (
    (checkin, checkin.c.id, checkin.c.answer_ciphertext, "checkin-answer"),
    (alert, alert.c.id, alert.c.note_ciphertext, "alert-note"),
    (report, report.c.id, report.c.answers_ciphertext, "supply-report"),
)


def _sealed_step(table: Table, id_column: Column, blob_column: Column, prefix: str) -> Step:
    def step(conn: Connection, vault: PhoneVault, counts: Counts, after: int, size: int) -> int | None:
        rows = conn.execute(
            select(id_column, blob_column)
            .where(id_column > after, blob_column.is_not(None))
            .order_by(id_column)
            .limit(size)
        ).all()
        assert vault.previous is not None
        for row_id, stored in rows:
            blob, aad = bytes(stored), f"{prefix}:{row_id}".encode()
            if _opens(vault.encryption_key, blob, aad):
                counts.already += 1
                continue
            try:
                plain = AESGCM(vault.previous.encryption_key).decrypt(
                    blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad
                )
            except InvalidTag:
                counts.unreadable += 1
                continue
            nonce = os.urandom(NONCE_BYTES)
            sealed = nonce + AESGCM(vault.encryption_key).encrypt(nonce, plain, aad)
            conn.execute(update(table).where(id_column == row_id).values({blob_column.name: sealed}))
            counts.answers += 1
        return rows[-1][0] if rows else None

    return step


def _index_only(conn: Connection) -> int:
    """Keyword-only texters and opt-outs whose number we never kept (their hash can't be re-keyed)."""
    known = or_(
        exists().where(contact.c.phone_index == suppression.c.phone_index),
        exists().where(staff.c.phone_index == suppression.c.phone_index),
    )
    texters = conn.execute(
        select(func.count()).select_from(contact).where(contact.c.phone_ciphertext.is_(None))
    ).scalar_one()
    opt_outs = conn.execute(select(func.count()).select_from(suppression).where(~known)).scalar_one()
    return int(texters) + int(opt_outs)


def rotate(
    db: Database,
    settings: Settings,
    vault: PhoneVault,
    now: datetime,
    batch_size: int = 500,
    max_batches: int | None = None,
    progress: Callable[[Counts], None] | None = None,
) -> Counts:
    """Move every stored number, sealed free text (answers, notes, reports) and second-factor secret
    to the current key."""
    if vault.previous is None:
        raise ValueError("set SMSBOT_PREVIOUS_SECRET_KEY to the old key (and SMSBOT_SECRET_KEY to the new)")
    counts = Counts()
    with db.transaction() as conn:
        _staff(conn, settings, vault, counts)
    for step in (_contacts, *(_sealed_step(*sealed) for sealed in SEALED)):
        after = 0
        while True:
            if max_batches is not None and counts.batches >= max_batches:
                return counts  # test hook: stop as if killed between two batches
            with db.transaction() as conn:
                last = step(conn, vault, counts, after, batch_size)
            counts.batches += 1
            if progress:
                progress(counts)
            if last is None:
                break
            after = last
    with db.transaction() as conn:
        counts.index_only = _index_only(conn)
        detail = f"{counts.numbers} numbers, {counts.answers} answers, {counts.second_factors} second factors"
        audit.record(conn, now, None, "keys_rotated", None, None, detail)
    counts.finished = True
    return counts
