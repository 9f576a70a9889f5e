"""What staff do with peer alerts, whichever door they use (API, page): list them and acknowledge them.

Each function takes the caller's connection and the acting staff member; it enforces the scoping (a
peer acts only on alerts of their own participants or escalated to them; anything else is "not
found"), moves the state through the alert machine, and writes the audit row in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.alerts import views
from smsbot.alerts.states import ALERT, AlertStatus
from smsbot.alerts.views import AlertView
from smsbot.audit import log as audit
from smsbot.errors import Invalid, NotFound
from smsbot.models import Alert

alert = Alert.__table__
NO_SUCH_ALERT = "There is no such alert for you."


def get(conn: Connection, actor: Actor, now: datetime, alert_id: int) -> AlertView:
    found = views.one(conn, actor, alert_id)
    if found is None:
        raise NotFound(NO_SUCH_ALERT)
    return found


def list_alerts(
    conn: Connection,
    actor: Actor,
    now: datetime,
    *,
    status: str = "open",
    kind: str | None = None,
    search: str | None = None,
    limit: int = views.MAX_LISTED,
) -> list[AlertView]:
    """Open (the default), acknowledged ("acked") or all alerts the actor may see, filtered."""
    if status not in views.STATUSES:
        raise Invalid("Show open, acknowledged or all alerts.", field="status")
    return views.listed(conn, actor, status=status, kind=kind, search=search, limit=limit)


def acknowledge(conn: Connection, actor: Actor, now: datetime, alert_id: int) -> AlertView:
    """Acknowledge an alert: nothing more is sent about it (no escalation). Acknowledging it again
    changes nothing (a double tap): the first acknowledgement, and its one audit row, stand."""
    visible = views.scope(actor)
    query = select(alert.c.status).where(alert.c.id == alert_id)
    current = conn.execute(query if visible is None else query.where(visible)).first()
    if current is None:
        raise NotFound(NO_SUCH_ALERT)
    if current.status != AlertStatus.ACKED:
        new = ALERT.check(current.status, AlertStatus.ACKED)
        changed = conn.execute(
            update(alert)
            .where(alert.c.id == alert_id, alert.c.status == current.status)
            .values(status=new.value, acked_at=now, acked_by=actor.staff_id, escalate_at=None)
        ).rowcount
        if changed:  # a concurrent acknowledgement that won the race wrote the row already
            audit.record(conn, now, actor.staff_id, "alert_acknowledged", "alert", alert_id, str(actor.door))
    return get(conn, actor, now, alert_id)
