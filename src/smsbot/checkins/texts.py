"""The words of the check-in side, from the wording packs: invitation, prompt, reminder (peer alerts:
smsbot.alerts.texts).
Discreet by construction: the values filled in are a first name, a nickname, a schedule and an
alert reference; never a phone number, a drug or a diagnosis.
"""

from __future__ import annotations

from datetime import time

from smsbot.alerts.texts import STAFF_LANGUAGE, alert_on_call, alert_values
from smsbot.checkins.schedule import describe_days, describe_time, parse_days, parse_local_time
from smsbot.replies.wording import Wording, WordingError

NO_PEER = {"en": "a peer", "es": "un compañero"}


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


def peer_opted_out(wording: Wording, peer_name: str | None, ref: int) -> str:
    """To the on-call peer: a peer's own phone opted out of the line's texts (21610)."""
    name = first_name(peer_name)
    try:
        return wording.render("checkin_alert_peer_opted_out", STAFF_LANGUAGE, **alert_values(name, ref))
    except WordingError:  # a pack without the dedicated line: the on-call text, saying what happened
        return alert_on_call(wording, f"peer {name}, whose phone opted out of texts", ref)
