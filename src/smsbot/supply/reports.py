"""Anonymous reports of a bad batch: stored without a number, their answers encrypted, a few a day per
number. The only link to the reporter is `reporter_hash`, a keyed hash of the number and the day:
enough to count today's reports, useless for telling two days' reports from one person apart.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from smsbot.models import SupplyReport
from smsbot.privacy import NONCE_BYTES, PhoneVault
from smsbot.supply.areas import place
from smsbot.supply.states import ReportStatus

report = SupplyReport.__table__
STEPS = ("what", "happened", "where", "when")
MAX_PER_DAY = 3
MAX_ANSWER_CHARS = 480
_ZIP_IN_TEXT = re.compile(r"(?<!\d)(\d{5})(?!\d)")


def reporter_hash(vault: PhoneVault, e164: str, now: datetime) -> str:
    return vault.keyed_hash(f"{e164}|{now.date().isoformat()}", "supply_report")


def reports_today(conn: Connection, key: str) -> int:
    return conn.execute(
        select(func.count()).select_from(report).where(report.c.reporter_hash == key)
    ).scalar()


def _aad(report_id: int) -> bytes:
    return f"supply-report:{report_id}".encode()  # a ciphertext copied to another row will not open


def encrypt_answers(vault: PhoneVault, report_id: int, answers: dict[str, str]) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    data = json.dumps(answers, ensure_ascii=False).encode()
    return nonce + AESGCM(vault.encryption_key).encrypt(nonce, data, _aad(report_id))


def decrypt_answers(vault: PhoneVault, report_id: int, blob: bytes | None) -> dict[str, str]:
    if not blob:
        return {}
    for key in vault.encryption_keys:  # during a key rotation, either key
        try:
            plain = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(report_id))
            return json.loads(plain)
        except InvalidTag:
            continue
    return {}  # under neither key: shown as empty, never guessed at


def zip_in(text: str) -> str | None:
    """A known ZIP named in a "where" answer ("near 22902", "22903 by the park")."""
    for found in _ZIP_IN_TEXT.findall(text):
        if place(found) is not None:
            return found
    return None


def save_answer(
    conn: Connection,
    vault: PhoneVault,
    *,
    report_id: int | None,
    key: str,
    step: str,
    text: str,
    language: str,
    now: datetime,
    retention_days: int,
) -> int:
    """Add one answer (the row is created at the first one); returns the report's id."""
    text = text.strip()[:MAX_ANSWER_CHARS]
    if report_id is None:
        report_id = conn.execute(
            report.insert()
            .values(
                reporter_hash=key,
                language=language,
                status=ReportStatus.NEW.value,
                steps_answered=0,
                created_at=now,
                updated_at=now,
                purge_at=now + timedelta(days=retention_days),
            )
            .returning(report.c.id)
        ).scalar_one()
    row = conn.execute(select(report.c.answers_ciphertext).where(report.c.id == report_id)).first()
    if row is None:  # purged or deleted under us: start a new one
        return save_answer(
            conn, vault, report_id=None, key=key, step=step, text=text, language=language, now=now,
            retention_days=retention_days,
        )  # fmt: skip
    answers = decrypt_answers(vault, report_id, row.answers_ciphertext)
    answers[step] = f"{answers[step]} / {text}" if answers.get(step) else text
    values = {
        "answers_ciphertext": encrypt_answers(vault, report_id, answers),
        "steps_answered": sum(1 for name in STEPS if answers.get(name)),
        "updated_at": now,
    }
    found = zip_in(text) if step in ("opening", "where") else None
    if found:
        values["area_zip"] = found
    conn.execute(update(report).where(report.c.id == report_id).values(**values))
    return report_id
