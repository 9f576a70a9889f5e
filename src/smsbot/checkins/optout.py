"""One opt-out for every source (a STOP word, Twilio's OptOutType, carrier error 21610, a staff action):
the same suppression entry, consent evidence naming the source, enrollments ended, queued texts
cancelled and the peer told plainly. Also opt-in (START) and HELP evidence. Never commits.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from smsbot.alerts import raising as alerts
from smsbot.alerts.states import AlertStatus
from smsbot.checkins import endings, enrollments, texts
from smsbot.checkins.states import LIVE
from smsbot.models import Alert, ConsentRecord, Contact, Enrollment, Staff, Suppression
from smsbot.outbound import outbox
from smsbot.replies.wording import Wording
from smsbot.supply.subscriptions import end_alerts
from smsbot.upsert import insert_ignore

log = logging.getLogger(__name__)
contact, enrollment, staff = Contact.__table__, Enrollment.__table__, Staff.__table__
suppression, alert, consent = Suppression.__table__, Alert.__table__, ConsentRecord.__table__
CARRIER_OPT_OUT_CODE = "21610"  # Twilio: "Attempt to send to unsubscribed recipient"


class OptOutSource(StrEnum):
    SMS = "sms"  # a STOP word (or phrase) texted to the line
    TWILIO = "twilio_opt_out_type"  # the webhook's OptOutType (Twilio Advanced Opt-Out already acted)
    CARRIER = "carrier_21610"  # error 21610, on send or in a status callback
    STAFF = "staff"  # the participant told staff ("They asked for no more texts")


def _contact_id(conn: Connection, phone_index: str, contact_id: int | None) -> int | None:
    if contact_id is not None:
        return contact_id
    return conn.execute(select(contact.c.id).where(contact.c.phone_index == phone_index)).scalar()


def _wording_version(conn: Connection, wording: Wording | None, contact_id: int | None) -> str | None:
    if wording is None:
        return None
    language = None
    if contact_id is not None:
        language = conn.execute(select(contact.c.language).where(contact.c.id == contact_id)).scalar()
    return wording.version(language if language in wording.packs else "en")


def opt_out(
    conn: Connection,
    *,
    phone_index: str,
    contact_id: int | None,
    source: OptOutSource,
    now: datetime,
    wording: Wording,
    message_sid_hash: str | None = None,
    staff_id: int | None = None,
    ack_minutes: int = 30,
) -> bool:
    """Opt this number out of everything; True when it was not opted out before. Safe to repeat:
    a second source (say 21610 after STOP) finds nothing live and tells nobody twice."""
    newly = (
        conn.execute(
            insert_ignore(conn, suppression, ["phone_index"])
            .values(phone_index=phone_index, opted_out_at=now, source=str(source))
            .returning(suppression.c.phone_index)
        ).first()
        is not None
    )
    contact_id = _contact_id(conn, phone_index, contact_id)
    version = _wording_version(conn, wording, contact_id)
    if newly or not _has_evidence(conn, phone_index):
        enrollments.record_consent(
            conn,
            phone_index,
            "opt_out",
            now,
            wording_version=version,
            staff_id=staff_id,
            message_sid_hash=message_sid_hash,
            source=str(source),
        )
    # Drug-supply alerts end too, with their own consent record (issue 13).
    end_alerts(conn, phone_index, now, source=str(source), message_sid_hash=message_sid_hash,
               wording_version=version, staff_id=staff_id)  # fmt: skip
    if contact_id is None:
        return newly  # FORGET ran before: the suppression entry is all there is to keep
    conn.execute(
        update(contact)
        .where(contact.c.id == contact_id, contact.c.opted_out_at.is_(None))
        .values(opted_out_at=now)
    )
    live = conn.execute(
        select(enrollment.c.id).where(enrollment.c.contact_id == contact_id, enrollment.c.status.in_(LIVE))
    ).scalars()
    ended = list(live)
    endings.stop_contact(conn, contact_id, now)  # ends them, closes check-ins, cancels queued texts
    for enrollment_id in ended:
        # Plainly, and only once per enrollment: the peer must not go looking for someone who said stop.
        alerts.raise_alert(
            conn,
            wording,
            now,
            kind="opted_out",
            dedupe_key=f"enrollment:{enrollment_id}:opted_out",
            enrollment_id=enrollment_id,
            ack_minutes=ack_minutes,
            escalate=False,
        )
    if ended:
        log.info("opt-out (%s) ended %d enrollment(s)", source, len(ended))
    return newly


def _has_evidence(conn: Connection, phone_index: str) -> bool:
    """Whether the current suppression entry has its consent record (an entry written by some other
    path, or before this module existed, gets one now rather than never)."""
    since = (
        select(suppression.c.opted_out_at).where(suppression.c.phone_index == phone_index).scalar_subquery()
    )
    found = conn.execute(
        select(consent.c.id)
        .where(
            consent.c.phone_index == phone_index, consent.c.kind == "opt_out", consent.c.recorded_at >= since
        )
        .limit(1)
    ).first()
    return found is not None


def opt_in(
    conn: Connection,
    *,
    phone_index: str,
    contact_id: int | None,
    source: OptOutSource,
    now: datetime,
    message_sid_hash: str | None = None,
    wording: Wording | None = None,
) -> bool:
    """START (or OptOutType=START): keyword replies again, not check-ins. True when it was opted out."""
    removed = conn.execute(delete(suppression).where(suppression.c.phone_index == phone_index)).rowcount
    contact_id = _contact_id(conn, phone_index, contact_id)
    cleared = 0
    if contact_id is not None:
        cleared = conn.execute(
            update(contact)
            .where(contact.c.id == contact_id, contact.c.opted_out_at.is_not(None))
            .values(opted_out_at=None)
        ).rowcount
    was_out = bool(removed or cleared)
    if was_out:
        enrollments.record_consent(
            conn,
            phone_index,
            "opt_in",
            now,
            wording_version=_wording_version(conn, wording, contact_id),
            message_sid_hash=message_sid_hash,
            source=str(source),
        )
    return was_out


def record_help(
    conn: Connection,
    *,
    phone_index: str,
    source: OptOutSource,
    now: datetime,
    message_sid_hash: str | None = None,
    wording: Wording | None = None,
) -> None:
    """HELP (or OptOutType=HELP): evidence that the program's help text was asked for and given."""
    enrollments.record_consent(
        conn,
        phone_index,
        "help",
        now,
        wording_version=wording.version("en") if wording is not None else None,
        message_sid_hash=message_sid_hash,
        source=str(source),
    )


def opt_out_staff_phone(
    conn: Connection, *, staff_id: int, source: OptOutSource, now: datetime, wording: Wording
) -> bool:
    """A peer's own phone opted out (21610 on an alert): suppress that number and tell the on-call
    peers (or the admins); their participants' check-ins go on, and their alerts go on-call at once."""
    row = conn.execute(select(staff.c.phone_index, staff.c.name).where(staff.c.id == staff_id)).first()
    if row is None or not row.phone_index:
        return False
    newly = (
        conn.execute(
            insert_ignore(conn, suppression, ["phone_index"])
            .values(phone_index=row.phone_index, opted_out_at=now, source=str(source))
            .returning(suppression.c.phone_index)
        ).first()
        is not None
    )
    if newly or not _has_evidence(conn, row.phone_index):
        enrollments.record_consent(
            conn, row.phone_index, "opt_out", now, wording_version=None, staff_id=staff_id, source=str(source)
        )
    targets = _staff_to_tell(conn, staff_id)
    alert_id = conn.execute(
        insert_ignore(conn, alert, ["dedupe_key"])
        .values(
            dedupe_key=f"staff:{staff_id}:opted_out:{row.phone_index[:40]}",
            kind="peer_opted_out",
            status=AlertStatus.OPEN.value,
            created_at=now,
            escalated_at=now if targets else None,
            escalated_to=targets[0] if targets else None,
        )
        .returning(alert.c.id)
    ).scalar()
    if alert_id is None:
        return newly  # on-call were told when this number first opted out
    body = texts.peer_opted_out(wording, row.name, alert_id)
    for target in targets:
        outbox.enqueue(
            conn,
            key=f"alert:{alert_id}:oncall:{target}",
            purpose="alert_oncall",
            body=body,
            now=now,
            staff_id=target,
            alert_id=alert_id,
        )
    if not targets:
        log.error("staff %d's phone opted out and there is no on-call peer or admin to tell", staff_id)
    return newly


def _staff_to_tell(conn: Connection, staff_id: int) -> list[int]:
    """On-call peers who can be texted, else admins who can (never the opted-out one)."""
    reachable = (
        select(staff.c.id)
        .select_from(staff.outerjoin(suppression, suppression.c.phone_index == staff.c.phone_index))
        .where(
            staff.c.id != staff_id,
            staff.c.is_active,
            staff.c.phone_ciphertext.is_not(None),
            suppression.c.phone_index.is_(None),
        )
        .order_by(staff.c.id)
    )
    on_call = list(conn.execute(reachable.where(staff.c.is_on_call)).scalars())
    return on_call or list(conn.execute(reachable.where(staff.c.role == "admin")).scalars())


__all__ = [
    "CARRIER_OPT_OUT_CODE",
    "OptOutSource",
    "opt_in",
    "opt_out",
    "opt_out_staff_phone",
    "record_help",
]
