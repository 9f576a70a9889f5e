"""The texter's side of drug-supply alerts: ALERTS (+ ZIP, or the ZIP when asked), STOP ALERTS, a report
in four skippable questions, and a short answer to a reply to an alert. Each sets at most one reply.

Conversation state: {"awaiting": "zip", "zip_for": "alerts"} while a ZIP is asked for alerts;
{"awaiting": "report", "report": {"step": n, "id": report id or None}} while a report asks its questions
(the answers themselves are only in the report row, encrypted).
"""

from __future__ import annotations

from smsbot.routing.normalize import normalize
from smsbot.supply import alert_replies, reports, subscriptions
from smsbot.supply.areas import place
from smsbot.supply.subscriptions import Joined
from smsbot.turn import Turn

ASK = ("report_start", "report_ask_happened", "report_ask_where", "report_ask_when")
# An answer that skips its question (folded, punctuation gone): SKIP / SALTAR, or any "I don't know".
SKIP_WORDS = frozenset(
    {
        "skip", "skp", "skip it", "pass", "next", "idk", "i dont know", "dont know", "not sure", "no idea",
        "dunno", "unknown", "na", "n a", "none", "no", "nope", "nothing",
        "saltar", "salta", "salto", "paso", "siguiente", "no se", "nose", "no lo se", "ni idea", "nada",
        "no sabemos", "no se nada",
    }
)  # fmt: skip


def _sid_hash(turn: Turn) -> str:
    return turn.ctx.vault.keyed_hash(turn.message_sid, "message_sid")


# --- ALERTS / STOP ALERTS ------------------------------------------------------------------------


def alerts(turn: Turn) -> None:
    """ALERTS with a ZIP subscribes; alone, it says what the number follows, or asks for a ZIP."""
    if turn.routed.zip_code:
        subscribe(turn, turn.routed.zip_code)
        return
    zips = subscriptions.zips_of(turn.conn, turn.texter.phone_index)
    if zips:
        turn.forget_conversation()
        turn.say("alerts_status", zips=", ".join(zips))
        return
    turn.remember(awaiting="zip", zip_for="alerts")
    turn.say("alerts_ask_zip")


def zip_answer(turn: Turn) -> bool:
    """The ZIP asked for by ALERTS (True), or a ZIP for someone else's question (False)."""
    if turn.texter.conversation.get("zip_for") != "alerts":
        return False
    subscribe(turn, turn.routed.zip_code or "")
    return True


def subscribe(turn: Turn, zip_code: str) -> None:
    where = place(zip_code)
    if where is None:
        turn.remember(awaiting="zip", zip_for="alerts")  # ask again
        turn.say("zip_unknown")
        return
    joined, zips = subscriptions.subscribe(
        turn.conn,
        turn.ctx.vault,
        contact_id=turn.texter.id,
        e164=turn.phone_e164,
        language=turn.language,
        zip_code=where.zip_code,
        now=turn.now,
        message_sid_hash=_sid_hash(turn),
        wording_version=turn.wording.version(turn.language),
    )
    turn.forget_conversation()
    if joined is Joined.FULL:
        turn.say("alerts_full", zips=", ".join(zips))
    else:
        turn.say("alerts_joined" if joined is Joined.ADDED else "alerts_already", area=where.name)


def stop_alerts(turn: Turn) -> None:
    """STOP ALERTS / PARAR ALERTAS: alerts only, said so; a number opted out of everything hears nothing."""
    ended = subscriptions.end_alerts(
        turn.conn,
        turn.texter.phone_index,
        turn.now,
        source="sms",
        message_sid_hash=_sid_hash(turn),
        wording_version=turn.wording.version(turn.language),
    )
    if turn.texter.conversation.get("zip_for") == "alerts":
        turn.forget_conversation()
    if not turn.texter.opted_out:
        turn.say("alerts_stopped" if ended else "alerts_none")


def on_forget(turn: Turn) -> None:
    """FORGET: the subscriber and its ZIPs go too (reports hold no number, so nothing links to them)."""
    subscriptions.end_alerts(turn.conn, turn.texter.phone_index, turn.now, source="forget")


# --- REPORT --------------------------------------------------------------------------------------


def report(turn: Turn) -> None:
    """REPORT / "bad batch" / ALERTA / REPORTE: the first of four questions. "ALERTA 22902" subscribes."""
    opening = normalize(turn.text).tokens
    if turn.routed.zip_code and opening[:1] == ("alerta",):
        subscribe(turn, turn.routed.zip_code)
        return
    key = reports.reporter_hash(turn.ctx.vault, turn.phone_e164, turn.now)
    if reports.reports_today(turn.conn, key) >= reports.MAX_PER_DAY:
        turn.forget_conversation()
        turn.say("report_limit")
        return
    report_id = None
    if turn.routed.matched_by not in ("exact", "first_word"):
        # "there's a bad batch of blues going around": the opening itself is part of the report.
        report_id = _save(turn, None, "opening")
    turn.remember(awaiting="report", report={"step": 0, "id": report_id})
    turn.say(ASK[0])


def report_step(turn: Turn) -> None:
    """One answer (or a skip); then the next question, or thanks and the 911 / naloxone line."""
    state = turn.texter.conversation.get("report") or {}
    step = int(state.get("step") or 0)
    report_id = state.get("id")
    if not is_skip(turn.text):
        report_id = _save(turn, report_id, reports.STEPS[min(step, len(reports.STEPS) - 1)])
    step += 1
    if step >= len(ASK):
        turn.forget_conversation()
        turn.say("report_thanks")
        return
    turn.remember(awaiting="report", report={"step": step, "id": report_id})
    turn.say(ASK[step])


def keep_urgent_answer(turn: Turn) -> None:
    """Emergency words inside a report: 911 comes first (the emergency's handler answers and ends the
    report), and what the text said is kept as the answer to the question it came in on."""
    state = turn.texter.conversation.get("report")
    if turn.texter.awaiting != "report" or not state:
        return
    step = int(state.get("step") or 0)
    _save(turn, state.get("id"), reports.STEPS[min(step, len(reports.STEPS) - 1)])


def is_skip(text: str) -> bool:
    return " ".join(normalize(text).tokens) in SKIP_WORDS


def _save(turn: Turn, report_id: int | None, step: str) -> int:
    return reports.save_answer(
        turn.conn,
        turn.ctx.vault,
        report_id=report_id,
        key=reports.reporter_hash(turn.ctx.vault, turn.phone_e164, turn.now),
        step=step,
        text=turn.text,
        language=turn.language,
        now=turn.now,
        retention_days=turn.ctx.settings.retention_days,
    )


# --- replies to an alert -------------------------------------------------------------------------


def reply_to_alert(turn: Turn) -> bool:
    """ "where?", "thanks", "is this real?" within days of an alert: its details, MENU, 911 (True).
    Never a peer: this only answers."""
    if not turn.texter.alert_subscriber:  # read with the texter: no look-up for anyone else
        return False
    found = alert_replies.recent_alert(turn.conn, turn.texter.phone_index, turn.now)
    if found is None:
        return False
    turn.say(
        "alert_reply",
        area=found.area_name,
        date=alert_replies.day_name(found.sent_at, turn.language, turn.ctx.settings.default_timezone),
    )
    return True
