"""Numbers without surveillance: reports, alerts, subscribers per area and the time from a first report
to its alert, as aggregates only; any count under 5 is shown as "<5" (a small area must not point to
a person)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.errors import N_, Forbidden, Invalid
from smsbot.models import DailyCount, SupplyAlert, SupplyReport, SupplySubscriber, SupplySubscription
from smsbot.supply.retention import COUNT_NAME

SMALL = 5
alert, report, daily = SupplyAlert.__table__, SupplyReport.__table__, DailyCount.__table__
subscriber, subscription = SupplySubscriber.__table__, SupplySubscription.__table__


def shown(count: int) -> str:
    """A count as staff see it: "<5" below 5 (and 0 as "0": nobody is nobody)."""
    return "<5" if 0 < count < SMALL else str(count)


@dataclass(frozen=True)
class SupplyNumbers:
    days: int
    reports: str  # received in the window (kept ones and those already deleted, from the daily counts)
    reports_waiting: str  # in the queue now
    alerts: dict[str, str]  # by status, alerts created in the window
    subscribers: str
    subscribers_by_zip: list[tuple[str, str]]  # (ZIP, count), largest first
    hours_to_alert: dict[str, float] | None  # first report -> sending: median, fastest, slowest


def supply_numbers(conn: Connection, actor: Actor, now: datetime, *, days: int = 90) -> SupplyNumbers:
    if actor.role not in ("peer", "admin", "system"):
        raise Forbidden(N_("only staff see these numbers"))
    if not 1 <= days <= 3660:
        raise Invalid(N_("days must be between 1 and 3660"), field="days")
    since = now - timedelta(days=days)
    kept = conn.execute(select(func.count()).where(report.c.created_at >= since)).scalar()
    gone = conn.execute(
        select(func.coalesce(func.sum(daily.c.count), 0)).where(
            daily.c.name == COUNT_NAME, daily.c.day >= since.date().isoformat()
        )
    ).scalar()
    waiting = conn.execute(select(func.count()).where(report.c.status == "new")).scalar()
    by_status = dict(
        conn.execute(
            select(alert.c.status, func.count()).where(alert.c.created_at >= since).group_by(alert.c.status)
        ).all()
    )
    per_zip = conn.execute(
        select(subscription.c.zip_code, func.count())
        .group_by(subscription.c.zip_code)
        .order_by(func.count().desc(), subscription.c.zip_code)
    ).all()
    total = conn.execute(select(func.count()).select_from(subscriber)).scalar()
    waits = [
        (sending - first).total_seconds() / 3600
        for first, sending in conn.execute(
            select(alert.c.first_report_at, alert.c.sending_at).where(
                alert.c.sending_at >= since, alert.c.first_report_at.is_not(None)
            )
        ).all()
    ]
    hours = None
    if waits:
        hours = {
            "median": round(statistics.median(waits), 1),
            "fastest": round(min(waits), 1),
            "slowest": round(max(waits), 1),
        }
    return SupplyNumbers(
        days=days,
        reports=shown(kept + gone),
        reports_waiting=shown(waiting),
        alerts={status: shown(count) for status, count in sorted(by_status.items())},
        subscribers=shown(total),
        subscribers_by_zip=[(zip_code, shown(count)) for zip_code, count in per_zip],
        hours_to_alert=hours,
    )
