"""What /metrics reads from the database at each scrape besides the watch: the last 24 hours of
outbox texts and check-ins, check-ins due, and how long peers take to acknowledge alerts.
"""
# Rows, not process memory: every web process reports the same figures, however many there are and
# whichever of them sent or received what. Labels are the tables' own fixed words (a purpose, a
# status), never a number or a text. A label set seen before and absent now is set to 0, not left stale.

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from prometheus_client import Gauge
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from smsbot.db import utc_value
from smsbot.models import Alert, Checkin, Enrollment, OutboxMessage
from smsbot.observability import (
    ALERT_ACK_SECONDS,
    ALERT_OLDEST_OPEN_SECONDS,
    CHECKINS_24H,
    CHECKINS_DUE,
    OUTBOX_TEXTS_24H,
)

outbox, checkin = OutboxMessage.__table__, Checkin.__table__
alert, enrollment = Alert.__table__, Enrollment.__table__
DAY, ACK_WINDOW = timedelta(hours=24), timedelta(days=7)
_seen: dict[Gauge, set[tuple[str, ...]]] = {}


def _set_all(gauge: Gauge, values: dict[tuple[str, ...], float]) -> None:
    seen = _seen.setdefault(gauge, set())
    for labels in seen - set(values):
        gauge.labels(*labels).set(0)
    for labels, value in values.items():
        gauge.labels(*labels).set(value)
    seen.update(values)


def export(conn: Connection, now: datetime) -> None:
    """Set the gauges from the database (the caller handles a database that does not answer)."""
    since = now - DAY
    texts = conn.execute(
        select(outbox.c.purpose, outbox.c.status, func.count())
        .where(outbox.c.created_at >= since)
        .group_by(outbox.c.purpose, outbox.c.status)
    ).all()
    _set_all(OUTBOX_TEXTS_24H, {(purpose, status): n for purpose, status, n in texts})
    checkins = conn.execute(
        select(checkin.c.status, func.count())
        .where(checkin.c.scheduled_for >= since, checkin.c.scheduled_for <= now)
        .group_by(checkin.c.status)
    ).all()
    _set_all(CHECKINS_24H, {(status,): n for status, n in checkins})
    CHECKINS_DUE.set(
        conn.execute(
            select(func.count()).where(enrollment.c.status == "active", enrollment.c.next_checkin_at <= now)
        ).scalar()
        or 0
    )
    acked = conn.execute(
        select(alert.c.created_at, alert.c.acked_at).where(
            alert.c.acked_at >= now - ACK_WINDOW, alert.c.status == "acked"
        )
    ).all()
    delays = sorted(
        max(0.0, (utc_value(acked_at) - utc_value(created)).total_seconds()) for created, acked_at in acked
    )
    ALERT_ACK_SECONDS.labels("0.5").set(statistics.median(delays) if delays else 0)
    ALERT_ACK_SECONDS.labels("0.9").set(delays[int(0.9 * (len(delays) - 1))] if delays else 0)
    ALERT_ACK_SECONDS.labels("1").set(delays[-1] if delays else 0)
    oldest = utc_value(
        conn.execute(select(func.min(alert.c.created_at)).where(alert.c.status == "open")).scalar()
    )
    ALERT_OLDEST_OPEN_SECONDS.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0)
