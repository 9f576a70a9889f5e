"""Check-in side of a conversation: JOIN, CHECKIN (+ a time), OK, CALL, PAUSE, RESUME, free answers,
RELAPSE, and the hooks the core handlers call on STOP, FORGET, HELP, distress and any other text.
Each handler works in the webhook's transaction (`turn.conn`) and sets at most one reply.
"""

from __future__ import annotations

from collections.abc import Callable

from smsbot.alerts import raising as alerts
from smsbot.checkins import answers, endings, enrollments, texts
from smsbot.checkins.states import EnrollmentStatus
from smsbot.errors import Conflict
from smsbot.routing.intents import Intent
from smsbot.turn import Turn

URGENT_REASONS = ("help", "distress", "emergency")


def _schedule_values(turn: Turn, row) -> dict[str, str]:
    return texts.schedule_values(row.local_time, row.days, turn.language)


def _peer(turn: Turn, row) -> str:
    return texts.first_name(row.peer_name if row is not None else None, turn.language)


def _evidence(turn: Turn, kind: str, staff_id: int | None) -> None:
    enrollments.record_consent(
        turn.conn,
        turn.texter.phone_index,
        kind,
        turn.now,
        wording_version=turn.wording.version(turn.language),
        staff_id=staff_id,
        message_sid_hash=turn.ctx.vault.keyed_hash(turn.message_sid, "message_sid"),
    )


def _raise(turn: Turn, kind: str, enrollment_id: int | None, checkin_id: int | None) -> None:
    alerts.raise_alert(
        turn.conn,
        turn.wording,
        turn.now,
        kind=kind,
        dedupe_key=f"sms:{turn.ctx.vault.keyed_hash(turn.message_sid, 'message_sid')[:40]}:{kind}",
        enrollment_id=enrollment_id,
        checkin_id=checkin_id,
        ack_minutes=turn.ctx.settings.alert_ack_minutes,
    )


def _answer(turn: Turn, kind: str, text: str | None = None) -> int | None:
    """Record an answer to the open check-in, if there is one; returns its enrollment id."""
    checkin_id = turn.texter.open_checkin_id
    if checkin_id is None:
        return None
    enrollment_id = answers.answer_checkin(
        turn.conn,
        checkin_id,
        turn.now,
        kind,
        vault=turn.ctx.vault,
        text=text,
        retention_days=turn.ctx.settings.retention_days,
    )
    turn.texter.open_checkin_id = None
    return enrollment_id


def join(turn: Turn) -> None:
    row = enrollments.live_enrollment(turn.conn, turn.texter.id)
    if row is None:
        turn.say("checkin_not_enrolled")
        return
    if row.status == EnrollmentStatus.INVITED:
        enrollments.activate(turn.conn, row, turn.now)
        _evidence(turn, "checkins_join", row.staff_id)
        turn.say("checkin_joined", **_schedule_values(turn, row))
        return
    turn.say("checkin_already_active", **_schedule_values(turn, row))


def checkin_keyword(turn: Turn) -> None:
    """CHECKIN: an invited texter joins; an enrolled one hears their schedule; anyone else is asked a time."""
    row = enrollments.live_enrollment(turn.conn, turn.texter.id)
    if row is not None and row.status == EnrollmentStatus.INVITED:
        join(turn)
    elif row is not None:
        turn.say("checkin_already_active", **_schedule_values(turn, row))
    else:
        turn.remember(awaiting="time")
        turn.say("checkin_ask_time")


def time_answer(turn: Turn) -> None:
    """The time asked for after CHECKIN: active at once, with the program's on-call peer."""
    if turn.routed.time_of_day is None:
        turn.remember(awaiting="time")
        turn.say("checkin_ask_time")
        return
    turn.forget_conversation()
    if enrollments.live_enrollment(turn.conn, turn.texter.id) is not None:
        checkin_keyword(turn)
        return
    settings = turn.ctx.settings
    try:
        _enrollment_id, peer_name = enrollments.self_enroll(
            turn.conn,
            vault=turn.ctx.vault,
            now=turn.now,
            contact_id=turn.texter.id,
            e164=turn.phone_e164,
            local_time=turn.routed.time_of_day,
            timezone=settings.default_timezone,
            reply_window_minutes=settings.reply_window_minutes,
        )
    except Conflict:
        checkin_keyword(turn)  # a peer enrolled this number at the same moment: theirs stands
        return
    row = enrollments.live_enrollment(turn.conn, turn.texter.id)
    _evidence(turn, "checkins_self_join", row.staff_id)
    turn.say(
        "checkin_self_joined", peer=texts.first_name(peer_name, turn.language), **_schedule_values(turn, row)
    )


def ok(turn: Turn) -> None:
    if _answer(turn, "ok") is None and enrollments.live_enrollment(turn.conn, turn.texter.id) is None:
        turn.say("checkin_not_enrolled")
        return
    turn.say("checkin_thanks")


def call(turn: Turn) -> None:
    row = enrollments.live_enrollment(turn.conn, turn.texter.id)
    checkin_id = turn.texter.open_checkin_id
    enrollment_id = _answer(turn, "call")
    if enrollment_id is None and (row is None or row.status == EnrollmentStatus.INVITED):
        turn.say("checkin_not_enrolled")
        return
    _raise(turn, "call", enrollment_id or row.id, checkin_id)
    turn.say("checkin_call_ack", peer=_peer(turn, row))


def pause(turn: Turn) -> None:
    row = enrollments.live_enrollment(turn.conn, turn.texter.id)
    if row is None or row.status == EnrollmentStatus.INVITED:
        turn.say("checkin_not_enrolled")
        return
    if row.status == EnrollmentStatus.ACTIVE:
        endings.pause(turn.conn, row, turn.now)
        turn.texter.open_checkin_id = None
    turn.say("checkin_paused")


def resume(turn: Turn) -> None:
    row = enrollments.live_enrollment(turn.conn, turn.texter.id)
    if row is None or row.status == EnrollmentStatus.INVITED:
        turn.say("checkin_not_enrolled")
        return
    if row.status == EnrollmentStatus.PAUSED:
        enrollments.activate(turn.conn, row, turn.now)
    turn.say("checkin_resumed", **_schedule_values(turn, row))


def free_answer(turn: Turn) -> None:
    """Any other text while a check-in waits counts as an answer; the peer can read it for a while."""
    text = turn.text
    row = enrollments.live_enrollment(turn.conn, turn.texter.id)
    if _answer(turn, "text", text) is None:
        turn.say("checkin_not_enrolled" if row is None else "checkin_thanks")
        return
    turn.say("checkin_thanks_answer", peer=_peer(turn, row))


def record_answer_in_passing(turn: Turn) -> None:
    """Any text while a check-in waits is its answer, even one that also asks for a topic ("rough
    night but im ok. out of strips tho"): recorded, readable by the peer; the topic's handler replies."""
    if turn.texter.open_checkin_id is not None and turn.text.strip():
        _answer(turn, "text", turn.text)


def relapse(turn: Turn) -> None:
    """ "I used again": a kind line; for a check-in answer, also recorded and an offer of a call."""
    row = enrollments.live_enrollment(turn.conn, turn.texter.id)
    answered = _answer(turn, "text", turn.text) is not None
    # The dispatcher may have recorded it a moment ago (record_answer_in_passing) in this same turn.
    if answered or (row is not None and answers.answered_at(turn.conn, turn.texter.id, turn.now)):
        turn.say("relapse_checkin", peer=_peer(turn, row))
        return
    turn.say("relapse")


def on_opt_out(turn: Turn) -> None:
    """STOP: end every enrollment of this texter and cancel whatever was queued (the peer sees it)."""
    endings.stop_contact(turn.conn, turn.texter.id, turn.now)
    turn.texter.open_checkin_id = None


def on_forget(turn: Turn) -> None:
    """FORGET: remove enrollments, check-ins and answers before the contact row goes."""
    endings.forget_contact(turn.conn, turn.texter.id)
    turn.texter.open_checkin_id = None


def on_urgent(turn: Turn, reason: str) -> None:
    """HELP, distress or emergency words while a check-in is open: the peer hears now."""
    checkin_id = turn.texter.open_checkin_id
    enrollment_id = _answer(turn, reason if reason in URGENT_REASONS else "help")
    if enrollment_id is None:
        row = enrollments.live_enrollment(turn.conn, turn.texter.id)
        if row is None or row.status == EnrollmentStatus.INVITED:
            return
        enrollment_id = row.id
    _raise(turn, reason if reason in URGENT_REASONS else "help", enrollment_id, checkin_id)


HANDLERS: dict[Intent, Callable[[Turn], None]] = {
    Intent.JOIN: join,
    Intent.CHECKIN: checkin_keyword,
    Intent.TIME: time_answer,
    Intent.OK: ok,
    Intent.CALL: call,
    Intent.PAUSE: pause,
    Intent.RESUME: resume,
    Intent.ANSWER: free_answer,
}
if hasattr(Intent, "RELAPSE"):  # the router learns the words in the same change (issue 8)
    HANDLERS[Intent.RELAPSE] = relapse
