"""TwiML answers built with twilio's MessagingResponse: zero or one <Message>, always well-formed."""

from __future__ import annotations

from starlette.responses import Response
from twilio.twiml.messaging_response import MessagingResponse

_EMPTY = str(MessagingResponse())


def twiml_response(reply: str | None) -> Response:
    if reply is None:
        return Response(_EMPTY, media_type="text/xml")
    answer = MessagingResponse()
    answer.message(reply)
    return Response(str(answer), media_type="text/xml")
