"""The Numbers page's figures from the database: counts per 15-minute UTC bucket, summed into the
program's local days by numbers.py, for any period.

Texts in come from `daily_count` (rows retention folded in, by the day it recorded) plus the inbound
rows not folded yet; check-ins, answers and alerts from their own tables.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import BigInteger, Integer, cast, extract, func, literal_column, select
from sqlalchemy.engine import Connection

from smsbot.checkins.states import CheckinStatus
from smsbot.dashboard.i18n import N_
from smsbot.dashboard.numbers import (
    BUCKET_SECONDS,
    Figures,
    Period,
    local_day_counts,
    median_wait,
    rate,
    series_of,
)
from smsbot.models import Alert, Checkin, DailyCount, InboundMessage

daily, inbound, checkin, alert = (
    DailyCount.__table__,
    InboundMessage.__table__,
    Checkin.__table__,
    Alert.__table__,
)
ESCALATED_KINDS = ("no_reply", "unreachable")


def _bucket(conn: Connection, column):
    """The timestamp's 15-minute bucket since 1970 (literal constants: GROUP BY repeats the expression)."""
    size = literal_column(str(BUCKET_SECONDS))
    if conn.dialect.name == "postgresql":
        return cast(func.floor(extract("epoch", column) / size), BigInteger)
    # SQLite keeps naive UTC text; strftime('%s') reads it as UTC, and integer / integer floors.
    return cast(func.strftime(literal_column("'%s'"), column), Integer).op("/")(size)


def _per_day(conn: Connection, period: Period, column, *conditions) -> dict[date, int]:
    bucket = _bucket(conn, column)
    rows = conn.execute(
        select(bucket, func.count())
        .where(column >= period.start_utc, column < period.end_utc, *conditions)
        .group_by(bucket)
    )
    return local_day_counts(rows, period.zone)


def keyword_use(conn: Connection, period: Period) -> tuple[dict[date, int], dict[str, int]]:
    """(texts in per local day, texts in per keyword) over the period."""
    per_day: dict[date, int] = defaultdict(int)
    per_intent: dict[str, int] = defaultdict(int)
    folded = conn.execute(
        select(daily.c.day, daily.c.name, daily.c.count).where(
            daily.c.name.like("inbound:%"),
            daily.c.day >= period.first.isoformat(),
            daily.c.day <= period.last.isoformat(),
        )
    )
    for day, name, count in folded:
        per_day[date.fromisoformat(str(day)[:10])] += int(count)
        per_intent[name.removeprefix("inbound:")] += int(count)
    bucket = _bucket(conn, inbound.c.received_at)
    live = conn.execute(
        select(bucket, inbound.c.intent, func.count())
        .where(inbound.c.received_at >= period.start_utc, inbound.c.received_at < period.end_utc)
        .group_by(bucket, inbound.c.intent)
    )
    for bucket_number, intent, count in live:
        for day, n in local_day_counts([(bucket_number, count)], period.zone).items():
            per_day[day] += n
        per_intent[intent] += int(count)
    return per_day, per_intent


def figures(conn: Connection, period: Period) -> Figures:
    texts_per_day, per_intent = keyword_use(conn, period)
    scheduled = checkin.c.scheduled_for
    sent = _per_day(conn, period, scheduled, checkin.c.status != CheckinStatus.MISSED_BY_SYSTEM)
    answered = _per_day(conn, period, scheduled, checkin.c.status == CheckinStatus.ANSWERED)
    escalated = _per_day(conn, period, alert.c.created_at, alert.c.kind.in_(ESCALATED_KINDS))
    alerts = _per_day(conn, period, alert.c.created_at)
    result = Figures(period=period)
    result.series = [
        # English catalog ids (the CSV's column names; the page and charts show them translated)
        series_of(N_("Texts in (all keywords)"), period, texts_per_day),
        series_of(N_("Check-ins sent"), period, sent),
        series_of(N_("Check-ins answered"), period, answered),
        series_of(N_("Check-ins escalated to a peer"), period, escalated),
        series_of(N_("Alerts"), period, alerts),
    ]
    result.keyword_totals = sorted(per_intent.items(), key=lambda item: (-item[1], item[0]))
    result.answer_rate = rate(sum(answered.values()), sum(sent.values()))
    answer_times = conn.execute(
        select(scheduled, checkin.c.answered_at).where(
            checkin.c.status == CheckinStatus.ANSWERED,
            scheduled >= period.start_utc,
            scheduled < period.end_utc,
            checkin.c.answered_at.is_not(None),
        )
    ).all()
    result.median_answer = median_wait(answered_at - at for at, answered_at in answer_times)
    ack_times = conn.execute(
        select(alert.c.created_at, alert.c.acked_at).where(
            alert.c.created_at >= period.start_utc,
            alert.c.created_at < period.end_utc,
            alert.c.acked_at.is_not(None),
        )
    ).all()
    result.median_ack = median_wait(acked - created for created, acked in ack_times)
    return result
