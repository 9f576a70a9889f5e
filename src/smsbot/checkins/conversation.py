"""Check-in side of a conversation (placeholder until check-ins land).

The core handlers call the hooks below so that STOP, FORGET, HELP and distress reach an
enrolled participant's check-ins; `HANDLERS` answers the check-in words.
"""

from __future__ import annotations

from collections.abc import Callable

from smsbot.routing.intents import Intent
from smsbot.turn import Turn


def on_opt_out(turn: Turn) -> None:
    """STOP: end every enrollment of this texter (the peer sees it)."""


def on_forget(turn: Turn) -> None:
    """FORGET: remove enrollments and check-in history before the contact row goes."""


def on_urgent(turn: Turn, reason: str) -> None:
    """HELP or distress words while a check-in is open: alert the peer now."""


HANDLERS: dict[Intent, Callable[[Turn], None]] = {}
