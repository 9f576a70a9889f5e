"""What the line does for each intent: compliance, emergencies, topics, MORE, FORGET, language.

Feature packages add their own handlers (directory: SITES and ZIP answers; check-ins: JOIN, OK,
CALL...; drug-supply alerts: ALERTS, STOP ALERTS, REPORT; compliance words: inbound/compliance.py).
Every handler sets at most one reply on the turn.
"""

from __future__ import annotations

from collections.abc import Callable

from smsbot.checkins import conversation as checkins
from smsbot.directory import conversation as directory
from smsbot.inbound.compliance import forget, help_, opt_in, opt_out
from smsbot.routing import Intent
from smsbot.supply import conversation as supply
from smsbot.turn import Turn

Handler = Callable[[Turn], None]

# Topics with several parts (MORE sends the next) that end by offering places nearby.
TOPIC_KEYS = {
    Intent.NALOXONE: "naloxone",
    Intent.TESTSTRIPS: "teststrips",
    Intent.HEART: "heart",
    Intent.TREATMENT: "treatment",
    Intent.WOUNDS: "wounds",
}
# Topics that only say their wording (MORE walks through the parts when the pack has several).
SAY_KEYS = {Intent.XYLAZINE: "xylazine", Intent.MIXING: "mixing"}
# Intents that are not a check-in's answer in passing: compliance, urgent words (their own hooks tell
# the peer) and the check-in words, which have their own handlers.
NOT_AN_ANSWER_IN_PASSING = frozenset(
    {
        Intent.OPT_OUT,
        Intent.OPT_IN,
        Intent.FORGET,
        Intent.EMERGENCY,
        Intent.DISTRESS,
        Intent.HELP,
        Intent.OK,
        Intent.CALL,
        Intent.PAUSE,
        Intent.RESUME,
        Intent.JOIN,
        Intent.CHECKIN,
        Intent.ANSWER,
        Intent.RELAPSE,
    }
)
# Written in another language than the texter chose, these are answered in the text's language
# this once: whoever holds the phone in an emergency may not be the person who chose.
ANSWERED_IN_THE_TEXTS_LANGUAGE = frozenset({Intent.EMERGENCY, Intent.DISTRESS, Intent.USING_ALONE})


def emergency(turn: Turn) -> None:
    supply.keep_urgent_answer(turn)  # inside a report: its words are kept; 911 still comes first
    _start_topic(turn, "emergency")
    checkins.on_urgent(turn, "emergency")  # a participant's peer hears now, check-in open or not


def distress(turn: Turn) -> None:
    turn.forget_conversation()
    turn.say("distress")
    checkins.on_urgent(turn, "distress")


def topic(turn: Turn) -> None:
    intent = turn.routed.intent
    categories = directory.CATEGORIES_FOR_INTENT[intent]
    if turn.routed.zip_code:
        directory.answer_near(turn, categories, turn.routed.zip_code)
        return
    _start_topic(turn, TOPIC_KEYS[intent], categories)


def using_alone(turn: Turn) -> None:
    """Using with nobody around, feeling fine: the Never Use Alone line, naloxone in reach."""
    turn.forget_conversation()
    _start_topic(turn, "using_alone")


def say_topic(turn: Turn) -> None:
    turn.forget_conversation()
    _start_topic(turn, SAY_KEYS[turn.routed.intent])


def relapse(turn: Turn) -> None:
    """Returning to use: a kind line; while a check-in waits, it is also the answer (check-ins say so)."""
    if turn.texter.open_checkin_id is not None:
        CHECKIN_RELAPSE(turn)
        return
    turn.forget_conversation()
    _start_topic(turn, "relapse")


def _relapse_as_checkin_answer(turn: Turn) -> None:
    checkins.record_answer_in_passing(turn)
    turn.forget_conversation()
    _start_topic(turn, "relapse")


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
    """Anything unrecognised gets the menu once a day, then a one-segment "didn't catch that" (MENU,
    911): never silence, never the texter's words back. A reply to a recent drug alert gets its details."""
    if supply.reply_to_alert(turn):
        return
    today = turn.now.date().isoformat()
    if turn.texter.menu_sent_on == today:
        turn.say("not_understood")
        return
    turn.texter.menu_sent_on = today
    turn.say("menu")


def switch_language(turn: Turn) -> None:
    turn.texter.language = "es" if turn.routed.intent is Intent.LANG_ES else "en"
    turn.say("lang_es" if turn.texter.language == "es" else "lang_en")


def opt_out_of(turn: Turn) -> None:
    """STOP ends everything (the alerts too, in checkins.optout); STOP ALERTS ends alerts only."""
    if turn.routed.scope == "alerts":
        supply.stop_alerts(turn)
    else:
        opt_out(turn)


def forget_everything(turn: Turn) -> None:
    supply.on_forget(turn)
    forget(turn)


def ok(turn: Turn) -> None:
    """ "ok" with no check-in waiting may be a reply to a drug alert: its details; else the check-ins'."""
    if turn.texter.open_checkin_id is None and supply.reply_to_alert(turn):
        return
    CHECKIN_OK(turn)


def zip_answer(turn: Turn) -> None:
    if not supply.zip_answer(turn):  # the ZIP ALERTS asked for; else the directory's question
        directory.HANDLERS[Intent.ZIP](turn)


CORE_HANDLERS: dict[Intent, Handler] = {
    Intent.OPT_OUT: opt_out_of,
    Intent.OPT_IN: opt_in,
    Intent.HELP: help_,
    Intent.EMERGENCY: emergency,
    Intent.DISTRESS: distress,
    Intent.USING_ALONE: using_alone,
    Intent.NALOXONE: topic,
    Intent.TESTSTRIPS: topic,
    Intent.HEART: topic,
    Intent.TREATMENT: topic,
    Intent.WOUNDS: topic,
    Intent.XYLAZINE: say_topic,
    Intent.MIXING: say_topic,
    Intent.RELAPSE: relapse,
    Intent.MORE: more,
    Intent.MENU: menu,
    Intent.UNKNOWN: unknown,
    Intent.LANG_ES: switch_language,
    Intent.LANG_EN: switch_language,
    Intent.FORGET: forget_everything,
    Intent.ALERTS: supply.alerts,
    Intent.REPORT: supply.report,
    Intent.REPORT_STEP: supply.report_step,
    Intent.SKIP: unknown,  # SKIP outside a report's questions
}
CHECKIN_OK: Handler = checkins.HANDLERS[Intent.OK]
# RELAPSE while a check-in waits is the check-ins' (answer + `relapse_checkin`); otherwise it is ours.
CHECKIN_RELAPSE: Handler = checkins.HANDLERS.get(Intent.RELAPSE, _relapse_as_checkin_answer)
HANDLERS: dict[Intent, Handler] = {
    **CORE_HANDLERS,
    **directory.HANDLERS,
    **{intent: handler for intent, handler in checkins.HANDLERS.items() if intent is not Intent.RELAPSE},
    Intent.ZIP: zip_answer,
    Intent.OK: ok,
}


def _choose_language(turn: Turn) -> None:
    """A chosen language sticks: Spanish words switch to Spanish; English ones never switch back
    (only ENGLISH does). An emergency in the other language is answered in it, the choice kept."""
    spoken, intent = turn.routed.language, turn.routed.intent
    if spoken is None or intent in (Intent.LANG_ES, Intent.LANG_EN) or spoken == turn.texter.language:
        return
    if spoken == "es":
        turn.texter.language = "es"
    elif intent in ANSWERED_IN_THE_TEXTS_LANGUAGE:
        turn.reply_language = spoken


def dispatch(turn: Turn) -> None:
    """Run the handler for the turn's intent. While a check-in waits, a text that is not a compliance,
    urgent or check-in word is recorded as its answer first, then answered as what it asks."""
    _choose_language(turn)
    intent = turn.routed.intent
    if turn.texter.open_checkin_id is not None and intent not in NOT_AN_ANSWER_IN_PASSING:
        checkins.record_answer_in_passing(turn)
    HANDLERS.get(intent, unknown)(turn)
