"""What the line does for each intent: compliance, emergencies, topics, MORE, FORGET, language.

Feature packages add their own handlers (directory: SITES and ZIP answers; check-ins: JOIN, OK,
CALL...). Every handler sets at most one reply on the turn.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, update

from smsbot.checkins import conversation as checkins
from smsbot.directory import conversation as directory
from smsbot.models import ConsentRecord, Contact, InboundMessage, Suppression
from smsbot.routing import Intent
from smsbot.turn import Turn
from smsbot.upsert import insert_ignore

Handler = Callable[[Turn], None]

# Topics with several parts (MORE sends the next) that end by offering places nearby.
TOPIC_KEYS = {
    Intent.NALOXONE: "naloxone",
    Intent.TESTSTRIPS: "teststrips",
    Intent.HEART: "heart",
    Intent.TREATMENT: "treatment",
}


def _record_consent(turn: Turn, kind: str) -> None:
    turn.conn.execute(
        ConsentRecord.__table__.insert().values(
            phone_index=turn.texter.phone_index,
            kind=kind,
            recorded_at=turn.now,
            message_sid_hash=turn.ctx.vault.keyed_hash(turn.message_sid, "message_sid"),
            wording_version=turn.wording.version(turn.language),
        )
    )


def opt_out(turn: Turn) -> None:
    if turn.texter.opted_out:
        return  # already out: one confirmation is enough
    turn.conn.execute(
        insert_ignore(turn.conn, Suppression.__table__, ["phone_index"]).values(
            phone_index=turn.texter.phone_index, opted_out_at=turn.now, source="sms"
        )
    )
    _record_consent(turn, "opt_out")
    turn.texter.opted_out_at = turn.now
    turn.forget_conversation()
    checkins.on_opt_out(turn)
    turn.say("opt_out_confirm")


def opt_in(turn: Turn) -> None:
    if turn.texter.opted_out:
        turn.conn.execute(
            delete(Suppression.__table__).where(
                Suppression.__table__.c.phone_index == turn.texter.phone_index
            )
        )
        _record_consent(turn, "opt_in")
        turn.texter.opted_out_at = None
    turn.say("opt_in_confirm")


def help_(turn: Turn) -> None:
    turn.say("help")
    if turn.texter.open_checkin_id is not None:
        checkins.on_urgent(turn, "help")


def emergency(turn: Turn) -> None:
    _start_topic(turn, "emergency")
    if turn.texter.open_checkin_id is not None:
        checkins.on_urgent(turn, "emergency")


def distress(turn: Turn) -> None:
    turn.forget_conversation()
    turn.say("distress")
    if turn.texter.open_checkin_id is not None:
        checkins.on_urgent(turn, "distress")


def topic(turn: Turn) -> None:
    intent = turn.routed.intent
    categories = directory.CATEGORIES_FOR_INTENT[intent]
    if turn.routed.zip_code:
        directory.answer_near(turn, categories, turn.routed.zip_code)
        return
    _start_topic(turn, TOPIC_KEYS[intent], categories)


def _start_topic(turn: Turn, key: str, categories: list[str] | None = None) -> None:
    """Say part one; keep MORE's place and, for topics with places, wait for a ZIP."""
    has_more = turn.wording.count(key, turn.language) > 1
    turn.remember(
        more={"provider": "wording", "key": key, "next": 1} if has_more else None,
        awaiting="zip" if categories else None,
        categories=categories,
    )
    turn.say(key)


def more_from_wording(turn: Turn) -> None:
    state = turn.texter.conversation
    more = state["more"]
    key, part = more["key"], int(more["next"])
    if part >= turn.wording.count(key, turn.language):
        turn.remember(**{**state, "more": None})
        turn.say("more_end")
        return
    turn.remember(**{**state, "more": {**more, "next": part + 1}})
    turn.say(key, part)


MORE_PROVIDERS: dict[str, Handler] = {"wording": more_from_wording, **directory.MORE}


def more(turn: Turn) -> None:
    provider = (turn.texter.conversation.get("more") or {}).get("provider")
    if provider in MORE_PROVIDERS:
        MORE_PROVIDERS[provider](turn)
    else:
        turn.say("more_none")


def menu(turn: Turn) -> None:
    turn.forget_conversation()
    turn.say("menu")


def unknown(turn: Turn) -> None:
    """Anything unrecognised gets the menu, at most once a day; never the texter's words back."""
    today = turn.now.date().isoformat()
    if turn.texter.menu_sent_on == today:
        return
    turn.texter.menu_sent_on = today
    turn.say("menu")


def switch_language(turn: Turn) -> None:
    turn.texter.language = "es" if turn.routed.intent is Intent.LANG_ES else "en"
    turn.say("lang_es" if turn.texter.language == "es" else "lang_en")


def forget(turn: Turn) -> None:
    """Delete the texter's contact, state and history; keep only a suppression entry if they opted out."""
    checkins.on_forget(turn)
    conn, contact_id = turn.conn, turn.texter.id
    inbound = InboundMessage.__table__
    # Unlink (not delete) past MessageSids: redeliveries stay idempotent, nothing points to the person.
    conn.execute(update(inbound).where(inbound.c.contact_id == contact_id).values(contact_id=None))
    conn.execute(delete(Contact.__table__).where(Contact.__table__.c.id == contact_id))
    turn.texter.forgotten = True
    turn.say("forget_confirm")


CORE_HANDLERS: dict[Intent, Handler] = {
    Intent.OPT_OUT: opt_out,
    Intent.OPT_IN: opt_in,
    Intent.HELP: help_,
    Intent.EMERGENCY: emergency,
    Intent.DISTRESS: distress,
    Intent.NALOXONE: topic,
    Intent.TESTSTRIPS: topic,
    Intent.HEART: topic,
    Intent.TREATMENT: topic,
    Intent.MORE: more,
    Intent.MENU: menu,
    Intent.UNKNOWN: unknown,
    Intent.LANG_ES: switch_language,
    Intent.LANG_EN: switch_language,
    Intent.FORGET: forget,
}
HANDLERS: dict[Intent, Handler] = {**CORE_HANDLERS, **directory.HANDLERS, **checkins.HANDLERS}


def dispatch(turn: Turn) -> None:
    """Run the handler for the turn's intent; a keyword in Spanish answers in Spanish from now on."""
    if turn.routed.language and turn.routed.intent not in (Intent.LANG_ES, Intent.LANG_EN):
        turn.texter.language = turn.routed.language
    HANDLERS.get(turn.routed.intent, unknown)(turn)
