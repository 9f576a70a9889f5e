"""The words of the check-in side, from the wording packs: invitation, prompt, reminder, peer alerts.
Discreet by construction: the values filled in are a first name, a nickname, a schedule and an
alert reference; never a phone number, a drug or a diagnosis.
"""

from __future__ import annotations

from datetime import time

from smsbot.checkins.schedule import describe_days, describe_time, parse_days, parse_local_time
from smsbot.replies.wording import Wording, WordingError

NO_PEER = {"en": "a peer", "es": "un compañero"}
# Alert kind -> wording key of the SMS the peer gets.
ALERT_KEYS = {
    "no_reply": "checkin_alert_no_reply",
    "call": "checkin_alert_call",
    "help": "checkin_alert_urgent",
    "distress": "checkin_alert_urgent",
    "emergency": "checkin_alert_urgent",
    "unreachable": "checkin_alert_unreachable",
    "opted_out": "checkin_alert_opted_out",
    "unconfirmed": "checkin_alert_unconfirmed",
}
STAFF_LANGUAGE = "en"


def first_name(staff_name: str | None, language: str = "en") -> str:
    if not staff_name or not staff_name.strip():
        return NO_PEER.get(language, NO_PEER["en"])
    return staff_name.split()[0][:20]


def schedule_values(local_time: str | time, days: str | frozenset[int], language: str) -> dict[str, str]:
    at = parse_local_time(local_time) if isinstance(local_time, str) else local_time
    day_set = parse_days(days) if isinstance(days, str) else days
    return {"time": describe_time(at, language), "days": describe_days(day_set, language)}


def invitation(wording: Wording, language: str, peer_name: str | None, local_time: str, days: str) -> str:
    return wording.render(
        "checkin_invite",
        language,
        peer=first_name(peer_name, language),
        **schedule_values(local_time, days, language),
    )


def prompt(wording: Wording, language: str, peer_name: str | None) -> str:
    return wording.render("checkin_prompt", language, peer=first_name(peer_name, language))


def reminder(wording: Wording, language: str, peer_name: str | None) -> str:
    return wording.render("checkin_reminder", language, peer=first_name(peer_name, language))


def alert(wording: Wording, kind: str, nickname: str | None, ref: int) -> str:
    return wording.render(
        ALERT_KEYS.get(kind, "checkin_alert_urgent"), STAFF_LANGUAGE, **alert_values(nickname, ref)
    )


def alert_on_call(wording: Wording, nickname: str | None, ref: int) -> str:
    return wording.render("checkin_alert_oncall", STAFF_LANGUAGE, **alert_values(nickname, ref))


def alert_values(nickname: str | None, ref: int) -> dict[str, str]:
    return {"nickname": nickname or "A participant", "ref": str(ref)}


def peer_opted_out(wording: Wording, peer_name: str | None, ref: int) -> str:
    """To the on-call peer: a peer's own phone opted out of the line's texts (21610)."""
    name = first_name(peer_name)
    try:
        return wording.render("checkin_alert_peer_opted_out", STAFF_LANGUAGE, **alert_values(name, ref))
    except WordingError:  # a pack without the dedicated line: the on-call text, saying what happened
        return alert_on_call(wording, f"peer {name}, whose phone opted out of texts", ref)
