"""The baseline for bench/inbound.py: Twilio's Flask quickstart ("reply to an incoming SMS") guarded by the
RequestValidator decorator from Twilio's "secure your Flask app" guide; no database. The same app as
../shared/perf/flask_validate.py, so both tools measure against the same thing. Run by the benchmark as
`gunicorn -w N quickstart_flask:app` (sync workers).
"""

from __future__ import annotations

import os
from functools import wraps

from flask import Flask, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

app = Flask(__name__)
validator = RequestValidator(os.environ["QUICKSTART_AUTH_TOKEN"])
URL = os.environ["QUICKSTART_PUBLIC_URL"].rstrip("/") + "/twilio/sms"  # never the Host header


def validate_twilio_request(f):
    @wraps(f)
    def wrapper(*args, **kwargs):
        if not validator.validate(URL, request.form, request.headers.get("X-Twilio-Signature", "")):
            return abort(403)
        return f(*args, **kwargs)

    return wrapper


@app.route("/twilio/sms", methods=["POST"])
@validate_twilio_request
def sms_reply():
    resp = MessagingResponse()
    resp.message(f"Thanks {request.form['From']}, we got: {request.form.get('Body', '')[:20]}")
    return str(resp)


@app.route("/healthz")
def healthz():
    return "ok"
