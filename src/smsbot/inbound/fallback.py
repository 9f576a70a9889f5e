"""`POST /twilio/fallback`: Twilio's fallback URL. A fixed safe reply (911, 988, SAMHSA), database or not.

Twilio calls it when /twilio/sms failed (503 with the database down, a timeout). It records the
MessageSid when it can, within a short time limit, and answers the same static text either way.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select, text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from smsbot.context import AppContext
from smsbot.inbound.senders import sender_address
from smsbot.inbound.twiml import twiml_response
from smsbot.inbound.webhook import Refused, read_message
from smsbot.models import InboundMessage, Suppression
from smsbot.observability import FALLBACK_TEXTS, INBOUND_REJECTED
from smsbot.replies.wording import Wording
from smsbot.routing import Intent, RouteContext, route
from smsbot.upsert import insert_ignore

log = logging.getLogger(__name__)
inbound_message, suppression = InboundMessage.__table__, Suppression.__table__

PATH = "/twilio/fallback"
# Twilio waits 15 s for the fallback in all; the record must never be what makes it wait.
RECORD_SECONDS = 2.0
# After STOP (or from a number that opted out) nothing is sent, not even the safe reply.
SILENT_INTENTS = {Intent.OPT_OUT}


def _record(ctx: AppContext, sid: str, phone_index: str | None) -> bool:
    """Store the MessageSid (intent "fallback", never the body); True if the number opted out."""
    with ctx.db.transaction() as conn:
        if ctx.db.is_postgres:  # a database that hangs must not hold the reply
            conn.execute(text(f"SET LOCAL statement_timeout = {int(RECORD_SECONDS * 1000)}"))
        conn.execute(
            insert_ignore(conn, inbound_message, ["message_sid"]).values(
                message_sid=sid,
                contact_id=None,
                received_at=ctx.clock.now(),
                intent="fallback",
                language="en",
            )
        )
        if phone_index is None:
            return False
        found = conn.execute(
            select(suppression.c.phone_index).where(suppression.c.phone_index == phone_index)
        )
        return found.first() is not None


def routes(ctx: AppContext, wording: Wording | None = None) -> list[Route]:
    # Read at start-up: the reply must not need the disk or the database when things go wrong.
    wording = wording or Wording.from_settings(ctx.settings)
    replies = {language: wording.render("fallback", language) for language in ("en", "es")}

    async def twilio_fallback(request: Request) -> Response:
        try:
            form, sid, sender = await read_message(request, ctx.settings, PATH)
        except Refused as refusal:
            INBOUND_REJECTED.labels(str(refusal.status)).inc()
            return PlainTextResponse(refusal.reason, status_code=refusal.status)
        # Pure routing, no database: which language to answer in, and whether the text was STOP.
        routed = route(form.get("Body", "")[:1600], RouteContext())
        address = sender_address(sender, ctx.settings.twilio_from_number)
        phone_index = ctx.vault.index(address) if address else None
        opted_out = False
        try:
            opted_out = await asyncio.wait_for(
                run_in_threadpool(_record, ctx, sid, phone_index), timeout=RECORD_SECONDS
            )
            FALLBACK_TEXTS.labels("recorded").inc()
        except Exception as exc:  # database down or slow: answer anyway, say so in a metric
            log.warning("fallback text not recorded: %s", type(exc).__name__)
            FALLBACK_TEXTS.labels("not_recorded").inc()
        if address is None or opted_out or routed.intent in SILENT_INTENTS:
            return twiml_response(None)
        return twiml_response(replies["es" if routed.language == "es" else "en"])

    return [Route(PATH, twilio_fallback, methods=["POST"], name="twilio_fallback")]
