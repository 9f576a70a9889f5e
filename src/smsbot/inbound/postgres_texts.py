"""A text on PostgreSQL in two round trips (psycopg pipeline mode, server-side prepared statements).

1. BEGIN + one statement: lock the texter's row (creating it on a first text), insert the MessageSid
   row (the idempotency record), count the text's minute and day, and read its other counters.
2. After routing and the handler: the intent on the MessageSid row, the urgent or compliance counter,
   the texter's new state, COMMIT.

The texter's row lock orders the texts of one number: a counter read in trip 1 cannot move before
trip 2 writes it, and two deliveries of one MessageSid wait for each other, then one is a duplicate.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Connection

from smsbot.inbound import flood
from smsbot.inbound.texter_store import ALERT_SUBSCRIBER, TEXTER_COLUMNS, saved_values, texter_from_row
from smsbot.routing import Intent
from smsbot.turn import Texter

_COLUMNS = ", ".join(TEXTER_COLUMNS)
LOAD = f"""
WITH existing AS (
    SELECT {_COLUMNS} FROM contact WHERE phone_index = %(phone_index)s FOR UPDATE
), created AS (
    INSERT INTO contact (phone_index, language, opted_out_at, created_at, last_seen_at)
    SELECT %(phone_index)s, 'en',
        (SELECT opted_out_at FROM suppression WHERE phone_index = %(phone_index)s), %(now)s, %(now)s
    WHERE NOT EXISTS (SELECT FROM existing)
    ON CONFLICT (phone_index) DO NOTHING
    RETURNING {_COLUMNS}
), texter AS (
    SELECT * FROM existing UNION ALL SELECT * FROM created
), message AS (
    INSERT INTO inbound_message (message_sid, contact_id, received_at, intent, language)
    SELECT %(message_sid)s, id, %(now)s, 'received', language FROM texter
    ON CONFLICT (message_sid) DO NOTHING
    RETURNING id
), counted AS (
    INSERT INTO inbound_counter (phone_index, bucket, count, expires_at)
    SELECT %(phone_index)s, w.bucket, 1, w.expires_at
    FROM (VALUES (%(minute)s, %(minute_ends)s::timestamptz), (%(day)s, %(day_ends)s::timestamptz))
        AS w (bucket, expires_at)
    CROSS JOIN message
    ON CONFLICT (phone_index, bucket) DO UPDATE SET count = inbound_counter.count + 1
    RETURNING bucket, count
)
SELECT texter.*,
    {ALERT_SUBSCRIBER.format(id="texter.id")},
    (SELECT id FROM message),
    (SELECT count FROM counted WHERE bucket = %(minute)s),
    (SELECT count FROM counted WHERE bucket = %(day)s),
    (SELECT json_object_agg(bucket, count) FROM inbound_counter
        WHERE phone_index = %(phone_index)s AND bucket = ANY(%(others)s))
FROM texter
"""
_STORE_INTENT = "UPDATE inbound_message SET intent = %(intent)s, language = %(language)s WHERE id = %(id)s"
_COUNT_MORE = (
    "INSERT INTO inbound_counter (phone_index, bucket, count, expires_at) VALUES {values}"
    " ON CONFLICT (phone_index, bucket) DO UPDATE SET count = inbound_counter.count + 1"
)
_SAVED = ("language", "opted_out_at", "last_seen_at", "menu_sent_on")
_CONVERSATION = ("conversation", "conversation_expires_at")


@lru_cache(maxsize=16)
def save_sql(more: int, state: bool, conversation: bool) -> str:
    """Round trip 2's one statement: the intent, `more` counters, and the texter's state unless FORGET
    took it (each variant is prepared once per connection)."""
    parts = [f"stored AS ({_STORE_INTENT})"]
    if more:
        values = ", ".join(f"(%(phone_index)s, %(b{i})s, 1, %(e{i})s::timestamptz)" for i in range(more))
        parts.append(f"counted AS ({_COUNT_MORE.format(values=values)})")
    if not state:
        return f"WITH {', '.join(parts)} SELECT 1"
    fields = _SAVED + (_CONVERSATION if conversation else ())
    assignments = ", ".join(f"{name} = %(b_{name})s" for name in fields)
    return f"WITH {', '.join(parts)} UPDATE contact SET {assignments} WHERE id = %(b_id)s"


def counted_now(
    now: datetime,
    kind: flood.TextClass,
    intent: Intent,
    minute_and_day: tuple[int, int],
    others: dict[str, int],
) -> tuple[flood.Counts, list[tuple[str, str, datetime]]]:
    """The text's counts, from the minute and day counted when it was loaded and the other buckets read
    then, and the buckets still to count in (field, key, expiry), written when the text is saved."""
    counts = dict(zip(("minute", "day"), minute_and_day, strict=True))
    more = flood.windows(now).buckets(kind, intent)[2:]
    for field, key, _ in more:
        # The row lock on the texter keeps this number's counters still until our COMMIT.
        counts[field] = others.get(key, 0) + 1
    return flood.Counts(**counts), more


class PostgresTexts:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._driver = conn.connection.driver_connection
        self._begun = False
        self._now: datetime | None = None
        self._phone_index = ""
        self._message_id: int | None = None
        self._counts: tuple[int, int] = (0, 0)
        self._others: dict[str, int] = {}
        self._message: dict[str, Any] = {}
        self._more: list[tuple[str, str, datetime]] = []

    def begin(self) -> None:
        self._driver.execute("BEGIN")
        self._begun = True

    def load(self, message_sid: str, phone_index: str, now: datetime) -> Texter | None:
        self._now, self._phone_index = now, phone_index
        windows = flood.windows(now)
        params = {
            "phone_index": phone_index,
            "message_sid": message_sid,
            "now": now,
            "minute": windows.minute,
            "minute_ends": windows.minute_ends,
            "day": windows.day,
            "day_ends": windows.day_ends,
            "others": windows.beyond_minute_and_day(),
        }
        cursor = self._driver.cursor()
        with self._driver.pipeline():  # one round trip: BEGIN and the statement
            if not self._begun:
                cursor.execute("BEGIN", prepare=False)
            cursor.execute(LOAD, params, prepare=True)
        self._begun = True
        row = cursor.fetchone()
        if row is None:
            # Another first text from this number created the row between our look and our insert
            # (ON CONFLICT DO NOTHING waited for it): this statement did nothing; again, it finds the row.
            row = cursor.execute(LOAD, params, prepare=True).fetchone()
        *texter_row, self._message_id, minute, day, others = row
        if self._message_id is None:
            return None
        self._counts, self._others = (minute, day), others or {}
        return texter_from_row(phone_index, texter_row, now)

    def count(self, kind: flood.TextClass, intent: Intent, language: str) -> flood.Counts | None:
        assert self._now is not None
        self._message = {"id": self._message_id, "intent": intent.value, "language": language}
        counts, self._more = counted_now(self._now, kind, intent, self._counts, self._others)
        return counts

    def save(self, texter: Texter, *, conversation_changed: bool) -> None:
        assert self._now is not None
        params: dict[str, Any] = {**self._message, "phone_index": self._phone_index}
        for i, (_, key, expires_at) in enumerate(self._more):
            params[f"b{i}"], params[f"e{i}"] = key, expires_at
        if not texter.forgotten:
            params.update(saved_values(texter, self._now, conversation_changed=conversation_changed))
        sql = save_sql(len(self._more), not texter.forgotten, conversation_changed)
        cursor = self._driver.cursor()
        with self._driver.pipeline():  # one round trip: the writes and COMMIT
            cursor.execute(sql, params, prepare=True)
            cursor.execute("COMMIT", prepare=False)

    def discard(self) -> None:
        # A known MessageSid inserted nothing and counted nothing: COMMIT only releases the row lock
        # (and keeps a texter row created for it, which the first delivery would have created too).
        # A ROLLBACK would make psycopg drop every prepared statement: another round trip, then Parse.
        self._driver.execute("COMMIT", prepare=False)
