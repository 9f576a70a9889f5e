"""PostgreSQL texts in batches: the texts that arrived together share one transaction and two round trips.

1. BEGIN + one statement for the whole batch: lock every texter's row in phone_index order (creating the
   rows of first texts), insert each MessageSid row, count each text's minute and day, read the rest.
2. After routing and every handler: all intents, further counters and texters' states + COMMIT.

Only one text of a number goes in a batch (its row state moves with each text): the next waits for the
next batch. Whatever fails (a handler, a statement, the COMMIT) rolls the whole batch back; its texts are
then handled again one at a time, each in a transaction of its own (postgres_texts.py), so a text that
fails is refused alone, the others are answered, and nothing is ever half-written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from smsbot.context import AppContext
from smsbot.inbound import flood
from smsbot.inbound.postgres_texts import counted_now
from smsbot.inbound.service import InboundText, Outcome, texter_key
from smsbot.inbound.texter_store import TEXTER_COLUMNS, saved_values, texter_from_row
from smsbot.replies.wording import Wording
from smsbot.routing import Intent
from smsbot.turn import Texter

log = logging.getLogger(__name__)
Handler = Callable[..., Outcome]  # service.handle_text(ctx, wording, message, conn=..., store=...)

_COLUMNS = ", ".join(TEXTER_COLUMNS)
# Both statements are prepared once per connection and run on a generic plan (no planning per batch:
# planning LOAD_MANY took longer than running it). A generic plan cannot know how long the arrays are,
# so every table is reached by an index, row by row: `= ANY(array)`, a subquery per row or an ON
# CONFLICT, never a join against the arrays (planned for 100 rows, that became a whole-table scan).
#
# Rows are locked in phone_index order and created in that order too: two batches never wait for
# each other in a circle (a deadlock would cost a second and the batch's second try).
LOAD_MANY = f"""
WITH input AS (
    SELECT * FROM unnest(%(phone_index)b::text[], %(message_sid)b::text[]) AS i (phone_index, message_sid)
), existing AS (
    SELECT phone_index, {_COLUMNS} FROM contact WHERE phone_index = ANY(%(phone_index)b::text[])
    ORDER BY phone_index FOR UPDATE
), created AS (
    INSERT INTO contact (phone_index, language, opted_out_at, created_at, last_seen_at)
    SELECT i.phone_index, 'en',
        (SELECT s.opted_out_at FROM suppression s WHERE s.phone_index = i.phone_index), %(now)s, %(now)s
    FROM input i
    WHERE NOT EXISTS (SELECT FROM existing e WHERE e.phone_index = i.phone_index)
    ORDER BY i.phone_index
    ON CONFLICT (phone_index) DO NOTHING
    RETURNING phone_index, {_COLUMNS}
), texter AS (
    SELECT * FROM existing UNION ALL SELECT * FROM created
), message AS (
    INSERT INTO inbound_message (message_sid, contact_id, received_at, intent, language)
    SELECT i.message_sid, t.id, %(now)s, 'received', t.language
    FROM input i JOIN texter t ON t.phone_index = i.phone_index
    ON CONFLICT (message_sid) DO NOTHING
    RETURNING id, contact_id
), counted AS (
    INSERT INTO inbound_counter (phone_index, bucket, count, expires_at)
    SELECT t.phone_index, w.bucket, 1, w.expires_at
    FROM message m JOIN texter t ON t.id = m.contact_id
    CROSS JOIN (VALUES (%(minute)s, %(minute_ends)s::timestamptz), (%(day)s, %(day_ends)s::timestamptz))
        AS w (bucket, expires_at)
    ON CONFLICT (phone_index, bucket) DO UPDATE SET count = inbound_counter.count + 1
    RETURNING phone_index, bucket, count
)
SELECT t.*,
    (SELECT true FROM supply_subscriber a WHERE a.contact_id = t.id LIMIT 1) IS NOT NULL,
    m.id,
    (SELECT c.count FROM counted c WHERE c.phone_index = t.phone_index AND c.bucket = %(minute)s),
    (SELECT c.count FROM counted c WHERE c.phone_index = t.phone_index AND c.bucket = %(day)s),
    (SELECT json_object_agg(ic.bucket, ic.count) FROM inbound_counter ic
        WHERE ic.phone_index = t.phone_index AND ic.bucket = ANY(%(others)b::text[]))
FROM texter t LEFT JOIN message m ON m.contact_id = t.id
"""
# Each row finds its own values by its place in the arrays (array_position): no join to plan. Arrays go
# in binary (`%(name)b`): psycopg's text form escapes each element with a regular expression.
_MESSAGE_AT = "array_position(%(m_id)b::bigint[], inbound_message.id::bigint)"
_TEXTER_AT = "array_position(%(t_id)b::bigint[], contact.id::bigint)"
SAVE_MANY = f"""
WITH stored AS (
    UPDATE inbound_message SET
        intent = (%(m_intent)b::text[])[{_MESSAGE_AT}],
        language = (%(m_language)b::text[])[{_MESSAGE_AT}]
    WHERE inbound_message.id = ANY(%(m_id)b::bigint[])
), counted AS (
    INSERT INTO inbound_counter (phone_index, bucket, count, expires_at)
    SELECT v.phone_index, v.bucket, 1, v.expires_at
    FROM unnest(%(c_phone_index)b::text[], %(c_bucket)b::text[], %(c_expires_at)b::timestamptz[])
        AS v (phone_index, bucket, expires_at)
    ON CONFLICT (phone_index, bucket) DO UPDATE SET count = inbound_counter.count + 1
)
UPDATE contact SET
    language = (%(t_language)b::text[])[{_TEXTER_AT}],
    opted_out_at = (%(t_opted_out_at)b::timestamptz[])[{_TEXTER_AT}],
    last_seen_at = %(now)s,
    menu_sent_on = (%(t_menu_sent_on)b::text[])[{_TEXTER_AT}],
    conversation = CASE WHEN (%(t_changed)b::boolean[])[{_TEXTER_AT}]
        THEN (%(t_conversation)b::text[])[{_TEXTER_AT}] ELSE contact.conversation END,
    conversation_expires_at = CASE WHEN (%(t_changed)b::boolean[])[{_TEXTER_AT}]
        THEN (%(t_expires_at)b::timestamptz[])[{_TEXTER_AT}] ELSE contact.conversation_expires_at END
WHERE contact.id = ANY(%(t_id)b::bigint[])
"""
# Both statements run on a generic plan, made (and remade after an ANALYZE) from the tables' statistics
# of that moment: on a new or young database the texters' table looks empty, a whole-table scan wins,
# and stays in the plan as the table grows (seen: a text's cost in PostgreSQL doubled within 15,000
# texts). So they are planned with whole-table scans off, and always go by the indexes. Only they are:
# the handlers' own statements in between plan as usual (set back to PostgreSQL's defaults).
_PLANNING = (
    "SELECT set_config('enable_seqscan', '{scans}', true), set_config('plan_cache_mode', '{plans}', true)"
)
_PLAN_BY_INDEX = _PLANNING.format(scans="off", plans="force_generic_plan")
_PLAN_AS_USUAL = _PLANNING.format(scans="on", plans="auto")
# A batch of information texts only (no check-in answer, emergency, STOP/START/FORGET or report, and no
# handler that ran a statement of its own) commits without waiting for the disk: what a crash of the
# database in the next ~0.6 s could lose is that its replies were counted and that a texter was asked
# for a ZIP or switched language, never anything a person or a peer relies on. Every other batch waits.
_INFORMATION_ONLY = _PLAN_BY_INDEX + ", set_config('synchronous_commit', 'off', true)"
_SAVE_KEYS = [
    "m_id",
    "m_intent",
    "m_language",
    "c_phone_index",
    "c_bucket",
    "c_expires_at",
    "t_id",
    "t_language",
    "t_opted_out_at",
    "t_menu_sent_on",
    "t_changed",
    "t_conversation",
    "t_expires_at",
]
MAX_LOAD_TRIES = 3


@dataclass
class _Loaded:
    texter_row: tuple
    message_id: int | None
    minute_and_day: tuple[int, int]
    others: dict[str, int]


@dataclass
class PostgresBatch:
    """One batch's transaction: loaded together, handled one by one, saved together."""

    conn: Connection
    now: datetime
    loaded: dict[str, _Loaded] = field(default_factory=dict)
    information_only: bool = True  # every text an information text (flood.TextClass.INFO)
    always_wait: bool = False  # SMSBOT_INFO_COMMIT_WAITS: every batch waits for the disk
    statements_before: int = 0  # the connection's own statements when the handlers began
    saves: dict[str, list[Any]] = field(default_factory=lambda: {key: [] for key in _SAVE_KEYS})

    def load(self, keys: list[tuple[str, str]]) -> None:
        """BEGIN and lock, create, store and count every (phone_index, MessageSid), in one round trip."""
        driver = self.conn.connection.driver_connection
        cursor, settings = driver.cursor(), driver.cursor()
        with driver.pipeline():
            settings.execute("BEGIN", prepare=False)
            self._send_load(cursor, settings, keys)
        self._read(cursor)
        for _ in range(MAX_LOAD_TRIES):
            missing = [key for key in keys if key[0] not in self.loaded]
            if not missing:
                self.statements_before = self.conn.info.get("statements", 0)
                return
            # Another first text from such a number created its row between our look and our insert
            # (ON CONFLICT DO NOTHING waited for it): those are loaded again, and found this time.
            with driver.pipeline():
                self._send_load(cursor, settings, missing)
            self._read(cursor)
        raise RuntimeError("texters not loaded")  # the batch is handled again, text by text

    def _send_load(self, cursor, settings, keys: list[tuple[str, str]]) -> None:
        settings.execute(_PLAN_BY_INDEX, prepare=True)
        cursor.execute(LOAD_MANY, self._params(keys), prepare=True)  # its rows stay on `cursor`
        settings.execute(_PLAN_AS_USUAL, prepare=True)  # the handlers' own statements plan as usual

    def _params(self, keys: list[tuple[str, str]]) -> dict[str, Any]:
        ordered = sorted(keys)
        windows = flood.windows(self.now)
        return {
            "phone_index": [phone_index for phone_index, _ in ordered],
            "message_sid": [sid for _, sid in ordered],
            "now": self.now,
            "minute": windows.minute,
            "minute_ends": windows.minute_ends,
            "day": windows.day,
            "day_ends": windows.day_ends,
            "others": windows.beyond_minute_and_day(),
        }

    def _read(self, cursor) -> None:
        for phone_index, *texter_row, message_id, minute, day, others in cursor.fetchall():
            self.loaded[phone_index] = _Loaded(tuple(texter_row), message_id, (minute, day), others or {})

    def durable(self) -> bool:
        """Whether the COMMIT waits for the disk: unless every text was an information text and no
        handler ran a statement of its own (see _INFORMATION_ONLY)."""
        handlers_ran = self.conn.info.get("statements", 0) != self.statements_before
        return self.always_wait or handlers_ran or not self.information_only

    def store(self) -> BatchedText:
        return BatchedText(self)

    def commit(self) -> None:
        """Every text's writes and COMMIT, in one round trip."""
        driver = self.conn.connection.driver_connection
        cursor = driver.cursor()
        with driver.pipeline():
            planning = _PLAN_BY_INDEX if self.durable() else _INFORMATION_ONLY
            cursor.execute(planning, prepare=True)  # until COMMIT
            cursor.execute(SAVE_MANY, {**self.saves, "now": self.now}, prepare=True)
            cursor.execute("COMMIT", prepare=False)


class BatchedText:
    """inbound/service.py's TextStore for one text of a batch: what the batch loaded, saved with it."""

    def __init__(self, batch: PostgresBatch) -> None:
        self.batch = batch
        self.conn = batch.conn
        self._loaded: _Loaded | None = None
        self._phone_index = ""
        self._more: list[tuple[str, str, datetime]] = []

    def begin(self) -> None:
        pass  # the batch began it

    def load(self, message_sid: str, phone_index: str, now: datetime) -> Texter | None:
        self._phone_index, self._loaded = phone_index, self.batch.loaded[phone_index]
        if self._loaded.message_id is None:
            return None  # a MessageSid already stored: a redelivery
        return texter_from_row(phone_index, self._loaded.texter_row, self.batch.now)

    def count(self, kind: flood.TextClass, intent: Intent, language: str) -> flood.Counts | None:
        assert self._loaded is not None
        if kind is not flood.TextClass.INFO:
            self.batch.information_only = False
        saves = self.batch.saves
        saves["m_id"].append(self._loaded.message_id)
        saves["m_intent"].append(intent.value)
        saves["m_language"].append(language)
        counts, self._more = counted_now(
            self.batch.now, kind, intent, self._loaded.minute_and_day, self._loaded.others
        )
        return counts

    def save(self, texter: Texter, *, conversation_changed: bool) -> None:
        saves = self.batch.saves
        for _, key, expires_at in self._more:
            saves["c_phone_index"].append(self._phone_index)
            saves["c_bucket"].append(key)
            saves["c_expires_at"].append(expires_at)
        if texter.forgotten:
            return  # FORGET deleted the row: nothing more is written for this texter
        values = saved_values(texter, self.batch.now, conversation_changed=conversation_changed)
        saves["t_id"].append(values["b_id"])
        saves["t_language"].append(values["b_language"])
        saves["t_opted_out_at"].append(values["b_opted_out_at"])
        saves["t_menu_sent_on"].append(values["b_menu_sent_on"])
        saves["t_changed"].append(conversation_changed)
        saves["t_conversation"].append(values.get("b_conversation"))
        saves["t_expires_at"].append(values.get("b_conversation_expires_at"))

    def discard(self) -> None:
        pass  # the batch's COMMIT ends it: nothing was written for this text


def run_batch(
    ctx: AppContext, wording: Wording, texts: list[tuple[InboundText, Handler]]
) -> list[Outcome | BaseException]:
    """Every text's outcome (or the exception that refused it), in the order given."""
    results: list[Outcome | BaseException | None] = [None] * len(texts)
    if ctx.vault.previous is not None:  # a key rotation: each texter may first be moved (service.adopt)
        return [_alone(ctx, wording, message, handler) for message, handler in texts]
    keys = [texter_key(ctx, message) for message, _ in texts]  # once a text: a keyed hash each
    waiting = list(range(len(texts)))
    while waiting:
        taken: set[str] = set()
        now_part, later = [], []
        for position in waiting:
            key = keys[position]
            if key is not None and key in taken:
                later.append(position)  # this number's next text: the next batch, after this one's state
                continue
            if key is not None:
                taken.add(key)
            now_part.append((position, key))
        outcomes = _together(ctx, wording, texts, now_part)
        for (position, _), outcome in zip(now_part, outcomes, strict=True):
            results[position] = outcome
        waiting = later
    return results  # type: ignore[return-value]


def _together(
    ctx: AppContext,
    wording: Wording,
    texts: list,
    part: list[tuple[int, str | None]],
) -> list[Outcome | BaseException]:
    try:
        with ctx.db.inbound() as conn:  # an exception closes the connection: the server rolls back
            batch = PostgresBatch(conn, ctx.clock.now(), always_wait=ctx.settings.info_commit_waits)
            batch.load([(key, texts[position][0].message_sid) for position, key in part if key is not None])
            outcomes = [
                texts[position][1](ctx, wording, texts[position][0], conn=conn, store=batch.store())
                for position, _ in part
            ]
            batch.commit()
            return outcomes
    except Exception as exc:
        log.warning(
            "a batch of %d texts failed (%s): each is handled again alone", len(part), type(exc).__name__
        )
    return [_alone(ctx, wording, texts[position][0], texts[position][1]) for position, _ in part]


def _alone(
    ctx: AppContext, wording: Wording, message: InboundText, handler: Handler
) -> Outcome | BaseException:
    try:
        return handler(ctx, wording, message)
    except Exception as exc:
        return exc
