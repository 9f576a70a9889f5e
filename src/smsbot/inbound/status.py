"""`POST /twilio/status`: Twilio's delivery status callbacks (signed, like /twilio/sms).
A message's status only moves forward (a late "sent" never overwrites "delivered" or "failed"); a
report that beats its SID into the database is kept until the SID lands. An undelivered check-in
alerts the peer at once ("could not reach"); ErrorCode 21610 is passed on as an opt-out.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from smsbot.checkins.delivery import FailureHandler
from smsbot.context import AppContext
from smsbot.inbound.signature import signature_ok
from smsbot.inbound.webhook import Refused, read_form
from smsbot.observability import INBOUND_REJECTED
from smsbot.outbound import outbox
from smsbot.replies.wording import Wording

log = logging.getLogger(__name__)
PATH = "/twilio/status"
MAX_STATUS_LENGTH = 20


def apply_callback(
    ctx: AppContext,
    handler: FailureHandler,
    sid: str,
    status: str,
    error_code: str | None,
    outbox_id: int | None = None,
) -> bool:
    """Record one callback; True if it moved the message's status forward. A callback for a SID
    not recorded yet is kept and applied when it lands (never dropped)."""
    with ctx.db.transaction() as conn:
        now = ctx.clock.now()
        change = outbox.apply_status(conn, sid, status, error_code, now, outbox_id)
        if change is None:
            return False
        handler.on_delivery_status(conn, change, now)
    return True


def routes(ctx: AppContext) -> list[Route]:
    handler = FailureHandler(ctx, Wording.from_settings(ctx.settings))

    async def twilio_status(request: Request) -> Response:
        try:
            form = await read_form(request)
            # Twilio signs the callback URL as we gave it, with its `?o=<outbox row>` query.
            query = request.url.query
            signed_path = f"{PATH}?{query}" if query else PATH
            if not signature_ok(ctx.settings, signed_path, form, request.headers.get("x-twilio-signature")):
                raise Refused(403, "invalid Twilio signature")
            sid = form.get("MessageSid") or form.get("SmsSid") or ""
            status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
            if not sid or not status or len(sid) > 64 or len(status) > MAX_STATUS_LENGTH:
                raise Refused(422, "MessageSid and MessageStatus are required")
        except Refused as refusal:
            INBOUND_REJECTED.labels(str(refusal.status)).inc()
            return PlainTextResponse(refusal.reason, status_code=refusal.status)
        # ErrorCode travels with the change: 21610 here is an opt-out (the check-in side decides).
        error_code = (form.get("ErrorCode") or "")[:16] or None
        ref = request.query_params.get("o", "")
        outbox_id = int(ref) if ref.isdigit() and len(ref) < 12 else None
        try:
            await run_in_threadpool(apply_callback, ctx, handler, sid, status, error_code, outbox_id)
        except Exception as exc:  # database down: Twilio may retry; never leak anything
            log.error("status callback not recorded: %s", type(exc).__name__)
            return PlainTextResponse("temporarily unavailable", status_code=503, headers={"Retry-After": "5"})
        # Unknown SIDs and backward moves are answered 204 too: there is nothing for Twilio to fix.
        return Response(status_code=204)

    return [Route(PATH, twilio_status, methods=["POST"], name="twilio_status")]
