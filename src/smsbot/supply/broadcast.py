"""Sending an alert to its area: one broadcast row, expanded by the worker into outbox rows at most 500
to a transaction, and only while fewer than a window of its rows wait (about 20 seconds of sending at
SMSBOT_SEND_RATE: never 50,000 rows at once). Its rows go out at priority 10, behind check-ins and peer
alerts, paced like everything else. The window is also how long a tick sends while a broadcast runs,
so how late a check-in falling due mid-broadcast can be queued. Paced, the next window is queued while
the last rows of one go out (the dispatcher's refill hook calls `advance`), so between windows only
the tick's own short steps pause sending.
"""
# No duplicates after a crash: the cursor (last subscriber id queued) moves in the transaction that
# queues the batch, under a lock on the broadcast row, and (broadcast, subscriber) is unique in
# supply_delivery. Who may still get it is checked again right before each send (outbound/recipients.py):
# STOP ALERTS, STOP or FORGET after the broadcast started, or a cancelled alert, and the row is not sent.

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Connection

from smsbot.context import AppContext
from smsbot.models import (
    Contact,
    OutboxMessage,
    SupplyAlert,
    SupplyBroadcast,
    SupplyDelivery,
    SupplySubscriber,
    SupplySubscription,
)
from smsbot.outbound.outbox import BROADCAST as PRIORITY  # after check-ins and peer alerts (0) in a claim
from smsbot.outbound.states import OutboxStatus as S
from smsbot.replies.wording import Wording
from smsbot.supply.states import ALERT, BROADCAST, LIVE_BROADCAST, AlertStatus, BroadcastStatus
from smsbot.upsert import insert_ignore

PURPOSE = "supply_alert"
AHEAD_SECONDS = 20  # keep about this much sending queued (at the configured rate)
MIN_WINDOW, MAX_WINDOW = 20, 5000
CHUNK = 500  # rows queued in one transaction
WAITING = (S.QUEUED, S.CLAIMED)
PENDING = (S.QUEUED, S.CLAIMED, S.ATTEMPTING)
alert, broadcast, delivery = SupplyAlert.__table__, SupplyBroadcast.__table__, SupplyDelivery.__table__
subscriber, subscription = SupplySubscriber.__table__, SupplySubscription.__table__
outbox, contact = OutboxMessage.__table__, Contact.__table__


@dataclass
class AdvanceReport:
    queued: int = 0  # outbox rows created this tick
    finished: list[int] = field(default_factory=list)  # alert ids sent in full
    expired: list[int] = field(default_factory=list)


def batch_size(rate: float) -> int:
    """The window: rows kept queued, about AHEAD_SECONDS of sending at `rate` (0 = unpaced: one chunk)."""
    if rate <= 0:
        return CHUNK
    return max(MIN_WINDOW, min(MAX_WINDOW, math.ceil(rate * AHEAD_SECONDS)))


def area_of(row) -> list[str]:
    return [z for z in (row.area_zips or "").split(",") if z]


def body_for(wording: Wording, alert_row, language: str) -> str:
    """Exactly what a subscriber gets: the alert in their language (or the one it was written in)."""
    text = alert_row.text_es if language == "es" and alert_row.text_es else alert_row.text_en
    if text is None:  # written in Spanish only
        text, language = alert_row.text_es, "es"
    return wording.render("alert_broadcast", language, alert=text.strip())


def start(conn: Connection, alert_id: int, now: datetime) -> int:
    """The broadcast row of an alert being sent (the worker expands it); returns its id."""
    return conn.execute(
        broadcast.insert()
        .values(
            alert_id=alert_id,
            status=BroadcastStatus.EXPANDING.value,
            cursor=0,
            queued_total=0,
            created_at=now,
        )
        .returning(broadcast.c.id)
    ).scalar_one()


def _waiting(conn: Connection, broadcast_id: int, statuses=WAITING) -> int:
    """This broadcast's rows in these statuses, found from the outbox's (small) waiting part by status."""
    return conn.execute(
        select(func.count())
        .select_from(outbox.join(delivery, delivery.c.outbox_id == outbox.c.id))
        .where(
            outbox.c.status.in_(statuses),
            outbox.c.purpose == PURPOSE,
            delivery.c.broadcast_id == broadcast_id,
        )
    ).scalar()


def _lock(conn: Connection, broadcast_id: int):
    query = (
        select(
            broadcast.c.id,
            broadcast.c.status,
            broadcast.c.cursor,
            alert.c.id.label("alert_id"),
            alert.c.status.label("alert_status"),
            alert.c.text_en,
            alert.c.text_es,
            alert.c.area_zips,
        )
        .select_from(broadcast.join(alert, alert.c.id == broadcast.c.alert_id))
        .where(broadcast.c.id == broadcast_id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=broadcast)  # one expander at a time; SQLite: BEGIN IMMEDIATE
    return conn.execute(query).first()


def targets(alert_zips: list[str], after: int, limit: int | None = None):
    """Subscribers following any ZIP of the area, by id, after the cursor (each once): a walk of the
    subscribers' primary key from the cursor with a probe of each one's ZIPs, so a batch costs its own
    size, never a sort of the whole area."""
    in_area = (
        select(subscription.c.subscriber_id)
        .where(subscription.c.subscriber_id == subscriber.c.id, subscription.c.zip_code.in_(alert_zips))
        .exists()
    )
    query = (
        select(subscriber.c.id, subscriber.c.contact_id, contact.c.language)
        .select_from(subscriber.join(contact, contact.c.id == subscriber.c.contact_id))
        .where(subscriber.c.id > after, in_area)
        .order_by(subscriber.c.id)
    )
    return query.limit(limit) if limit else query


def _queue_rows(conn: Connection, values: list[dict], keys: dict[str, int], broadcast_id: int) -> None:
    """Insert a chunk's outbox rows and their links in two batches. A key already queued (someone who
    stopped and joined again) is skipped, and so is its link: the row already has one."""
    conn.execute(insert_ignore(conn, outbox, ["idempotency_key"]), values)
    rows = conn.execute(
        select(outbox.c.id, outbox.c.idempotency_key).where(outbox.c.idempotency_key.in_(list(keys)))
    )
    links = [{"outbox_id": i, "broadcast_id": broadcast_id, "subscriber_id": keys[key]} for i, key in rows]
    conn.execute(insert_ignore(conn, delivery, ["outbox_id"]), links)


def expand(conn: Connection, wording: Wording, broadcast_id: int, now: datetime, window: int) -> int:
    """Queue up to a chunk more of this broadcast while fewer than `window` of its rows wait; returns
    rows queued (0: the window is full, or everyone is queued)."""
    row = _lock(conn, broadcast_id)
    if row is None or row.status != BroadcastStatus.EXPANDING:
        return 0
    room = min(CHUNK, window - _waiting(conn, broadcast_id))
    if room <= 0:
        return 0
    found = conn.execute(targets(area_of(row), row.cursor, room)).all()
    if found:
        bodies = {lang: body_for(wording, row, lang) for lang in {r.language for r in found}}
        values = [
            {
                # Per contact: someone who stopped and re-joined mid-way is a new subscriber, not a
                # second text.
                "idempotency_key": f"supply:{broadcast_id}:c{r.contact_id}",
                "purpose": PURPOSE,
                "contact_id": r.contact_id,  # the outbox's checks at send time: STOP, FORGET, 21610
                "staff_id": None,
                "body": bodies[r.language],
                "status": S.QUEUED.value,
                "attempts": 0,
                "interrupted": 0,
                "next_attempt_at": now,
                "resend_if_interrupted": False,
                "priority": PRIORITY,
                "created_at": now,
                "status_at": now,
            }
            for r in found
        ]
        keys = {v["idempotency_key"]: r.id for v, r in zip(values, found, strict=True)}
        _queue_rows(conn, values, keys, broadcast_id)
    values = {
        "cursor": found[-1].id if found else row.cursor,
        "queued_total": broadcast.c.queued_total + len(found),
    }
    if len(found) < room:
        values |= {"status": BROADCAST.check(row.status, BroadcastStatus.EXPANDED).value, "expanded_at": now}
    conn.execute(update(broadcast).where(broadcast.c.id == broadcast_id).values(**values))
    return len(found)


def counts(conn: Connection, broadcast_id: int) -> dict[str, int]:
    """This broadcast's outbox rows by status."""
    return dict(
        conn.execute(
            select(outbox.c.status, func.count())
            .select_from(delivery.join(outbox, outbox.c.id == delivery.c.outbox_id))
            .where(delivery.c.broadcast_id == broadcast_id)
            .group_by(outbox.c.status)
        ).all()
    )


def finish_if_done(conn: Connection, broadcast_id: int, now: datetime) -> int | None:
    """All queued and none left to send: the broadcast is finished and its alert sent (its alert id)."""
    row = _lock(conn, broadcast_id)
    if row is None or row.status != BroadcastStatus.EXPANDED or _waiting(conn, broadcast_id, PENDING):
        return None
    conn.execute(
        update(broadcast)
        .where(broadcast.c.id == broadcast_id)
        .values(
            status=BROADCAST.check(row.status, BroadcastStatus.FINISHED).value,
            finished_at=now,
            final_counts=json.dumps(counts(conn, broadcast_id), sort_keys=True),
        )
    )
    if row.alert_status == AlertStatus.SENDING:
        conn.execute(
            update(alert)
            .where(alert.c.id == row.alert_id)
            .values(status=ALERT.check(row.alert_status, AlertStatus.SENT).value, sent_at=now, updated_at=now)
        )
    return row.alert_id


def stop(conn: Connection, broadcast_id: int, now: datetime) -> int:
    """Cancel a broadcast: nothing more is queued, and rows not yet tried are cancelled (a row a worker
    holds is cancelled too: its fenced attempt finds it gone). Returns rows cancelled."""
    row = _lock(conn, broadcast_id)
    if row is None or row.status not in LIVE_BROADCAST:
        return 0
    cancelled = conn.execute(
        update(outbox)
        .where(
            outbox.c.id.in_(select(delivery.c.outbox_id).where(delivery.c.broadcast_id == broadcast_id)),
            outbox.c.status.in_(WAITING),
        )
        .values(status=S.CANCELLED, next_attempt_at=None, lease_until=None, status_at=now)
    ).rowcount
    conn.execute(
        update(broadcast)
        .where(broadcast.c.id == broadcast_id)
        .values(
            status=BROADCAST.check(row.status, BroadcastStatus.CANCELLED).value,
            finished_at=now,
            final_counts=json.dumps(counts(conn, broadcast_id), sort_keys=True),
        )
    )
    return cancelled


def expire_due(conn: Connection, now: datetime) -> list[int]:
    """Alerts past their expiry: one still going out stops; a sent one lapses (no more replies to it)."""
    rows = conn.execute(
        select(alert.c.id, alert.c.status, broadcast.c.id.label("broadcast_id"))
        .select_from(alert.outerjoin(broadcast, broadcast.c.alert_id == alert.c.id))
        .where(
            alert.c.expires_at <= now,
            alert.c.status.in_((AlertStatus.APPROVED, AlertStatus.SENDING, AlertStatus.SENT)),
        )
    ).all()
    for row in rows:
        if row.broadcast_id is not None and row.status == AlertStatus.SENDING:
            stop(conn, row.broadcast_id, now)
        conn.execute(
            update(alert)
            .where(and_(alert.c.id == row.id, alert.c.status == row.status))
            .values(status=ALERT.check(row.status, AlertStatus.EXPIRED).value, updated_at=now)
        )
    return [row.id for row in rows]


def advance(ctx: AppContext, wording: Wording) -> AdvanceReport:
    """The worker's step, before sending: expire, queue the next batch of each live broadcast, and
    mark the ones that are done. Each broadcast's step is its own transaction."""
    report, window = AdvanceReport(), batch_size(ctx.settings.send_rate)
    with ctx.db.transaction() as conn:
        report.expired = expire_due(conn, ctx.clock.now())
        live = list(
            conn.execute(
                select(broadcast.c.id).where(broadcast.c.status.in_(LIVE_BROADCAST)).order_by(broadcast.c.id)
            ).scalars()
        )
    for broadcast_id in live:
        while True:  # a chunk a transaction, until the window is full or everyone is queued
            with ctx.db.transaction() as conn:
                queued = expand(conn, wording, broadcast_id, ctx.clock.now(), window)
            report.queued += queued
            if queued < CHUNK:
                break
        with ctx.db.transaction() as conn:
            done = finish_if_done(conn, broadcast_id, ctx.clock.now())
        if done is not None:
            report.finished.append(done)
    return report
