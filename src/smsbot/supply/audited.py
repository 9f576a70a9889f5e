"""The audit actions of drug-supply alerts, registered with the audit log, and one way to write them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.audit import log as audit

ACTIONS = {
    "supply_reports_merged": "merged drug-supply reports",
    "supply_report_unmerged": "took a report out of a merge",
    "supply_report_dismissed": "dismissed a drug-supply report",
    "supply_report_restored": "put a dismissed report back in the queue",
    "supply_alert_drafted": "drafted a drug-supply alert",
    "supply_alert_edited": "edited a drug-supply alert",
    "supply_alert_approved": "approved a drug-supply alert",
    "supply_alert_sent": "sent a drug-supply alert",
    "supply_alert_cancelled": "cancelled a drug-supply alert",
}
for _action, _what in ACTIONS.items():
    audit.ACTIONS.setdefault(_action, _what)


def record(
    conn: Connection, actor: Actor, now: datetime, action: str, object_type: str, object_id: int, detail: str
) -> None:
    """One audit row in the caller's transaction; `detail` says what, never any report or alert text."""
    where = f" ({actor.door})" if actor.door else ""
    audit.record(conn, now, actor.staff_id, action, object_type, object_id, f"{detail}{where}")
