"""Helpers for the outbox tests: participants enrolled and joined through the API and signed texts,
senders that fail on cue, and signed status callbacks to the URL the fake Twilio was given.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from smsbot.outbound.senders import TwilioSender
from tests.checkins_fixtures import Peer, enroll, run_tick
from tests.conftest import ACCOUNT_SID, PUBLIC_URL, sign

T = "2026-03-04T23:00:00Z"  # 18:00 in New York: when every check-in below is due
PROMPT_WORDS = "checking in from"  # in the check-in prompt, not in the reminder ("Hi again")


def phones(count: int) -> list[str]:
    return [f"+1202555{i:04d}" for i in range(count)]


def join_all(sms, worker, clock, who: Peer, numbers: list[str], **fields) -> list[int]:
    """Enroll every number through the API, send the invitations, and JOIN each by text."""
    ids = [
        enroll(who, phone=number, nickname=f"Q{i:02d}", **fields)["id"] for i, number in enumerate(numbers)
    ]
    run_tick(worker, clock)
    for number in numbers:
        sms("JOIN", from_=number)
    return ids


def prompts_to(fake, number: str) -> int:
    return sum(PROMPT_WORDS in body for body in fake.to(number))


def status_callback(client, callback_url: str | None, sid: str, status: str, **extra: str):
    """POST a signed delivery report to the URL the message was sent with (its `?o=` query too)."""
    url = callback_url or f"{PUBLIC_URL}/twilio/status"
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID, **extra}
    return client.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params)})


class FaultySender:
    """The real Twilio sender, except for one number: `fault(to, send)` decides what happens there."""

    name = "twilio"

    def __init__(self, inner: TwilioSender, number: str, fault) -> None:
        self.inner, self.number, self.fault = inner, number, fault

    def warm(self) -> None:
        self.inner.warm()

    def send(self, to: str, body: str, ref: str | None = None) -> str:
        if to == self.number:
            return self.fault(to, lambda: self.inner.send(to, body, ref=ref))
        return self.inner.send(to, body, ref=ref)
