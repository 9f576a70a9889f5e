"""Compliance words and their one effect: STOP, START, HELP, FORGET, and Twilio's OptOutType.

Opt-out and opt-in go through `checkins.optout`, the one path every source (an SMS word, Twilio's
OptOutType, error 21610, a staff action) shares: suppression, consent naming the source, enrollments ended.
"""

from __future__ import annotations

from sqlalchemy import delete, update

from smsbot.checkins import conversation as checkins
from smsbot.checkins import optout
from smsbot.checkins.optout import OptOutSource
from smsbot.models import Contact, InboundMessage
from smsbot.turn import Turn


def _sid_hash(turn: Turn) -> str:
    return turn.ctx.vault.keyed_hash(turn.message_sid, "message_sid")


def _now_opted_out(turn: Turn) -> None:
    turn.texter.opted_out_at = turn.texter.opted_out_at or turn.now
    turn.texter.open_checkin_id = None  # optout ended every enrollment and closed its check-ins
    turn.forget_conversation()


def record_opt_out(turn: Turn, source: OptOutSource) -> bool:
    """The one opt-out (suppression, consent naming the source, enrollments ended, peer told)."""
    newly = optout.opt_out(
        turn.conn,
        phone_index=turn.texter.phone_index,
        contact_id=turn.texter.id,
        source=source,
        now=turn.now,
        wording=turn.wording,
        message_sid_hash=_sid_hash(turn),
        ack_minutes=turn.ctx.settings.alert_ack_minutes,
    )
    _now_opted_out(turn)
    return newly


def record_opt_in(turn: Turn, source: OptOutSource) -> bool:
    was_out = optout.opt_in(
        turn.conn,
        phone_index=turn.texter.phone_index,
        contact_id=turn.texter.id,
        source=source,
        now=turn.now,
        message_sid_hash=_sid_hash(turn),
        wording=turn.wording,
    )
    turn.texter.opted_out_at = None
    return was_out


def opt_out(turn: Turn) -> None:
    if record_opt_out(turn, OptOutSource.SMS):
        turn.say("opt_out_confirm")  # only when newly out: one confirmation is enough


def opt_in(turn: Turn) -> None:
    record_opt_in(turn, OptOutSource.SMS)
    turn.say("opt_in_confirm")


def twilio_opt_out_type(turn: Turn, kind: str) -> None:
    """Twilio's Advanced Opt-Out acted on this text (and answered it): record the same effect, say nothing."""
    if kind == "STOP":
        record_opt_out(turn, OptOutSource.TWILIO)
    elif kind == "START":
        record_opt_in(turn, OptOutSource.TWILIO)
    else:
        optout.record_help(
            turn.conn,
            phone_index=turn.texter.phone_index,
            source=OptOutSource.TWILIO,
            now=turn.now,
            message_sid_hash=_sid_hash(turn),
            wording=turn.wording,
        )
    turn.reply = None


def help_(turn: Turn) -> None:
    if turn.texter.opted_out:
        turn.say("help_opted_out")  # carriers expect HELP answered always; it says how to START again
        return
    turn.say("help")
    if turn.texter.open_checkin_id is not None:
        checkins.on_urgent(turn, "help")


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
