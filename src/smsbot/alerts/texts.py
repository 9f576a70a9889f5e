"""The words of peer alerts, from the wording packs: to the participant's peer and to the on-call peer.
Discreet by construction: a nickname and an alert reference, never a phone number, drug or diagnosis.
"""

from __future__ import annotations

from smsbot.replies.wording import Wording

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


def alert(wording: Wording, kind: str, nickname: str | None, ref: int) -> str:
    return wording.render(
        ALERT_KEYS.get(kind, "checkin_alert_urgent"), STAFF_LANGUAGE, **alert_values(nickname, ref)
    )


def alert_on_call(wording: Wording, nickname: str | None, ref: int) -> str:
    return wording.render("checkin_alert_oncall", STAFF_LANGUAGE, **alert_values(nickname, ref))


def alert_values(nickname: str | None, ref: int) -> dict[str, str]:
    return {"nickname": nickname or "A participant", "ref": str(ref)}
