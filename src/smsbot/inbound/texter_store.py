"""The texter's row and the text's own rows on the hot path: load, count, save.

SQLite: a few statements under the write lock (no round trips to pay for). PostgreSQL: two round trips
a text (postgres_texts.py). Both answer the same questions in the same order, for inbound/service.py.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.engine import Connection

from smsbot.db import Prepared, utc_value
from smsbot.inbound import flood
from smsbot.models import Contact, InboundMessage, Suppression
from smsbot.routing import Intent
from smsbot.turn import CONVERSATION_TTL, Texter
from smsbot.upsert import insert_ignore_for

contact = Contact.__table__
suppression = Suppression.__table__
inbound_message = InboundMessage.__table__

# The columns a text needs, in this order (both databases).
TEXTER_COLUMNS = (
    "id",
    "language",
    "opted_out_at",
    "conversation",
    "conversation_expires_at",
    "menu_sent_on",
    "open_checkin_id",
)


class TextStore(Protocol):
    """What inbound/service.py asks of the database for one text, in this order."""

    conn: Connection

    def begin(self) -> None:
        """Open the transaction now (before `adopt` during a key rotation); `load` otherwise does."""

    def load(self, message_sid: str, phone_index: str, now: datetime) -> Texter | None:
        """The texter (created on a first text), locked for this text; None if the MessageSid is known."""

    def count(self, kind: flood.TextClass, intent: Intent, language: str) -> flood.Counts | None:
        """Store the MessageSid row and count the text; None if the MessageSid is known."""

    def save(self, texter: Texter, *, conversation_changed: bool) -> None:
        """Write the new state and commit (PostgreSQL); SQLite commits when the scope ends."""

    def discard(self) -> None:
        """End a duplicate's transaction with no effect."""


def texter_from_row(phone_index: str, row: Any, now: datetime) -> Texter:
    contact_id, language, opted_out_at, conversation_json, expires, menu_sent_on, checkin_id, alerts = row
    conversation = {}
    expires_at = utc_value(expires)
    if conversation_json and expires_at and expires_at > now:
        conversation = json.loads(conversation_json)
    return Texter(
        id=contact_id,
        phone_index=phone_index,
        language=language,
        opted_out_at=utc_value(opted_out_at),
        conversation=conversation,
        menu_sent_on=menu_sent_on,
        open_checkin_id=checkin_id,
        alert_subscriber=bool(alerts),
    )


def saved_values(texter: Texter, now: datetime, *, conversation_changed: bool) -> dict[str, Any]:
    values = {
        "b_id": texter.id,
        "b_language": texter.language,
        "b_opted_out_at": texter.opted_out_at,
        "b_last_seen_at": now,
        "b_menu_sent_on": texter.menu_sent_on,
    }
    if conversation_changed:
        # The state lives 30 minutes from the question it answers, then it is gone.
        values["b_conversation"] = json.dumps(texter.conversation) if texter.conversation else None
        values["b_conversation_expires_at"] = now + CONVERSATION_TTL if texter.conversation else None
    return values


_SAVED_FIELDS = ("language", "opted_out_at", "last_seen_at", "menu_sent_on")
_CONVERSATION_FIELDS = ("conversation", "conversation_expires_at")


def save_statement(with_conversation: bool):
    # Bind names get a prefix: SQLAlchemy reserves a column's own name in an UPDATE's SET clause.
    fields = _SAVED_FIELDS + (_CONVERSATION_FIELDS if with_conversation else ())
    return (
        update(contact)
        .where(contact.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in fields})
    )


# Whether the texter has a drug-supply alerts row (supply/alert_replies.py asks only then).
ALERT_SUBSCRIBER = "EXISTS (SELECT 1 FROM supply_subscriber WHERE supply_subscriber.contact_id = {id})"
# SQLite: statements compiled once and run on the driver (see db.Prepared).
_COLUMNS = ", ".join(f"contact.{name}" for name in TEXTER_COLUMNS)
_LOAD = Prepared(
    lambda _: text(
        f"SELECT {_COLUMNS}, {ALERT_SUBSCRIBER.format(id='contact.id')}"
        " FROM contact WHERE contact.phone_index = :phone_index"
    )
)
_SUPPRESSED_AT = Prepared(
    lambda _: select(suppression.c.opted_out_at).where(suppression.c.phone_index == bindparam("phone_index"))
)
_CREATE = Prepared(
    lambda _: text(
        "INSERT INTO contact (phone_index, language, opted_out_at, created_at, last_seen_at)"
        " VALUES (:phone_index, 'en', :opted_out_at, :now, :now) RETURNING id"
    )
)
_STORED_FIELDS = ("message_sid", "contact_id", "received_at", "intent", "language")
_STORE_MESSAGE = Prepared(
    lambda dialect: (
        insert_ignore_for(dialect, inbound_message, ["message_sid"])
        .values({name: bindparam(name) for name in _STORED_FIELDS})
        .returning(inbound_message.c.id)
    )
)
_SAVE = {flag: Prepared(lambda _, flag=flag: save_statement(flag)) for flag in (False, True)}


class SqliteTexts:
    """One writer at a time holds the database (BEGIN IMMEDIATE): read, then write, no races to guard."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._sid = self._phone_index = ""
        self._now: datetime | None = None
        self._texter: Texter | None = None

    def begin(self) -> None:
        pass  # the scope began it

    def load(self, message_sid: str, phone_index: str, now: datetime) -> Texter | None:
        self._sid, self._phone_index, self._now = message_sid, phone_index, now
        row = _LOAD.run(self.conn, {"phone_index": phone_index}).fetchone()
        if row is not None:
            self._texter = texter_from_row(phone_index, row, now)
            return self._texter
        # Someone who opted out and then used FORGET is remembered only here, as a keyed hash.
        suppressed = _SUPPRESSED_AT.run(self.conn, {"phone_index": phone_index}).fetchone()
        opted_out_at = utc_value(suppressed[0]) if suppressed else None
        params = {"phone_index": phone_index, "opted_out_at": opted_out_at, "now": now}
        contact_id = _CREATE.run(self.conn, params).fetchone()[0]
        self._texter = Texter(id=contact_id, phone_index=phone_index, opted_out_at=opted_out_at)
        return self._texter

    def count(self, kind: flood.TextClass, intent: Intent, language: str) -> flood.Counts | None:
        assert self._texter is not None and self._now is not None
        message = {
            "message_sid": self._sid,
            "contact_id": self._texter.id,
            "received_at": self._now,
            "intent": intent.value,
            "language": language,
        }
        if _STORE_MESSAGE.run(self.conn, message).fetchone() is None:
            return None
        buckets = flood.windows(self._now).buckets(kind, intent)
        return flood.count_sqlite(self.conn, self._phone_index, buckets)

    def save(self, texter: Texter, *, conversation_changed: bool) -> None:
        assert self._now is not None
        if texter.forgotten:
            return  # FORGET deleted the row: nothing more is written for this texter
        values = saved_values(texter, self._now, conversation_changed=conversation_changed)
        _SAVE[conversation_changed].run(self.conn, values)

    def discard(self) -> None:
        pass  # nothing was written but the texter's row, which the first delivery wrote too


def open_store(conn: Connection) -> TextStore:
    if conn.dialect.name == "postgresql":
        from smsbot.inbound.postgres_texts import PostgresTexts

        return PostgresTexts(conn)
    return SqliteTexts(conn)
