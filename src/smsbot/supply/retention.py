"""Reports live SMSBOT_RETENTION_DAYS (their `purge_at`), then go. Each is counted into `daily_count`
(per day it came, "supply:reports") in the transaction that deletes it, so the numbers outlive it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from smsbot.models import DailyCount, SupplyReport

report, daily = SupplyReport.__table__, DailyCount.__table__
BATCH = 5000
COUNT_NAME = "supply:reports"


def purge_reports(conn: Connection, now: datetime) -> int:
    """Delete up to BATCH reports past their time; returns how many went."""
    rows = conn.execute(
        select(report.c.id, report.c.created_at).where(report.c.purge_at <= now).limit(BATCH)
    ).all()
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for day, count in sorted(Counter(row.created_at.date().isoformat() for row in rows).items()):
        statement = dialect.insert(daily).values(day=day, name=COUNT_NAME, count=count)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["day", "name"], set_={"count": daily.c.count + statement.excluded.count}
            )
        )
    conn.execute(delete(report).where(report.c.id.in_([row.id for row in rows])))
    return len(rows)
