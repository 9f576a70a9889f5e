"""Per-number flood limits: what class a text is, its counters, and what a busy number still gets.

Information replies stop past SMSBOT_RATE_LIMIT_PER_MINUTE / _PER_DAY. A text that may be a life at
risk or a check-in answer is always carried out and answered, under a ceiling only a machine loop
reaches. Compliance words are always carried out; their replies are limited so no auto-responder loops.
Rows live in `inbound_counter` until their window ends (worker/retention.py deletes them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from smsbot.db import Prepared
from smsbot.routing import Intent

# A person in a crisis types a text every few seconds at most (well under 15 a minute); 30 a minute
# can only be a machine, e.g. an echo bot repeating our "call 911" reply. 100 a day bounds such a loop
# to 100 replies while staying far above any crisis conversation (the info limit is 30 a day).
URGENT_PER_MINUTE = 30
URGENT_PER_DAY = 100
# STOP / START / FORGET: the first of each word in an hour is answered; one that changed the number's
# state (opted out, opted back in) is answered up to 3 times an hour. "25 x START" gets one reply.
COMPLIANCE_REPLIES_PER_HOUR = 1
COMPLIANCE_CHANGES_PER_HOUR = 3

# Using alone is not an emergency yet, but nobody else is there to call 911: never flood-silenced.
URGENT_INTENTS = frozenset({Intent.EMERGENCY, Intent.DISTRESS, Intent.USING_ALONE, Intent.HELP, Intent.CALL})
COMPLIANCE_INTENTS = frozenset({Intent.OPT_OUT, Intent.OPT_IN, Intent.FORGET})


class TextClass(StrEnum):
    INFO = "info"  # topics, menus, anything else: limited per minute and per day
    URGENT = "urgent"  # emergency, distress, HELP, CALL, check-in answers: always answered below the ceiling
    COMPLIANCE = "compliance"  # STOP, START, FORGET: always carried out, replies limited


def classify(intent: Intent, *, checkin_open: bool) -> TextClass:
    if intent in COMPLIANCE_INTENTS:
        return TextClass.COMPLIANCE
    # While a check-in waits, any text is (also) its answer: never flood-silenced.
    if intent in URGENT_INTENTS or checkin_open:
        return TextClass.URGENT
    return TextClass.INFO


@dataclass(frozen=True)
class Counts:
    """This text's place in each of its windows (1 = the first text of the window)."""

    minute: int
    day: int
    urgent_minute: int = 0
    urgent_day: int = 0
    word_hour: int = 0  # compliance words: this word's count this hour

    def flooding(self, per_minute: int, per_day: int) -> bool:
        return self.minute > per_minute or self.day > per_day

    def looping(self) -> bool:
        return self.urgent_minute > URGENT_PER_MINUTE or self.urgent_day > URGENT_PER_DAY

    def compliance_reply_allowed(self, *, changed_state: bool) -> bool:
        limit = COMPLIANCE_CHANGES_PER_HOUR if changed_state else COMPLIANCE_REPLIES_PER_HOUR
        return self.word_hour <= limit


def _buckets(kind: TextClass, intent: Intent, now: datetime) -> list[tuple[str, str, datetime]]:
    """(field, bucket key, expiry) for each window this text counts in; clock-aligned, UTC."""
    now = now.astimezone(UTC)
    minute = now.replace(second=0, microsecond=0)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day_key, minute_key = day.strftime("%Y-%m-%d"), minute.strftime("%Y-%m-%dT%H:%M")
    # Day rows expire at the end of the day: the counts outlive FORGET for the day, then go.
    rows = [
        ("minute", f"m:{minute_key}", minute + timedelta(minutes=1)),
        ("day", f"d:{day_key}", day + timedelta(days=1)),
    ]
    if kind is TextClass.URGENT:
        rows.append(("urgent_minute", f"um:{minute_key}", minute + timedelta(minutes=1)))
        rows.append(("urgent_day", f"ud:{day_key}", day + timedelta(days=1)))
    elif kind is TextClass.COMPLIANCE:
        hour = now.replace(minute=0, second=0, microsecond=0)
        rows.append(("word_hour", f"c:{intent.value}:{hour:%Y-%m-%dT%H}", hour + timedelta(hours=1)))
    return rows


_VALUES = "(:phone_index, :b{i}, 1, CAST(:e{i} AS {stamp}))"
_UPSERT_TAIL = (
    " ON CONFLICT (phone_index, bucket) DO UPDATE SET count = inbound_counter.count + 1"
    " RETURNING bucket, count"
)


def _sqlite_upsert(n: int) -> Prepared:
    values = ", ".join(_VALUES.format(i=i, stamp="TEXT") for i in range(n))
    sql = (
        f"INSERT INTO inbound_counter (phone_index, bucket, count, expires_at) VALUES {values}{_UPSERT_TAIL}"
    )
    return Prepared(lambda _: text(sql))


def _postgres_store_and_upsert(n: int) -> Prepared:
    # One round trip: the MessageSid row and the counters together. A redelivered MessageSid inserts
    # nothing in `msg`, so the join is empty and no counter moves: no rows back means "duplicate".
    values = ", ".join(_VALUES.format(i=i, stamp="TIMESTAMP WITH TIME ZONE") for i in range(n))
    sql = (
        "WITH msg AS (INSERT INTO inbound_message (message_sid, contact_id, received_at, intent, language)"
        " VALUES (:message_sid, :contact_id, :received_at, :intent, :language)"
        " ON CONFLICT (message_sid) DO NOTHING RETURNING id)"
        " INSERT INTO inbound_counter (phone_index, bucket, count, expires_at)"
        " SELECT v.phone_index, v.bucket, v.count, v.expires_at"
        f" FROM (VALUES {values}) AS v (phone_index, bucket, count, expires_at) CROSS JOIN msg"
        f"{_UPSERT_TAIL}"
    )
    return Prepared(lambda _: text(sql))


_SQLITE_UPSERTS = {n: _sqlite_upsert(n) for n in (2, 3, 4)}
_POSTGRES_STATEMENTS = {n: _postgres_store_and_upsert(n) for n in (2, 3, 4)}


def store_and_count(
    conn: Connection,
    store_message: Prepared,
    message: Mapping[str, Any],
    *,
    phone_index: str,
    kind: TextClass,
    intent: Intent,
    now: datetime,
) -> Counts | None:
    """Insert the MessageSid row and count the text in each window, atomically (INSERT ... ON CONFLICT
    DO UPDATE ... RETURNING: parallel texts from one number never lose a count). None = seen before."""
    buckets = _buckets(kind, intent, now)
    params: dict[str, Any] = {"phone_index": phone_index}
    for i, (_, key, expires_at) in enumerate(buckets):
        params[f"b{i}"], params[f"e{i}"] = key, expires_at
    if conn.dialect.name == "postgresql":
        rows = _POSTGRES_STATEMENTS[len(buckets)].run(conn, {**message, **params}).fetchall()
        if not rows:
            return None
    else:
        if store_message.run(conn, message).fetchone() is None:
            return None
        rows = _SQLITE_UPSERTS[len(buckets)].run(conn, params).fetchall()
    by_key = dict(rows)
    return Counts(**{field: int(by_key[key]) for field, key, _ in buckets})
