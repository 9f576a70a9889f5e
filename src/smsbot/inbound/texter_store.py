"""Loading and saving the texter's row on the hot path (SQLAlchemy Core, a few statements a text)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from smsbot.db import Prepared, utc_value
from smsbot.models import Contact, Suppression
from smsbot.turn import CONVERSATION_TTL, Texter
from smsbot.upsert import insert_ignore

contact = Contact.__table__
suppression = Suppression.__table__

_LOAD_STATEMENT = select(
    contact.c.id,
    contact.c.language,
    contact.c.opted_out_at,
    contact.c.conversation,
    contact.c.conversation_expires_at,
    contact.c.menu_sent_on,
    contact.c.open_checkin_id,
).where(contact.c.phone_index == bindparam("phone_index"))
# The statements a text needs are compiled once and run on the driver (see db.Prepared).
_LOAD = Prepared(lambda _: _LOAD_STATEMENT)
_SUPPRESSED_AT = Prepared(
    lambda _: select(suppression.c.opted_out_at).where(suppression.c.phone_index == bindparam("phone_index"))
)
_SAVED_FIELDS = (
    "language",
    "opted_out_at",
    "last_seen_at",
    "menu_sent_on",
)
_CONVERSATION_FIELDS = ("conversation", "conversation_expires_at")


def _save_statement(fields: tuple[str, ...]):
    # Bind names get a prefix: SQLAlchemy reserves a column's own name in an UPDATE's SET clause.
    return (
        update(contact)
        .where(contact.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in fields})
    )


_SAVE = Prepared(lambda _: _save_statement(_SAVED_FIELDS))
_SAVE_WITH_CONVERSATION = Prepared(lambda _: _save_statement(_SAVED_FIELDS + _CONVERSATION_FIELDS))


def load_texter(conn: Connection, phone_index: str, now: datetime) -> Texter:
    row = _LOAD.run(conn, {"phone_index": phone_index}).fetchone()
    if row is None:
        # Someone who opted out and then used FORGET is remembered only here, as a keyed hash.
        suppressed = _SUPPRESSED_AT.run(conn, {"phone_index": phone_index}).fetchone()
        suppressed_at = utc_value(suppressed[0]) if suppressed else None
        return Texter(id=None, phone_index=phone_index, opted_out_at=suppressed_at)
    (
        contact_id,
        language,
        opted_out_at,
        conversation_json,
        conversation_expires_at,
        menu_sent_on,
        open_checkin_id,
    ) = row
    conversation = {}
    expires_at = utc_value(conversation_expires_at)
    if conversation_json and expires_at and expires_at > now:
        conversation = json.loads(conversation_json)
    return Texter(
        id=contact_id,
        phone_index=phone_index,
        language=language,
        opted_out_at=utc_value(opted_out_at),
        conversation=conversation,
        menu_sent_on=menu_sent_on,
        open_checkin_id=open_checkin_id,
    )


def create_contact(conn: Connection, texter: Texter, now: datetime) -> int:
    """Insert the contact row (racing deliveries of a first text both end up with the same row)."""
    values = {
        "phone_index": texter.phone_index,
        "language": texter.language,
        "opted_out_at": texter.opted_out_at,
        "created_at": now,
        "last_seen_at": now,
    }
    conn.execute(insert_ignore(conn, contact, ["phone_index"]).values(**values))
    return conn.execute(select(contact.c.id).where(contact.c.phone_index == texter.phone_index)).scalar_one()


def save_texter(
    conn: Connection,
    texter: Texter,
    now: datetime,
    *,
    conversation_changed: bool,
) -> None:
    values = {
        "b_id": texter.id,
        "b_language": texter.language,
        "b_opted_out_at": texter.opted_out_at,
        "b_last_seen_at": now,
        "b_menu_sent_on": texter.menu_sent_on,
    }
    if not conversation_changed:
        _SAVE.run(conn, values)
        return
    # The state lives 30 minutes from the question it answers, then it is gone.
    values["b_conversation"] = json.dumps(texter.conversation) if texter.conversation else None
    values["b_conversation_expires_at"] = now + CONVERSATION_TTL if texter.conversation else None
    _SAVE_WITH_CONVERSATION.run(conn, values)
