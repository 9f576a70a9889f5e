"""The Numbers page's figures: aggregate only, per UTC day, over the last 30 or 90 days.

Keyword use comes from `daily_count` (what retention folded in) plus the inbound rows not yet
folded; check-ins, answers and alerts from their tables. Any count under 5 is shown as "<5", and a
rate or a median is shown only when every count it is made of is 5 or more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from smsbot.models import Alert, Checkin, DailyCount, InboundMessage

daily, inbound, checkin, alert = (
    DailyCount.__table__,
    InboundMessage.__table__,
    Checkin.__table__,
    Alert.__table__,
)
PERIODS = (30, 90)
SMALL = 5


@dataclass
class DailySeries:
    label: str
    days: list[date]
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Figures:
    days: int
    start: date
    end: date
    series: list[DailySeries] = field(default_factory=list)
    keyword_totals: list[tuple[str, int]] = field(default_factory=list)
    answer_rate: str = "not enough yet"
    median_answer: str = "not enough yet"
    median_ack: str = "not enough yet"


def _day(conn: Connection, column):
    """A UTC timestamp column as 'YYYY-MM-DD' (SQLite keeps naive UTC text; PostgreSQL timestamptz)."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.date(column)


def _by_day(conn: Connection, column, *conditions, start: datetime) -> dict[str, int]:
    day = _day(conn, column)
    rows = conn.execute(select(day, func.count()).where(column >= start, *conditions).group_by(day))
    return {str(d): int(n) for d, n in rows}


def _series(label: str, days: list[date], counts: dict[str, int]) -> DailySeries:
    return DailySeries(label, days, [counts.get(d.isoformat(), 0) for d in days])


def _minutes(values: list[timedelta]) -> str:
    if len(values) < SMALL:
        return "not enough yet"
    minutes = median(v.total_seconds() for v in values) / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def keyword_use(conn: Connection, start: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """(texts in per day, texts in per keyword) over the window."""
    per_day: dict[str, int] = defaultdict(int)
    per_intent: dict[str, int] = defaultdict(int)
    folded = conn.execute(
        select(daily.c.day, daily.c.name, daily.c.count).where(
            daily.c.name.like("inbound:%"), daily.c.day >= start.date().isoformat()
        )
    )
    day = _day(conn, inbound.c.received_at)
    live = conn.execute(
        select(day, inbound.c.intent, func.count())
        .where(inbound.c.received_at >= start)
        .group_by(day, inbound.c.intent)
    )
    for d, name, count in [*folded, *((d, f"inbound:{intent}", n) for d, intent, n in live)]:
        per_day[str(d)] += int(count)
        per_intent[name.removeprefix("inbound:")] += int(count)
    return per_day, per_intent


def figures(conn: Connection, now: datetime, days: int) -> Figures:
    end = now.date()
    day_list = [end - timedelta(days=days - 1 - i) for i in range(days)]
    start = datetime.combine(day_list[0], time(0), tzinfo=now.tzinfo)
    texts_per_day, per_intent = keyword_use(conn, start)
    sent = _by_day(conn, checkin.c.scheduled_for, checkin.c.status != "missed_by_system", start=start)
    answered = _by_day(conn, checkin.c.scheduled_for, checkin.c.status == "answered", start=start)
    escalated = _by_day(conn, alert.c.created_at, alert.c.kind.in_(("no_reply", "unreachable")), start=start)
    alerts = _by_day(conn, alert.c.created_at, start=start)
    result = Figures(days=days, start=day_list[0], end=end)
    result.series = [
        _series("Texts in (all keywords)", day_list, texts_per_day),
        _series("Check-ins sent", day_list, sent),
        _series("Check-ins answered", day_list, answered),
        _series("Check-ins escalated to a peer", day_list, escalated),
        _series("Alerts", day_list, alerts),
    ]
    result.keyword_totals = sorted(per_intent.items(), key=lambda item: (-item[1], item[0]))
    total_sent, total_answered = sum(sent.values()), sum(answered.values())
    if total_sent >= SMALL and total_answered >= SMALL:
        result.answer_rate = f"{100 * total_answered / total_sent:.0f}%"
    answer_times = conn.execute(
        select(checkin.c.scheduled_for, checkin.c.answered_at).where(
            checkin.c.status == "answered",
            checkin.c.scheduled_for >= start,
            checkin.c.answered_at.is_not(None),
        )
    ).all()
    result.median_answer = _minutes([a - s for s, a in answer_times if a >= s])
    ack_times = conn.execute(
        select(alert.c.created_at, alert.c.acked_at).where(
            alert.c.created_at >= start, alert.c.acked_at.is_not(None)
        )
    ).all()
    result.median_ack = _minutes([a - c for c, a in ack_times if a >= c])
    return result
