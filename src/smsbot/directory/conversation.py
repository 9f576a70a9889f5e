"""Directory side of a conversation (placeholder until the directory lands): asks for a ZIP."""

from __future__ import annotations

from collections.abc import Callable

from smsbot.routing.intents import Intent
from smsbot.turn import Turn

SITES_CATEGORIES = ["syringe_services", "overdose_prevention", "drop_in"]
CATEGORIES_FOR_INTENT: dict[Intent, list[str]] = {
    Intent.NALOXONE: ["naloxone"],
    Intent.TESTSTRIPS: ["test_strips"],
    Intent.SITES: SITES_CATEGORIES,
    Intent.HEART: ["health_clinic"],
    Intent.TREATMENT: ["treatment"],
}


def answer_near(turn: Turn, categories: list[str], zip_code: str) -> None:
    """Answer with the nearest services of `categories` to `zip_code` (placeholder)."""
    turn.say("sites_ask_zip")


def _sites(turn: Turn) -> None:
    if turn.routed.zip_code:
        answer_near(turn, SITES_CATEGORIES, turn.routed.zip_code)
        return
    turn.remember(awaiting="zip", categories=SITES_CATEGORIES)
    turn.say("sites_ask_zip")


def _zip(turn: Turn) -> None:
    categories = turn.texter.conversation.get("categories") or SITES_CATEGORIES
    answer_near(turn, categories, turn.routed.zip_code or "")


HANDLERS: dict[Intent, Callable[[Turn], None]] = {Intent.SITES: _sites, Intent.ZIP: _zip}
MORE: dict[str, Callable[[Turn], None]] = {}
