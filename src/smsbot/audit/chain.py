"""The audit log's hash chain: each row carries an HMAC of its own fields and the previous row's hash.

The key derives from the master secret, so someone who can write to the database but does not hold
the secret cannot rewrite history and re-seal it. `verify` walks the chain in order and reports any
gap (a missing position), change (a hash that no longer matches) or insertion (a row out of chain).
Writers are serialised (a transaction-scoped advisory lock on PostgreSQL; SQLite has one writer), so
the chain never forks; the unique index on `seq` would refuse a fork anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from smsbot.clock import as_utc

GENESIS = "0" * 64
CHAIN_LOCK = 727275  # pg_advisory_xact_lock id for audit writers (727274 is the migration lock)
FIELDS = ("seq", "at", "actor_id", "action", "object_type", "object_id", "detail")


def chain_key(master_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"smsbot/audit/v1", info=b"audit-chain").derive(
        master_key
    )


def _moment(value: datetime | str) -> str:
    if isinstance(value, str):  # a raw SQLite read (migrations) gives the stored text
        value = datetime.fromisoformat(value)
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%f")


def digest(key: bytes, previous: str, row: Any) -> str:
    """The row's chain hash: HMAC-SHA256 over the previous hash and the row's fields, canonically."""
    values = [getattr(row, name) if not isinstance(row, dict) else row[name] for name in FIELDS]
    values[1] = _moment(values[1])
    message = json.dumps([previous, *values], separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def lock_and_head(conn: Connection, table: Any) -> tuple[int, str]:
    """Take the writers' lock (until the transaction ends) and read the chain's head: (seq, hash)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
    head = conn.execute(
        select(table.c.seq, table.c.chain_hash)
        .where(table.c.seq.is_not(None))
        .order_by(table.c.seq.desc())
        .limit(1)
    ).first()
    return (head.seq, head.chain_hash) if head else (0, GENESIS)


@dataclass
class Report:
    rows: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(rows: Iterable[Any], keys: list[bytes]) -> Report:
    """Walk rows in chain order (by seq, unchained rows last); any of `keys` may have sealed a row."""
    report = Report()
    previous, expected_seq = GENESIS, 1
    for row in rows:
        report.rows += 1
        if row.seq is None or row.chain_hash is None:
            report.problems.append(f"row id {row.id} is outside the chain (inserted around the application)")
            continue
        if row.seq != expected_seq:
            kind = "missing" if row.seq > expected_seq else "repeated"
            report.problems.append(f"gap: position {expected_seq} is {kind} (next is {row.seq}, id {row.id})")
        if not any(hmac.compare_digest(digest(key, previous, row), row.chain_hash) for key in keys):
            report.problems.append(
                f"position {row.seq} (id {row.id}) does not match: it, or the row before it, was changed"
            )
        previous, expected_seq = row.chain_hash, row.seq + 1
        report.head_seq, report.head_hash = row.seq, row.chain_hash
    return report


def verify(conn: Connection, table: Any, keys: list[bytes]) -> Report:
    rows = conn.execute(
        select(table)
        .order_by(table.c.seq.is_(None), table.c.seq, table.c.id)
        .execution_options(yield_per=1000)
    )
    return check(rows, keys)
