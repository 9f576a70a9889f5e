"""`POST /twilio/sms`: Twilio's inbound webhook. Checks, then one answer as TwiML in the same response.

A plain Starlette route (not a FastAPI dependency graph): it answers every text, so it stays lean.
Refusals carry a reason: 403 (signature), 405 (method), 413 (size), 415 (content type), 422 (fields).
"""

from __future__ import annotations

import logging
import time
from urllib.parse import unquote

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from smsbot.config import Settings
from smsbot.context import AppContext
from smsbot.inbound.batches import PostgresBatches, SqliteBatches
from smsbot.inbound.service import InboundText, handle_text
from smsbot.inbound.signature import signature_ok
from smsbot.inbound.twiml import twiml_message
from smsbot.models import InboundMessage
from smsbot.observability import INBOUND_REJECTED, INBOUND_SECONDS, observe_answer
from smsbot.replies.wording import Wording

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"
# Twilio's SIDs are 34 characters; one longer than the column is refused with a reason (422), never
# left to fail in the database (a 5xx makes Twilio retry it forever).
MAX_SID_CHARS = InboundMessage.__table__.c.message_sid.type.length


class TwilioForm(ImmutableMultiDict):
    """The form as sent (repeated keys and blank values kept), with the `getall` lookup that twilio's
    RequestValidator tries first. Without it the validator raised and caught an AttributeError and
    scanned the whole form for each field, twice a request (~70 us a text).
    """

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self._values: dict[str, list[str]] = {}
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    def getall(self, key: str) -> list[str]:
        return list(self._values.get(key, ()))


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        self.status, self.reason = status, reason


def _check_headers(content_type: str, declared: str | None, limit: int) -> None:
    if content_type.split(";", 1)[0].strip().lower() != FORM_TYPE:
        raise Refused(415, f"content type must be {FORM_TYPE}")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise Refused(413, f"body larger than {limit} bytes")


def form_pairs(text: str) -> list[tuple[str, str]]:
    """`parse_qsl(text, keep_blank_values=True)`, exactly, in 60% of its time: of Twilio's 19 fields
    only a few (From, Body) carry a `%` or `+` to decode; the rest are taken as they are."""
    pairs = []
    for piece in text.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if "%" in piece or "+" in piece:
            name, value = unquote(name.replace("+", " ")), unquote(value.replace("+", " "))
        pairs.append((name, value))
    return pairs


def _parse(body: bytes | bytearray) -> TwilioForm:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(422, "form is not valid UTF-8") from None
    return TwilioForm(form_pairs(text))


async def read_form(request: Request, limit: int = MAX_FORM_BYTES) -> TwilioForm:
    """The form exactly as sent (repeated keys and blank values kept), refusing wrong types and sizes."""
    _check_headers(request.headers.get("content-type", ""), request.headers.get("content-length"), limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, f"body larger than {limit} bytes")
    return _parse(body)


def _signed_message(
    settings: Settings, path: str, form: TwilioForm, signature: str | None
) -> tuple[str, str]:
    if not signature_ok(settings, path, form, signature):
        raise Refused(403, "invalid Twilio signature")
    sid, sender = form.get("MessageSid", ""), form.get("From", "")
    if not sid or not sender:
        raise Refused(422, "MessageSid and From are required")
    if len(sid) > MAX_SID_CHARS:
        raise Refused(422, f"MessageSid longer than {MAX_SID_CHARS} characters")
    return sid, sender


async def read_message(request: Request, settings: Settings, path: str) -> tuple[TwilioForm, str, str]:
    """A signed inbound message: (form, MessageSid, From), or Refused with the status and reason."""
    form = await read_form(request)
    sid, sender = _signed_message(settings, path, form, request.headers.get("x-twilio-signature"))
    return form, sid, sender


async def _read_raw(scope: Scope, receive: Receive, settings: Settings) -> tuple[TwilioForm, str, str]:
    """`read_message` straight from the ASGI scope: the webhook's own path, without a Request."""
    content_type = declared = signature = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value.decode("latin-1")
        elif name == b"content-length":
            declared = value.decode("latin-1")
        elif name == b"x-twilio-signature":
            signature = value.decode("latin-1")
    _check_headers(content_type or "", declared, MAX_FORM_BYTES)  # refuse before reading the body
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > MAX_FORM_BYTES:
            raise Refused(413, f"body larger than {MAX_FORM_BYTES} bytes")
        if not message.get("more_body", False):
            break
    form = _parse(body)
    sid, sender = _signed_message(settings, "/twilio/sms", form, signature)
    return form, sid, sender


async def _send_text(send: Send, status: int, reason: str, headers: list[tuple[bytes, bytes]] = []) -> None:  # noqa: B006
    body = reason.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def routes(ctx: AppContext) -> list[Route]:
    wording = Wording.from_settings(ctx.settings)
    # Texts that arrive together are handled together (see batches.py): SQLite inline under its write
    # lock, PostgreSQL on a thread in two round trips a batch, so the loop stays free meanwhile.
    batches = SqliteBatches(ctx, wording) if ctx.db.is_sqlite else PostgresBatches(ctx, wording)

    async def twilio_sms(scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        try:
            form, sid, sender = await _read_raw(scope, receive, ctx.settings)
        except Refused as refusal:
            INBOUND_REJECTED.labels(str(refusal.status)).inc()
            await _send_text(send, refusal.status, refusal.reason)
            return
        # Media (MediaUrl0...) is never fetched: only the text is read.
        message = InboundText(
            message_sid=sid,
            from_number=sender,
            to_number=form.get("To", ""),
            body=form.get("Body", ""),
            # Present when Twilio's Advanced Opt-Out acted on the text (and answered it itself).
            opt_out_type=form.get("OptOutType") or None,
        )
        try:
            outcome = await batches.handle(message, handle_text)
        except Exception as exc:  # database down or similar: say so, never leak the text or number
            log.error("inbound text not handled: %s", type(exc).__name__)
            INBOUND_REJECTED.labels("503").inc()
            await _send_text(send, 503, "temporarily unavailable", [(b"retry-after", b"5")])
            return
        INBOUND_SECONDS.observe(time.perf_counter() - started)
        observe_answer(outcome.intent, outcome.reply is not None, outcome.silence)
        start, body = twiml_message(outcome.reply)
        await send(start)
        await send(body)

    # A plain ASGI endpoint: no Request or Response objects for the route that answers every text.
    return [Route("/twilio/sms", _Endpoint(twilio_sms), methods=["POST"], name="twilio_sms")]


class _Endpoint:
    """Starlette runs a class instance as a bare ASGI app (a function would get a Request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
