"""TwiML answers built with twilio's MessagingResponse: zero or one <Message>, always well-formed."""

from __future__ import annotations

from functools import lru_cache

from starlette.responses import Response
from twilio.twiml.messaging_response import MessagingResponse

_EMPTY = str(MessagingResponse()).encode()


@lru_cache(maxsize=1024)
def _twiml_for(reply: str) -> bytes:
    # Replies come from the wording packs and the directory (never the texter's words), so a few hundred
    # distinct texts cover the traffic; building the XML tree for each answer cost ~40 us a text.
    answer = MessagingResponse()
    answer.message(reply)
    return str(answer).encode()


def twiml_response(reply: str | None) -> Response:
    return Response(_EMPTY if reply is None else _twiml_for(reply), media_type="text/xml")


@lru_cache(maxsize=1024)
def _answer_for(reply: str | None) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = _EMPTY if reply is None else _twiml_for(reply)
    headers = [(b"content-type", b"text/xml; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    return headers, body


def twiml_message(reply: str | None) -> tuple[dict, dict]:
    """The ASGI messages of a TwiML answer (new dicts each time: middleware may replace their headers)."""
    headers, body = _answer_for(reply)
    return (
        {"type": "http.response.start", "status": 200, "headers": headers},
        {"type": "http.response.body", "body": body},
    )
