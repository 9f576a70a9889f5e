"""Reading peer alerts as an actor may see them: a peer sees the alerts of their own participants and
the ones escalated to them as on-call; an admin (and the command line) sees all. Another peer's alert
is simply not there, so every door answers "not found" alike. Never a phone number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.alerts.states import OUTCOME_WORDS, AlertStatus
from smsbot.errors import N_
from smsbot.models import Alert, Checkin, Enrollment, Staff

alert, enrollment, checkin = Alert.__table__, Enrollment.__table__, Checkin.__table__
peer, acker = Staff.__table__.alias("peer"), Staff.__table__.alias("acker")
MAX_LISTED = 500
DELETED = N_("A participant (details deleted)")  # the page shows it translated
STATUSES = ("open", "acked", "all")  # what a list may ask for ("acked": the resolved ones)

WHAT_HAPPENED = {
    "call": N_("asked for a call"),
    "unreachable": N_("could not reach"),
    "help": N_("asked for help"),
    "distress": N_("sent words that sound like distress"),
    "emergency": N_("mentioned an emergency"),
    "opted_out": N_("opted out of texts"),
    "unconfirmed": N_("a check-in may not have reached them"),
    "peer_opted_out": N_("a peer's phone opted out of texts"),
}


# Kind -> (the family a card is drawn as, its label): five looks a shift can tell apart at a glance.
FAMILIES = {
    "call": ("call", N_("Asked for a call")),
    "no_reply": ("no-answer", N_("No answer")),
    "unconfirmed": ("no-answer", N_("No answer")),
    "unreachable": ("unreachable", N_("Could not reach")),
    "opted_out": ("opted-out", N_("Opted out")),
    "peer_opted_out": ("opted-out", N_("Opted out")),
    "help": ("distress", N_("Asked for help")),
    "distress": ("distress", N_("Distress")),
    "emergency": ("distress", N_("Emergency")),
}

# The families, once each, as a search form offers them.
FAMILY_LABELS = {
    "call": N_("Asked for a call"),
    "no-answer": N_("No answer"),
    "unreachable": N_("Could not reach"),
    "opted-out": N_("Opted out"),
    "distress": N_("Distress or asking for help"),
}


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    status: str
    what: str
    nickname: str
    enrollment_id: int | None
    checkin_id: int | None
    created_at: datetime
    acked_at: datetime | None
    acked_by: str | None  # the name of who acknowledged it
    escalated: bool
    peer_name: str | None
    owner_id: int | None  # the participant's peer (who may open their page and call them back)
    outcome: str | None = None
    note: str | None = None  # readable once alerts/notes.py has opened `sealed_note` (the service does)
    sealed_note: bytes | None = field(default=None, repr=False)
    since: str | None = None  # a "no answer" alert: the local time of the check-in ("18:00")

    @property
    def family(self) -> str:
        return FAMILIES.get(self.kind, ("distress", ""))[0]

    @property
    def label(self) -> str:
        return FAMILIES.get(self.kind, ("", self.kind.replace("_", " ").capitalize()))[1]

    @property
    def outcome_words(self) -> str:
        return OUTCOME_WORDS.get(self.outcome, "") if self.outcome else ""


def what_happened(kind: str, scheduled_for: datetime | None, timezone: str | None) -> str:
    """ "no answer since 18:00", "asked for a call", "could not reach"..."""
    if kind == "no_reply":
        since = _since(kind, scheduled_for, timezone)
        return NO_ANSWER_SINCE % {"time": since} if since else NO_ANSWER
    return WHAT_HAPPENED.get(kind, kind.replace("_", " "))


NO_ANSWER = N_("no answer to a check-in")
NO_ANSWER_SINCE = N_("no answer since %(time)s")


def _since(kind: str, scheduled_for: datetime | None, timezone: str | None) -> str | None:
    if kind != "no_reply" or scheduled_for is None:
        return None
    return scheduled_for.astimezone(ZoneInfo(timezone or "UTC")).strftime("%H:%M")


def scope(actor: Actor) -> ColumnElement[bool] | None:
    """The alerts a peer may see and act on (None: all of them)."""
    if actor.is_admin:
        return None
    return or_(alert.c.staff_id == actor.staff_id, alert.c.escalated_to == actor.staff_id)


def _query(actor: Actor):
    query = select(
        alert.c.id,
        alert.c.kind,
        alert.c.status,
        alert.c.created_at,
        alert.c.acked_at,
        alert.c.outcome,
        alert.c.note_ciphertext,
        alert.c.escalated_at,
        alert.c.enrollment_id,
        alert.c.checkin_id,
        enrollment.c.nickname,
        enrollment.c.timezone,
        enrollment.c.staff_id.label("owner_id"),
        checkin.c.scheduled_for,
        peer.c.name.label("peer_name"),
        acker.c.name.label("acked_by"),
    ).select_from(
        alert.outerjoin(enrollment, enrollment.c.id == alert.c.enrollment_id)
        .outerjoin(checkin, checkin.c.id == alert.c.checkin_id)
        .outerjoin(peer, peer.c.id == alert.c.staff_id)
        .outerjoin(acker, acker.c.id == alert.c.acked_by)
    )
    visible = scope(actor)
    return query if visible is None else query.where(visible)


def _view(row) -> AlertView:
    return AlertView(
        id=row.id,
        kind=row.kind,
        status=row.status,
        what=what_happened(row.kind, row.scheduled_for, row.timezone),
        nickname=row.nickname or DELETED,
        enrollment_id=row.enrollment_id,
        checkin_id=row.checkin_id,
        created_at=row.created_at,
        acked_at=row.acked_at,
        acked_by=row.acked_by,
        escalated=row.escalated_at is not None,
        peer_name=row.peer_name,
        owner_id=row.owner_id,
        outcome=row.outcome,
        sealed_note=row.note_ciphertext,
        since=_since(row.kind, row.scheduled_for, row.timezone),
    )


def one(conn: Connection, actor: Actor, alert_id: int) -> AlertView | None:
    row = conn.execute(_query(actor).where(alert.c.id == alert_id)).first()
    return _view(row) if row else None


def listed(
    conn: Connection,
    actor: Actor,
    *,
    status: str = "open",
    kind: str | None = None,
    search: str | None = None,
    limit: int = MAX_LISTED,
) -> list[AlertView]:
    """Open ones newest first; acknowledged ones most recently acknowledged first; "all": open first.
    `search` finds a nickname (any letter case); `kind` one kind of alert, or a family of them."""
    query = _query(actor)
    if kind:
        kinds = [name for name, (family, _) in FAMILIES.items() if family == kind] or [kind]
        query = query.where(alert.c.kind.in_(kinds))
    if search and search.strip():
        query = query.where(
            func.lower(enrollment.c.nickname).contains(search.strip().lower(), autoescape=True)
        )
    limit = max(1, min(limit, MAX_LISTED))
    found = []
    if status in ("open", "all"):
        opened = query.where(alert.c.status == AlertStatus.OPEN.value)
        found += conn.execute(
            opened.order_by(alert.c.created_at.desc(), alert.c.id.desc()).limit(limit)
        ).all()
    if status in ("acked", "all"):
        acked = query.where(alert.c.status == AlertStatus.ACKED.value)
        found += conn.execute(acked.order_by(alert.c.acked_at.desc(), alert.c.id.desc()).limit(limit)).all()
    return [_view(row) for row in found[:limit]]
