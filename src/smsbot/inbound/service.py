"""One inbound text, start to finish: sender checks, idempotency, counting, routing, the handler, storage.

Everything a text changes is written in one transaction with its MessageSid row, so the same
message delivered ten times has one effect. Only the intent is stored, never the body.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from smsbot.context import AppContext
from smsbot.inbound import flood
from smsbot.inbound.compliance import twilio_opt_out_type
from smsbot.inbound.flood import TextClass
from smsbot.inbound.handlers import dispatch
from smsbot.inbound.senders import sender_address
from smsbot.inbound.texter_store import TextStore, open_store
from smsbot.keyring import adopt
from smsbot.models import InboundMessage
from smsbot.replies.wording import Wording
from smsbot.routing import Intent, RouteContext, Routed, route
from smsbot.turn import Turn
from smsbot.upsert import insert_ignore

log = logging.getLogger(__name__)
inbound_message = InboundMessage.__table__

MAX_BODY_CHARS = 1600  # Twilio's own limit for one message; anything longer is cut before routing
# An opted-out number gets nothing but HELP (how to START again) and START; STOP and FORGET are
# carried out for it, silently: it asked us to stop texting.
HANDLED_WHEN_OPTED_OUT = {Intent.HELP, Intent.OPT_IN, Intent.OPT_OUT, Intent.FORGET}
# Twilio's Advanced Opt-Out field: it already acted on (and answered) these.
OPT_OUT_TYPES = {"STOP": Intent.OPT_OUT, "START": Intent.OPT_IN, "HELP": Intent.HELP}


@dataclass(frozen=True)
class InboundText:
    message_sid: str
    from_number: str
    to_number: str
    body: str
    opt_out_type: str | None = None  # Twilio's OptOutType (STOP | START | HELP) when it acted


@dataclass(frozen=True)
class Outcome:
    reply: str | None
    intent: str
    duplicate: bool = False
    # Why the line stayed silent, when it did: duplicate | ignored_sender | opted_out | flood | loop |
    # limited (a compliance reply past its hourly limit) | twilio (Twilio answered it) | None
    silence: str | None = None


def handle_text(
    ctx: AppContext,
    wording: Wording,
    message: InboundText,
    conn: Connection | None = None,
    store: TextStore | None = None,
) -> Outcome:
    """Handle one text in its own transaction, or in `conn`'s when the caller owns one (the webhook's
    batches: one transaction a batch), through `store` when the batch already loaded the texter."""
    if conn is None:
        with ctx.db.inbound() as own:
            return _handle(ctx, wording, message, own, store)
    return _handle(ctx, wording, message, conn, store)


def texter_key(ctx: AppContext, message: InboundText) -> str | None:
    """The keyed index a texter is filed under, or None for a sender never answered."""
    sender = sender_address(message.from_number, ctx.settings.twilio_from_number)
    return None if sender is None else ctx.vault.index(sender)


def _handle(
    ctx: AppContext, wording: Wording, message: InboundText, conn: Connection, store: TextStore | None
) -> Outcome:
    now = ctx.clock.now()
    sender = sender_address(message.from_number, ctx.settings.twilio_from_number)
    if sender is None:
        # Short codes, alphanumeric senders, unknown channels and our own number: never auto-reply.
        return _record_only(ctx, conn, message, "ignored_sender")
    body = message.body[:MAX_BODY_CHARS]
    opt_out_type = (message.opt_out_type or "").strip().upper()
    phone_index = ctx.vault.index(sender)

    store = store or open_store(conn)
    if ctx.vault.previous is not None:
        store.begin()
        adopt(conn, ctx.vault, sender)  # during a key rotation: a texter filed under the old key
    texter = store.load(message.message_sid, phone_index, now)
    if texter is None:
        store.discard()
        return _duplicate("received")
    routed = _route(
        body,
        RouteContext(
            language=texter.language,
            awaiting=texter.awaiting,
            checkin_open=texter.open_checkin_id is not None,
        ),
    )
    if opt_out_type in OPT_OUT_TYPES:
        routed = Routed(OPT_OUT_TYPES[opt_out_type], language=routed.language, matched_by="twilio")
    kind = flood.classify(routed.intent, checkin_open=texter.open_checkin_id is not None)
    counts = store.count(kind, routed.intent, routed.language or texter.language)
    if counts is None:
        store.discard()
        return _duplicate(routed.intent.value)

    turn = Turn(
        ctx=ctx,
        conn=conn,
        wording=wording,
        texter=texter,
        routed=routed,
        now=now,
        message_sid=message.message_sid,
        phone_e164=sender,
        text=body,
    )
    if opt_out_type in OPT_OUT_TYPES:
        twilio_opt_out_type(turn, opt_out_type)
        silence: str | None = "twilio"
    else:
        silence = _answer(turn, kind, counts)
    store.save(texter, conversation_changed=turn.conversation_changed)
    return Outcome(reply=turn.reply, intent=routed.intent.value, silence=silence)


# Most texts are a menu word ("NALOXONE", "narcan", "MORE", "STOP"), routed in ~70 us each time. Routing
# is pure, so a word that IS a keyword is remembered with its answer. Only such exact matches are kept:
# nothing a texter wrote beyond a keyword (no ZIP, no time, no free text) stays in memory.
_MEMO_MAX_CHARS, _MEMO_SIZE = 32, 4096
_memo: dict[tuple[str, RouteContext], Routed] = {}


def _route(body: str, context: RouteContext) -> Routed:
    if len(body) > _MEMO_MAX_CHARS:
        return route(body, context)
    key = (body, context)
    routed = _memo.get(key)
    if routed is None:
        routed = route(body, context)
        if routed.matched_by == "exact" and routed.zip_code is None and routed.time_of_day is None:
            if len(_memo) >= _MEMO_SIZE:
                _memo.clear()
            _memo[key] = routed
    return routed


def _duplicate(intent: str) -> Outcome:
    return Outcome(reply=None, intent=intent, duplicate=True, silence="duplicate")


def _answer(turn: Turn, kind: TextClass, counts: flood.Counts) -> str | None:
    """Carry the text out and answer it, within the limits of its class; returns why it stayed silent."""
    texter, intent, settings = turn.texter, turn.routed.intent, turn.ctx.settings
    if kind is TextClass.URGENT and counts.looping():
        return "loop"  # past a ceiling no person reaches: a machine is talking to us
    was_opted_out = texter.opted_out
    if was_opted_out and intent not in HANDLED_WHEN_OPTED_OUT:
        return "opted_out"
    if kind is TextClass.INFO and counts.flooding(
        settings.rate_limit_per_minute, settings.rate_limit_per_day
    ):
        return "flood"  # information replies only; still 200, still stored
    dispatch(turn)
    if kind is TextClass.COMPLIANCE:
        if was_opted_out and intent is Intent.FORGET:
            turn.reply = None
        elif not counts.compliance_reply_allowed(changed_state=was_opted_out != texter.opted_out):
            turn.reply = None
            return "limited"
    if turn.reply is None and texter.opted_out:
        return "opted_out"
    return None


def _record_only(ctx: AppContext, conn: Connection, message: InboundText, intent: str) -> Outcome:
    """Keep the MessageSid (idempotency, counts) for a text we will not answer (one statement: on
    PostgreSQL's autocommit connection, a transaction of its own)."""
    conn.execute(
        insert_ignore(conn, inbound_message, ["message_sid"]).values(
            message_sid=message.message_sid,
            contact_id=None,
            received_at=ctx.clock.now(),
            intent=intent,
            language="en",
        )
    )
    return Outcome(reply=None, intent=intent, silence=intent)
