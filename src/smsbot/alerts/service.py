"""What staff do with peer alerts, whichever door they use (API, page): list them, acknowledge them
with what they found (a note kept encrypted: notes.py), and call the participant back (`reveal`, the one
way any page shows a participant's full number).

Each function takes the caller's connection and the acting staff member; it enforces the scoping (a
peer acts only on alerts of their own participants or escalated to them; anything else is "not
found"), moves the state through the alert machine, and writes the audit row in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.alerts import notes, views
from smsbot.alerts.states import ALERT, AlertStatus, Outcome
from smsbot.alerts.views import AlertView
from smsbot.audit import log as audit
from smsbot.errors import N_, Conflict, Forbidden, Invalid, NotFound
from smsbot.models import Alert, Contact, Enrollment
from smsbot.privacy import PhoneVault

alert, enrollment, contact = Alert.__table__, Enrollment.__table__, Contact.__table__
NO_SUCH_ALERT = N_("There is no such alert for you.")
MAX_NOTE = 300
_NUMBER_LIKE = re.compile(r"\d[\d\s().-]{5,}\d")
# Why someone needs a participant's number: fixed phrases, so the audit row says it without free text.
CALL_BACK_REASONS = {
    "asked_for_call": N_("they asked for a call"),
    "no_answer": N_("checking on them after no answer"),
    "safety": N_("worried about their safety"),
    "other": N_("another reason"),
}
GONE = N_("Their number is no longer kept (they asked the line to forget them).")
SHOWN_FOR_SECONDS = 180  # the page hides a revealed number again after this
NO_SUCH_PARTICIPANT = N_("There is no such participant for you.")
LARGEST_ID = 2**31 - 1  # an id past any integer column names nothing (never a database error)


@dataclass(frozen=True)
class CallBack:
    """A revealed number: E.164 for the tel: link, and as people write it; the alert it was revealed
    from (None: from the participant's page)."""

    alert: AlertView | None
    e164: str
    display: str
    enrollment_id: int | None = None


def get(
    conn: Connection, actor: Actor, now: datetime, alert_id: int, *, vault: PhoneVault | None = None
) -> AlertView:
    """One alert the actor may see; with the vault, its note readable."""
    found = views.one(conn, actor, alert_id)
    if found is None:
        raise NotFound(NO_SUCH_ALERT)
    return notes.shown(found, vault)


def list_alerts(
    conn: Connection,
    actor: Actor,
    now: datetime,
    *,
    status: str = "open",
    kind: str | None = None,
    search: str | None = None,
    limit: int = views.MAX_LISTED,
    vault: PhoneVault | None = None,
) -> list[AlertView]:
    """Open (the default), acknowledged ("acked") or all alerts the actor may see, filtered; with the
    vault, their notes readable."""
    if status not in views.STATUSES:
        raise Invalid(N_("Show open, acknowledged or all alerts."), field="status")
    found = views.listed(conn, actor, status=status, kind=kind, search=search, limit=limit)
    return [notes.shown(view, vault) for view in found]


def _outcome(outcome: str | None, note: str | None) -> tuple[str | None, str | None]:
    text = " ".join((note or "").split()) or None
    if outcome is not None and outcome not in set(Outcome):
        raise Invalid(
            N_("Choose what happened: reached them, no answer, left a message, or other."), field="outcome"
        )
    if outcome == Outcome.OTHER and not text:
        raise Invalid(N_("Say in a few words what happened."), field="note")
    if text and len(text) > MAX_NOTE:
        raise Invalid(
            N_("Keep the note to %(max)s characters or fewer."), field="note", values={"max": MAX_NOTE}
        )
    if text and _NUMBER_LIKE.search(text):
        raise Invalid(N_("Leave phone numbers out of the note."), field="note")
    return outcome, text


def acknowledge(
    conn: Connection,
    actor: Actor,
    now: datetime,
    alert_id: int,
    *,
    outcome: str | None = None,
    note: str | None = None,
    vault: PhoneVault | None = None,
) -> AlertView:
    """Acknowledge an alert, saying what happened: nothing more is sent about it (no escalation).
    Acknowledging it again changes nothing (a double tap): the first acknowledgement, and its one
    audit row, stand."""
    visible = views.scope(actor)
    query = select(alert.c.status).where(alert.c.id == alert_id)
    current = conn.execute(query if visible is None else query.where(visible)).first()
    if current is None:
        raise NotFound(NO_SUCH_ALERT)
    outcome, note = _outcome(outcome, note)
    if note and vault is None:
        raise ValueError("a note is kept encrypted: pass the vault")  # a caller's mistake, not the user's
    if current.status != AlertStatus.ACKED:
        new = ALERT.check(current.status, AlertStatus.ACKED)
        changed = conn.execute(
            update(alert)
            .where(alert.c.id == alert_id, alert.c.status == current.status)
            .values(
                status=new.value,
                acked_at=now,
                acked_by=actor.staff_id,
                escalate_at=None,
                outcome=outcome,
                note_ciphertext=notes.seal(vault, alert_id, note) if note and vault else None,
            )
        ).rowcount
        if changed:  # a concurrent acknowledgement that won the race wrote the row already
            detail = f"{actor.door}; {outcome}" if outcome else str(actor.door)
            audit.record(conn, now, actor.staff_id, "alert_acknowledged", "alert", alert_id, detail)
    return get(conn, actor, now, alert_id, vault=vault)


def call_back(
    conn: Connection, actor: Actor, now: datetime, alert_id: int, reason: str | None, *, vault: PhoneVault
) -> CallBack:
    """The participant's full number from an alert about them: `reveal` with the alert."""
    return reveal(conn, actor, now, reason, vault=vault, alert_id=alert_id)


def reveal(
    conn: Connection,
    actor: Actor,
    now: datetime,
    reason: str | None,
    *,
    vault: PhoneVault,
    alert_id: int | None = None,
    enrollment_id: int | None = None,
) -> CallBack:
    """The one way to see a participant's full number, from an alert about them or from their page:
    for their own peer (or an admin), with a reason, one audit row. Never in a URL or a log; every page
    shows it the same way (a tel: link, a copy button) for SHOWN_FOR_SECONDS."""
    found = None
    if alert_id is not None:
        found = get(conn, actor, now, alert_id, vault=vault)
        enrollment_id = found.enrollment_id
    elif enrollment_id is None or not 0 < enrollment_id <= LARGEST_ID:
        raise NotFound(NO_SUCH_PARTICIPANT)
    if reason not in CALL_BACK_REASONS:
        raise Invalid(N_("Say why you need their number."), field="reason")
    if enrollment_id is None:  # FORGET took the enrollment with it
        raise Conflict(GONE)
    row = conn.execute(
        select(enrollment.c.staff_id, contact.c.phone_index, contact.c.phone_ciphertext)
        .select_from(enrollment.outerjoin(contact, contact.c.id == enrollment.c.contact_id))
        .where(enrollment.c.id == enrollment_id)
    ).first()
    if found is None and (row is None or not actor.owns(row.staff_id)):
        raise NotFound(NO_SUCH_PARTICIPANT)  # another peer's participant is not there at all
    if row is not None and not actor.owns(row.staff_id):  # on call, they see the alert, not the number
        raise Forbidden(
            N_("Only their own peer or an admin can see this number. Ask an admin if you need it.")
        )
    if row is None or row.phone_ciphertext is None:
        raise Conflict(GONE)
    e164 = vault.decrypt(row.phone_ciphertext, row.phone_index)
    detail = f"{actor.door}; to call back: {CALL_BACK_REASONS[reason]}"
    where = ("alert", alert_id) if alert_id is not None else ("enrollment", enrollment_id)
    audit.record(conn, now, actor.staff_id, "phone_revealed", *where, detail)
    return CallBack(alert=found, e164=e164, display=_as_written(e164), enrollment_id=enrollment_id)


def _as_written(e164: str) -> str:
    """ "(434) 555-0123" for a US number, "+52 55 1234 5678" for another country's."""
    number = phonenumbers.parse(e164)
    style = phonenumbers.PhoneNumberFormat
    same_country = number.country_code == 1
    return phonenumbers.format_number(number, style.NATIONAL if same_country else style.INTERNATIONAL)
