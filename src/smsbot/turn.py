"""One text's turn through the line: who sent it (anonymously), what it meant, what we answer.

Handlers in inbound/, directory/ and checkins/ receive a `Turn`, may change the texter's state
and set one reply; inbound/service.py owns the transaction and persists what they changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from smsbot.context import AppContext
from smsbot.replies.wording import Wording
from smsbot.routing.intents import Routed

CONVERSATION_TTL = timedelta(minutes=30)


@dataclass
class Texter:
    """The texter as this turn sees them. `id` is None until their first text is stored."""

    id: int | None
    phone_index: str
    language: str = "en"
    opted_out_at: datetime | None = None  # set while they are opted out (STOP); None otherwise
    conversation: dict[str, Any] = field(default_factory=dict)
    menu_sent_on: str | None = None
    open_checkin_id: int | None = None
    forgotten: bool = False  # FORGET ran: nothing more is written for this texter
    # They have a drug-supply alerts row: only then can a text be a reply to an alert (read with the
    # texter, so an unrecognised text from anyone else costs no look-up).
    alert_subscriber: bool = False

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None

    @property
    def awaiting(self) -> str | None:
        return self.conversation.get("awaiting")


@dataclass
class Turn:
    ctx: AppContext
    conn: Connection
    wording: Wording
    texter: Texter
    routed: Routed
    now: datetime
    message_sid: str
    phone_e164: str  # in memory only, for the rare handler that must keep it (check-in enrollment)
    # The text as received (cut to 1,600 chars). In memory only: only a check-in's free-text answer
    # is ever stored, encrypted, for the peer to read until the retention window ends.
    text: str = ""
    reply: str | None = None
    conversation_changed: bool = False
    # This turn's answer language when it differs from the texter's choice (an emergency written in
    # English by someone who chose Spanish is answered in English; the choice stays).
    reply_language: str | None = None

    @property
    def language(self) -> str:
        return self.reply_language or self.texter.language

    def say(self, key: str, part: int = 0, **values: str) -> None:
        """Set the one reply of this turn from the wording packs, in this turn's language."""
        self.reply = self.wording.render(key, self.language, part, **values)

    def remember(self, **state: Any) -> None:
        """Replace the conversation state (expires 30 minutes from now)."""
        self.texter.conversation = {k: v for k, v in state.items() if v is not None}
        self.conversation_changed = True

    def forget_conversation(self) -> None:
        if self.texter.conversation:
            self.texter.conversation = {}
            self.conversation_changed = True
