"""`smsbot chat`: text the bot from a terminal through the same pipeline as a real text.

What is typed is handled like a real text and never written out again (nor logged): a piped
transcript shows `you> (text N)` in its place.
"""

from __future__ import annotations

import sys
import uuid

from smsbot import migrate
from smsbot.context import AppContext
from smsbot.inbound.service import InboundText, handle_text
from smsbot.privacy import InvalidPhone, normalize_phone
from smsbot.replies.wording import Wording

SILENCES = {
    "opted_out": "this number opted out; text START to opt back in",
    "flood": "past the per-number limit of texts a minute or a day",
    "loop": "past the ceiling for urgent texts: looks like a machine loop",
    "limited": "this word was already answered this hour (its effect still happened)",
}


def run_chat(ctx: AppContext, from_number: str, *, interactive: bool) -> None:
    try:
        sender = normalize_phone(from_number)
    except InvalidPhone:
        print("smsbot chat: --from must be a phone number like +15555550100", file=sys.stderr)
        raise SystemExit(2) from None
    migrate.upgrade(ctx.db)  # the chat is a development tool: make sure the schema is there
    wording = Wording.from_settings(ctx.settings)
    to_number = ctx.settings.twilio_from_number or "+15550000000"
    if interactive:
        print("Text the line (Ctrl-D to quit). Try NALOXONE, SITES, HEART, ESPANOL, HELP.")
    count = 0
    while True:
        if interactive:
            print("you> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            break
        text = line.rstrip("\n")
        if not text.strip():
            continue
        count += 1
        if not interactive:
            # A transcript may end up in a terminal log or CI output: never the texter's words.
            print(f"you> (text {count})")
        sid = "SMchat" + uuid.uuid4().hex
        outcome = handle_text(ctx, wording, InboundText(sid, sender, to_number, text))
        if outcome.reply is not None:
            print(f"bot> {outcome.reply}")
        else:
            print(f"bot> (no reply{': ' + SILENCES[outcome.silence] if outcome.silence in SILENCES else ''})")
        print()
