"""Who a text came from, as the key the line knows them by: an E.164 number, or channel:address.

Twilio puts a channel prefix on senders that are not SMS ("whatsapp:+15555550123"). When the
program points such a sender at the webhook it is answered like SMS, but as its own texter: the
same phone on SMS and on WhatsApp keeps two conversations (and two opt-outs), as Twilio does.
"""

from __future__ import annotations

import re

from smsbot.privacy import InvalidPhone, is_long_number, normalize_phone

E164 = re.compile(r"\+[1-9][0-9]{7,14}")
# Channels Twilio delivers to a Messaging webhook whose senders are people. WhatsApp and RCS carry
# a phone number; Facebook Messenger a page-scoped numeric id. Anything else is not answered.
PHONE_CHANNELS = frozenset({"whatsapp", "rcs"})
ID_CHANNELS = {"messenger": re.compile(r"[0-9]{5,32}")}


def _phone(raw: str) -> str | None:
    if not is_long_number(raw):
        return None  # short codes and alphanumeric ids are services: answering them can loop
    if E164.fullmatch(raw):
        return raw  # Twilio sends E.164 already: skip re-parsing on the hot path
    try:
        return normalize_phone(raw)
    except InvalidPhone:
        return None


def sender_address(raw: str, our_number: str | None) -> str | None:
    """The texter's key ("+15555550123", "whatsapp:+15555550123"), or None for a sender never answered."""
    channel, colon, rest = raw.partition(":")
    if not colon:
        address = _phone(raw)
        return None if address is None or address == our_number else address
    channel = channel.strip().lower()
    if channel in PHONE_CHANNELS:
        address = _phone(rest.strip())
        return None if address is None or address == our_number else f"{channel}:{address}"
    pattern = ID_CHANNELS.get(channel)
    if pattern is not None and pattern.fullmatch(rest.strip()):
        return f"{channel}:{rest.strip()}"
    return None
