"""Directory side of a conversation: SITES, a ZIP answer, a keyword with a ZIP, and MORE places.

The ZIP lives only in the 30-minute conversation state (`more.zip`, so MORE can measure from it):
never on the contact, never in a log line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from smsbot.directory.format import PAGE_SIZE, compose
from smsbot.directory.geo import normalize_zip, zip_point
from smsbot.directory.search import places_by_id, rank
from smsbot.replies.wording import Wording
from smsbot.routing.intents import Intent
from smsbot.turn import Turn

SITES_CATEGORIES = ["syringe_services", "overdose_prevention", "drop_in"]
CATEGORIES_FOR_INTENT: dict[Intent, list[str]] = {
    Intent.NALOXONE: ["naloxone"],
    Intent.TESTSTRIPS: ["test_strips"],
    Intent.SITES: SITES_CATEGORIES,
    Intent.HEART: ["health_clinic"],
    Intent.TREATMENT: ["treatment"],
    Intent.WOUNDS: ["health_clinic", "syringe_services"],  # wound care, and where supplies are
}
PROVIDER = "directory"


@dataclass(frozen=True)
class Answer:
    text: str
    more: dict[str, Any] | None = None  # the MORE state to keep, if places remain
    awaiting_zip: bool = False  # the ZIP was not known: ask again


def what_label(categories: Sequence[str], wording: Wording, language: str) -> str:
    """The header's word for these categories: "Naloxone", "Harm reduction sites", ..."""
    cats = list(categories)
    if sorted(cats) == sorted(SITES_CATEGORIES):
        key = "sites"
    elif sorted(cats) == ["health_clinic", "syringe_services"]:
        key = "wounds"  # the WOUNDS topic's places: care and supplies
    elif len(cats) == 1 and cats[0] in ("naloxone", "test_strips", "health_clinic", "treatment"):
        key = cats[0]
    else:
        key = "any"
    return wording.render(f"directory_what_{key}", language)


def directory_answer(
    conn: Connection,
    wording: Wording,
    language: str,
    categories: Sequence[str],
    zip_code: str | None,
    now: datetime,
    radius_miles: float,
) -> Answer:
    """What a texter gets for these categories near this ZIP (the webhook, the CLI and the API share it)."""
    zip5 = normalize_zip(zip_code)
    point = zip_point(zip5)
    if point is None:
        return Answer(wording.render("zip_unknown", language), awaiting_zip=True)
    # The ZIP also finds services that serve its area; a Spanish texter gets Spanish first among equals.
    ranked = rank(
        conn, point.latitude, point.longitude, categories, now, radius_miles, zip_code=zip5, language=language
    )
    if not ranked:
        return Answer(wording.render("directory_none", language, miles=f"{radius_miles:g}"))
    page = places_by_id(conn, [r.id for r in ranked[:PAGE_SIZE]], point.latitude, point.longitude, now)
    label = what_label(categories, wording, language)
    text, shown = compose(page, wording, language, label, more_after=len(ranked) > len(page))
    rest = [r.id for r in ranked[shown:]]
    more = {"provider": PROVIDER, "zip": zip5, "categories": list(categories), "next": rest, "n": shown + 1}
    return Answer(text, more if rest else None)


def answer_near(turn: Turn, categories: list[str], zip_code: str) -> None:
    """Reply with the nearest places of `categories` to `zip_code`; keep MORE's place for 30 minutes."""
    answer = directory_answer(
        turn.conn,
        turn.wording,
        turn.language,
        categories,
        zip_code,
        turn.now,
        turn.ctx.settings.search_radius_miles,
    )
    if answer.awaiting_zip:
        turn.remember(awaiting="zip", categories=list(categories))
    else:
        turn.remember(more=answer.more)  # replaces the open question: it has been answered
    turn.reply = answer.text


def _more_places(turn: Turn) -> None:
    state = turn.texter.conversation.get("more") or {}
    point = zip_point(state.get("zip"))
    ids = [int(i) for i in state.get("next") or []]
    places = places_by_id(turn.conn, ids, point.latitude, point.longitude, turn.now) if point else []
    if not places:
        turn.remember()
        turn.say("directory_no_more")
        return
    categories = state.get("categories") or SITES_CATEGORIES
    number = int(state.get("n") or 1)
    label = what_label(categories, turn.wording, turn.language)
    text, shown = compose(places, turn.wording, turn.language, label, first_number=number)
    rest = [p.id for p in places[shown:]]
    turn.remember(more={**state, "next": rest, "n": number + shown} if rest else None)
    turn.reply = text


def _sites(turn: Turn) -> None:
    if turn.routed.zip_code:
        answer_near(turn, SITES_CATEGORIES, turn.routed.zip_code)
        return
    turn.remember(awaiting="zip", categories=SITES_CATEGORIES)
    turn.say("sites_ask_zip")


def _zip(turn: Turn) -> None:
    categories = turn.texter.conversation.get("categories") or SITES_CATEGORIES
    answer_near(turn, list(categories), turn.routed.zip_code or "")


HANDLERS: dict[Intent, Callable[[Turn], None]] = {Intent.SITES: _sites, Intent.ZIP: _zip}
MORE: dict[str, Callable[[Turn], None]] = {PROVIDER: _more_places}
