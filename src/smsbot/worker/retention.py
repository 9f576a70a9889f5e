"""Retention: message text lives SMSBOT_RETENTION_DAYS at most; expired conversation state goes sooner.
Inbound rows are first counted into `daily_count` (per day in the program's time zone, and intent) in
the same transaction that deletes them, so the numbers outlive the rows and nothing is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from smsbot.alerts.notes import purge as purge_alert_notes
from smsbot.context import AppContext
from smsbot.models import Checkin, Contact, DailyCount, InboundCounter, InboundMessage, OutboxMessage
from smsbot.outbound.callbacks import purge_pending
from smsbot.outbound.states import FINAL
from smsbot.supply.retention import purge_reports

inbound = InboundMessage.__table__
daily = DailyCount.__table__
checkin = Checkin.__table__
contact = Contact.__table__
outbox = OutboxMessage.__table__
BATCH = 5000
# A delivery report whose SID never landed (the send's worker died first, or the SID is not ours)
# is kept this long; SIDs land within seconds and Twilio's reports come within hours.
PENDING_STATUS_KEPT = timedelta(days=2)


@dataclass
class RetentionReport:
    inbound_deleted: int = 0
    answers_purged: int = 0
    conversations_cleared: int = 0
    outbox_deleted: int = 0
    pending_statuses_deleted: int = 0
    alert_notes_purged: int = 0


def _add_counts(conn: Connection, counts: list[tuple[str, str, int]]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for day, name, count in counts:
        statement = dialect.insert(daily).values(day=day, name=name, count=count)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["day", "name"], set_={"count": daily.c.count + statement.excluded.count}
            )
        )


def _purge_inbound(conn: Connection, cutoff: datetime, zone: str) -> int:
    ids = list(
        conn.execute(
            select(inbound.c.id)
            .where(inbound.c.received_at < cutoff)
            .order_by(inbound.c.received_at)
            .limit(BATCH)
        ).scalars()
    )
    if not ids:
        return 0
    rows = conn.execute(select(inbound.c.received_at, inbound.c.intent).where(inbound.c.id.in_(ids))).all()
    tally: dict[tuple[str, str], int] = {}
    local = ZoneInfo(zone)  # the program's day, as the Numbers page counts days (issue 12)
    for received_at, intent in rows:
        key = (received_at.astimezone(local).date().isoformat(), f"inbound:{intent}"[:48])
        tally[key] = tally.get(key, 0) + 1
    _add_counts(conn, [(day, name, count) for (day, name), count in sorted(tally.items())])
    conn.execute(delete(inbound).where(inbound.c.id.in_(ids)))
    return len(ids)


def run_retention(ctx: AppContext, now: datetime | None = None) -> RetentionReport:
    now = now or ctx.clock.now()
    cutoff = now - timedelta(days=ctx.settings.retention_days)
    report = RetentionReport()
    while True:
        with ctx.db.transaction() as conn:
            deleted = _purge_inbound(conn, cutoff, ctx.settings.default_timezone)
        report.inbound_deleted += deleted
        if deleted < BATCH:
            break
    with ctx.db.transaction() as conn:
        report.answers_purged = conn.execute(
            update(checkin)
            .where(checkin.c.answer_purge_at <= now)
            .values(answer_ciphertext=None, answer_purge_at=None)
        ).rowcount
        report.conversations_cleared = conn.execute(
            update(contact)
            .where(contact.c.conversation_expires_at <= now)
            .values(conversation=None, conversation_expires_at=None)
        ).rowcount
        # `status || ''`: an expression, so the planner walks the created_at index (oldest first)
        # rather than the claim index, where a settled status holds nearly every row (SQLite chose
        # it and read 100,000 rows a tick).
        old_ids = (
            select(outbox.c.id)
            .where(outbox.c.created_at < cutoff, (outbox.c.status + "").in_(FINAL))
            .limit(BATCH)
            .scalar_subquery()
        )
        report.outbox_deleted = conn.execute(delete(outbox).where(outbox.c.id.in_(old_ids))).rowcount
        report.pending_statuses_deleted = purge_pending(conn, now - PENDING_STATUS_KEPT)
        # Flood counters (inbound/flood.py) go once their window ends; a day's outlive FORGET until then.
        conn.execute(delete(InboundCounter.__table__).where(InboundCounter.__table__.c.expires_at <= now))
        purge_reports(conn, now)  # drug-supply reports: their free text lives the same window (issue 13)
        # What a peer wrote about a person when acknowledging an alert: free text, the same window.
        report.alert_notes_purged = purge_alert_notes(conn, cutoff)
    return report
