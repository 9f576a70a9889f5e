"""One inbound text, start to finish: sender checks, idempotency, routing, the handler, storage.

Everything a text changes is written in one transaction with its MessageSid row, so the same
message delivered ten times has one effect. Only the intent is stored, never the body.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy import bindparam

from smsbot.context import AppContext
from smsbot.db import Prepared
from smsbot.inbound.handlers import dispatch
from smsbot.inbound.texter_store import create_contact, load_texter, save_texter
from smsbot.models import InboundMessage
from smsbot.observability import INBOUND_DUPLICATES, INBOUND_TEXTS
from smsbot.privacy import InvalidPhone, is_long_number, normalize_phone
from smsbot.replies.wording import Wording
from smsbot.routing import Intent, RouteContext, route
from smsbot.turn import Turn
from smsbot.upsert import insert_ignore, insert_ignore_for

log = logging.getLogger(__name__)
inbound_message = InboundMessage.__table__

E164 = re.compile(r"\+[1-9][0-9]{7,14}")
MAX_BODY_CHARS = 1600  # Twilio's own limit for one message; anything longer is cut before routing
# What a flooding number still gets handled: STOP and START (carrier rules) and FORGET (data rights).
ALWAYS_HONOURED = {Intent.OPT_OUT, Intent.OPT_IN, Intent.FORGET}
ANSWERED_WHEN_OPTED_OUT = {Intent.OPT_IN, Intent.OPT_OUT}
# FORGET is carried out for an opted-out number too, silently: it asked us to stop texting.
SILENT_WHEN_OPTED_OUT = {Intent.FORGET}


# The idempotency record: inserted with the text's effects, or nothing when the MessageSid is known.
_STORED_FIELDS = ("message_sid", "contact_id", "received_at", "intent", "language")
_STORE_MESSAGE = Prepared(
    lambda dialect: (
        insert_ignore_for(dialect, inbound_message, ["message_sid"])
        .values({name: bindparam(name) for name in _STORED_FIELDS})
        .returning(inbound_message.c.id)
    )
)


@dataclass(frozen=True)
class InboundText:
    message_sid: str
    from_number: str
    to_number: str
    body: str


@dataclass(frozen=True)
class Outcome:
    reply: str | None
    intent: str
    duplicate: bool = False
    # Why the line stayed silent, when it did: duplicate | ignored_sender | opted_out | flood | None
    silence: str | None = None


def handle_text(ctx: AppContext, wording: Wording, message: InboundText) -> Outcome:
    now = ctx.clock.now()
    settings = ctx.settings
    if not is_long_number(message.from_number) or message.from_number == settings.twilio_from_number:
        # Short codes, alphanumeric senders and our own number: never auto-reply (loops, spam).
        return _record_only(ctx, message, "ignored_sender")
    # Twilio sends long-code senders in E.164 already; anything else is normalised (or refused).
    e164 = message.from_number if E164.fullmatch(message.from_number) else None
    if e164 is None:
        try:
            e164 = normalize_phone(message.from_number)
        except InvalidPhone:
            return _record_only(ctx, message, "ignored_sender")
    body = message.body[:MAX_BODY_CHARS]

    with ctx.db.transaction() as conn:
        texter, rate = load_texter(conn, ctx.vault.index(e164), now)
        routed = route(
            body,
            RouteContext(
                language=texter.language,
                awaiting=texter.awaiting,
                checkin_open=texter.open_checkin_id is not None,
            ),
        )
        if texter.id is None:
            texter.id = create_contact(conn, texter, now)
        stored = _STORE_MESSAGE.run(
            conn,
            {
                "message_sid": message.message_sid,
                "contact_id": texter.id,
                "received_at": now,
                "intent": routed.intent.value,
                "language": routed.language or texter.language,
            },
        ).fetchone()
        if stored is None:
            INBOUND_DUPLICATES.inc()
            return Outcome(reply=None, intent=routed.intent.value, duplicate=True, silence="duplicate")

        rate.count(now)
        turn = Turn(
            ctx=ctx,
            conn=conn,
            wording=wording,
            texter=texter,
            routed=routed,
            now=now,
            message_sid=message.message_sid,
            phone_e164=e164,
            text=body,
        )
        flooding = rate.exceeded(settings.rate_limit_per_minute, settings.rate_limit_per_day)
        silence = None
        if texter.opted_out and routed.intent in SILENT_WHEN_OPTED_OUT:
            dispatch(turn)
            turn.reply, silence = None, "opted_out"
        elif texter.opted_out and routed.intent not in ANSWERED_WHEN_OPTED_OUT:
            silence = "opted_out"  # an opted-out number gets no replies
        elif flooding and routed.intent not in ALWAYS_HONOURED:
            silence = "flood"  # past the per-number limit: stay silent (still 200, still stored)
        else:
            dispatch(turn)
        if not texter.forgotten:
            save_texter(conn, texter, rate, now, conversation_changed=turn.conversation_changed)
    INBOUND_TEXTS.labels(routed.intent.value).inc()
    return Outcome(reply=turn.reply, intent=routed.intent.value, silence=silence)


def _record_only(ctx: AppContext, message: InboundText, intent: str) -> Outcome:
    """Keep the MessageSid (idempotency, counts) for a text we will not answer."""
    with ctx.db.transaction() as conn:
        conn.execute(
            insert_ignore(conn, inbound_message, ["message_sid"]).values(
                message_sid=message.message_sid,
                contact_id=None,
                received_at=ctx.clock.now(),
                intent=intent,
                language="en",
            )
        )
    INBOUND_TEXTS.labels(intent).inc()
    return Outcome(reply=None, intent=intent, silence=intent)
