"""Which alert a reply answers: the last one this number was sent in the past few days, and its area as
the texter knows it (one of their own ZIPs). Only asked for texts nothing else understood."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Connection

from smsbot.db import utc_value
from smsbot.models import (
    Contact,
    OutboxMessage,
    SupplyAlert,
    SupplyBroadcast,
    SupplyDelivery,
    SupplySubscriber,
)
from smsbot.outbound.states import OutboxStatus as S
from smsbot.supply.areas import place
from smsbot.supply.subscriptions import zips_of

REPLY_WINDOW = timedelta(days=3)
WENT_OUT = (S.SENT, S.DELIVERED, S.READ)
subscriber, delivery, contact = SupplySubscriber.__table__, SupplyDelivery.__table__, Contact.__table__
outbox, broadcast, alert = OutboxMessage.__table__, SupplyBroadcast.__table__, SupplyAlert.__table__
_MONTHS_ES = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
    "noviembre", "diciembre",
)  # fmt: skip


@dataclass(frozen=True)
class RecentAlert:
    alert_id: int
    sent_at: datetime
    area_name: str


def recent_alert(conn: Connection, phone_index: str, now: datetime) -> RecentAlert | None:
    row = conn.execute(
        select(alert.c.id, alert.c.area_zips, outbox.c.sent_at)
        .select_from(
            contact.join(subscriber, subscriber.c.contact_id == contact.c.id)
            .join(delivery, delivery.c.subscriber_id == subscriber.c.id)
            .join(outbox, outbox.c.id == delivery.c.outbox_id)
            .join(broadcast, broadcast.c.id == delivery.c.broadcast_id)
            .join(alert, alert.c.id == broadcast.c.alert_id)
        )
        .where(
            contact.c.phone_index == phone_index,
            outbox.c.status.in_(WENT_OUT),
            outbox.c.sent_at >= now - REPLY_WINDOW,
        )
        .order_by(outbox.c.sent_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    alert_zips = (row.area_zips or "").split(",")
    own = [z for z in zips_of(conn, phone_index) if z in alert_zips]
    where = place((own or alert_zips)[0])
    return RecentAlert(row.id, utc_value(row.sent_at), where.name if where else (own or alert_zips)[0])


def day_name(when: datetime, language: str, timezone: str) -> str:
    """ "Mar 4" / "4 de marzo", in the program's time zone."""
    local = when.astimezone(ZoneInfo(timezone))
    if language == "es":
        return f"{local.day} de {_MONTHS_ES[local.month - 1]}"
    return f"{local:%b} {local.day}"
