"""The baseline for bench/inbound.py: the Twilio quickstart a user would write (Flask, signature check,
a fixed TwiML reply, nothing stored). Run by the benchmark as `gunicorn -w 2 quickstart_flask:app`.
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

# Validated against the configured public URL, as the bot does (never the Host header).
WEBHOOK_URL = os.environ["QUICKSTART_WEBHOOK_URL"]
validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])

app = Flask(__name__)


@app.post("/twilio/sms")
def sms_reply() -> Response:
    if not validator.validate(WEBHOOK_URL, request.form, request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    answer = MessagingResponse()
    answer.message("Naloxone (Narcan) reverses an opioid overdose. Reply MORE for the steps.")
    return Response(str(answer), mimetype="text/xml")
