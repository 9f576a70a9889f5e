"""Senders behind one small interface: Twilio's REST API (the real thing) and the console (development).
A sender either returns the provider's message id or raises `SendError` saying what to do next:
retry later, give up, or treat the number as opted out. Nothing here logs a number or a text.
"""

from __future__ import annotations

import logging
import sys
import threading
import uuid
from dataclasses import dataclass
from typing import Protocol, TextIO

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from smsbot.config import Settings
from smsbot.outbound.http_transport import LeanHttpClient, TransportError

OPTED_OUT_CODES = {21610}  # "Attempt to send to unsubscribed recipient"
INVALID_NUMBER_CODES = {21211, 21614}  # invalid 'To' number / not a mobile number
TIMEOUT = 15.0  # seconds to connect, and then to get Twilio's answer

# twilio's HTTP client logs each request at INFO; the URLs hold no number, but keep the logs quiet.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


@dataclass
class SendError(Exception):
    """Why a send did not go through. `action`: throttled | retry | fail | opted_out | unknown.
    `throttled` (429) means too fast, not Twilio down: slow down and send it again.

    `unknown` means the request may have reached Twilio (a read timeout): only texts where a
    duplicate is safe are tried again.
    """

    action: str
    code: str

    def __str__(self) -> str:
        return f"send {self.action} ({self.code})"


class Sender(Protocol):
    name: str

    def send(self, to: str, body: str, ref: str | None = None) -> str:
        """Send one text; return the provider's message id or raise SendError. `ref` names the
        outbox row in the status callback URL (a sender may leave `ref` out of its signature)."""
        ...


def mask(e164: str) -> str:
    return "***" + e164[-4:]


class ConsoleSender:
    """Development: prints the text with the number masked to its last 4 digits."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send(self, to: str, body: str, ref: str | None = None) -> str:
        with self._lock:
            print(f"[sms to {mask(to)}] {body}", file=self.stream, flush=True)
        return "CONSOLE" + uuid.uuid4().hex


class TwilioSender:
    """The twilio REST client (one per thread: its HTTP session is not shared across threads)."""

    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            raise ValueError("the Twilio sender needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        if not (settings.twilio_from_number or settings.twilio_messaging_service_sid):
            raise ValueError("the Twilio sender needs TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        self.settings = settings
        base = (settings.public_url or "").rstrip("/")
        self.status_callback = f"{base}/twilio/status" if base else None
        self._local = threading.local()

    def _client(self) -> Client:
        client = getattr(self._local, "client", None)
        if client is None:
            http = LeanHttpClient(self.settings.twilio_api_base_url, timeout=TIMEOUT)
            client = Client(
                self.settings.twilio_account_sid, self.settings.twilio_auth_token, http_client=http
            )
            self._local.client = client
        return client

    def warm(self) -> None:
        """Build this thread's client and import twilio's lazily loaded modules now: done inside the
        first paced sends, the import lock would hold them all and release them as a burst."""
        self._client().messages  # noqa: B018

    def send(self, to: str, body: str, ref: str | None = None) -> str:
        options: dict[str, str] = {"to": to, "body": body}
        if self.settings.twilio_messaging_service_sid:
            options["messaging_service_sid"] = self.settings.twilio_messaging_service_sid
        else:
            options["from_"] = self.settings.twilio_from_number or ""
        if self.status_callback:
            # The row id (no personal data) lets a report settle a row whose SID we never recorded.
            options["status_callback"] = f"{self.status_callback}?o={ref}" if ref else self.status_callback
        try:
            message = self._client().messages.create(**options)
        except TwilioRestException as exc:
            error = classify_twilio_error(exc.status, exc.code)
            if error.action == "retry":
                # A 5xx: the next request opens a fresh connection (the sending threads live as long
                # as the worker), not one kept alive to a server that is failing or going away.
                self._client().http_client.close()
            raise error from None
        except TransportError as exc:
            # Never reached Twilio: resend. Might have (no answer in time): only where a duplicate is safe.
            raise (
                SendError("unknown", exc.kind[:16]) if exc.reached else SendError("retry", "connection")
            ) from None
        return message.sid


def classify_twilio_error(status: int, code: int | None) -> SendError:
    if code in OPTED_OUT_CODES:
        return SendError("opted_out", str(code))
    if code in INVALID_NUMBER_CODES:
        return SendError("fail", str(code))
    if status == 429:
        return SendError("throttled", str(code or status))
    if status >= 500:
        return SendError("retry", str(code or status))
    return SendError("fail", str(code or status))


def build_sender(settings: Settings, stream: TextIO | None = None) -> Sender:
    """SMSBOT_SENDER, or Twilio when credentials exist, else the console."""
    if settings.sender_name == "twilio":
        return TwilioSender(settings)
    return ConsoleSender(stream)
