"""Who follows which ZIPs: subscribe (at most 3 ZIPs a number) and end alerts (STOP ALERTS, the one
opt-out of everything, FORGET). Alerts are their own consent: `alerts_join` / `alerts_stop` records,
apart from check-ins' (keyed hashes only, kept after FORGET like every consent record). Never commits.

A subscriber is their contact: its keyed index, and the number encrypted on it because we text first
(as for check-ins), so an alert's texts go through the outbox's usual checks (STOP, FORGET, 21610).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from smsbot.models import (
    ConsentRecord,
    Contact,
    Enrollment,
    OutboxMessage,
    SupplyDelivery,
    SupplySubscriber,
    SupplySubscription,
)
from smsbot.outbound.states import OutboxStatus
from smsbot.privacy import PhoneVault
from smsbot.upsert import insert_ignore

subscriber, subscription = SupplySubscriber.__table__, SupplySubscription.__table__
delivery, outbox, consent = SupplyDelivery.__table__, OutboxMessage.__table__, ConsentRecord.__table__
contact, enrollment = Contact.__table__, Enrollment.__table__
LIVE_ENROLLMENT = ("invited", "active", "paused")  # checkins/states.py LIVE: they still need the number
MAX_ZIPS = 3
JOIN, STOP = "alerts_join", "alerts_stop"  # consent_record.kind


class Joined(StrEnum):
    ADDED = "added"
    ALREADY = "already"  # that ZIP was followed already
    FULL = "full"  # 3 ZIPs already: nothing changed


def record_consent(
    conn: Connection,
    phone_index: str,
    kind: str,
    now: datetime,
    *,
    source: str,
    message_sid_hash: str | None = None,
    wording_version: str | None = None,
    staff_id: int | None = None,
) -> None:
    conn.execute(
        consent.insert().values(
            phone_index=phone_index,
            kind=kind,
            recorded_at=now,
            message_sid_hash=message_sid_hash,
            wording_version=wording_version,
            staff_id=staff_id,
            source=source,
        )
    )


def _subscriber(conn: Connection, phone_index: str, *, lock: bool = False):
    """(subscriber id, contact id) of this number, or None."""
    query = (
        select(subscriber.c.id, subscriber.c.contact_id)
        .select_from(subscriber.join(contact, contact.c.id == subscriber.c.contact_id))
        .where(contact.c.phone_index == phone_index)
    )
    if lock and conn.dialect.name == "postgresql":
        # Two texts of one number at once: one adds its ZIP, then the other counts it.
        query = query.with_for_update(of=subscriber)
    return conn.execute(query).first()


def zips_of(conn: Connection, phone_index: str) -> list[str]:
    """The ZIPs this number follows (empty when it follows none)."""
    return list(
        conn.execute(
            select(subscription.c.zip_code)
            .select_from(
                subscription.join(subscriber, subscriber.c.id == subscription.c.subscriber_id).join(
                    contact, contact.c.id == subscriber.c.contact_id
                )
            )
            .where(contact.c.phone_index == phone_index)
            .order_by(subscription.c.zip_code)
        ).scalars()
    )


def subscribe(
    conn: Connection,
    vault: PhoneVault,
    *,
    contact_id: int,
    e164: str,
    language: str,
    zip_code: str,
    now: datetime,
    message_sid_hash: str | None = None,
    wording_version: str | None = None,
) -> tuple[Joined, list[str]]:
    """Follow `zip_code` (a known 5-digit ZIP); returns what happened and the ZIPs followed now."""
    phone_index = vault.index(e164)
    conn.execute(
        update(contact)
        .where(contact.c.id == contact_id, contact.c.phone_ciphertext.is_(None))
        .values(phone_ciphertext=vault.encrypt(e164))  # alerts are texted first: the number, encrypted
    )
    conn.execute(
        insert_ignore(conn, subscriber, ["contact_id"]).values(
            contact_id=contact_id, language=language, created_at=now
        )
    )
    subscriber_id = _subscriber(conn, phone_index, lock=True).id
    conn.execute(update(subscriber).where(subscriber.c.id == subscriber_id).values(language=language))
    zips = zips_of(conn, phone_index)
    if zip_code in zips:
        return Joined.ALREADY, zips
    if len(zips) >= MAX_ZIPS:
        return Joined.FULL, zips
    conn.execute(insert_ignore(conn, subscription, ["subscriber_id", "zip_code"]).values(
        subscriber_id=subscriber_id, zip_code=zip_code
    ))  # fmt: skip
    record_consent(
        conn, phone_index, JOIN, now, source="sms", message_sid_hash=message_sid_hash,
        wording_version=wording_version,
    )  # fmt: skip
    return Joined.ADDED, sorted([*zips, zip_code])


def cancel_queued(conn: Connection, subscriber_id: int, now: datetime) -> int:
    """Alert texts to this subscriber not yet tried: cancelled (one a worker holds but has not tried
    is cancelled too; its fenced attempt then finds it gone)."""
    rows = select(delivery.c.outbox_id).where(delivery.c.subscriber_id == subscriber_id)
    return conn.execute(
        update(outbox)
        .where(
            outbox.c.id.in_(rows.scalar_subquery()),
            outbox.c.status.in_((OutboxStatus.QUEUED, OutboxStatus.CLAIMED)),
        )
        .values(status=OutboxStatus.CANCELLED, next_attempt_at=None, lease_until=None, status_at=now)
    ).rowcount


def end_alerts(
    conn: Connection,
    phone_index: str,
    now: datetime,
    *,
    source: str,
    message_sid_hash: str | None = None,
    wording_version: str | None = None,
    staff_id: int | None = None,
) -> bool:
    """No more alerts to this number: its queued alert texts cancelled, the subscriber and its ZIPs
    deleted, the number dropped from the contact unless check-ins still need it, and an `alerts_stop`
    record naming the source. True when it was subscribed."""
    found = _subscriber(conn, phone_index, lock=True)
    if found is None:
        return False
    cancel_queued(conn, found.id, now)
    conn.execute(delete(subscriber).where(subscriber.c.id == found.id))  # ZIPs go with it
    live = select(enrollment.c.id).where(
        enrollment.c.contact_id == found.contact_id, enrollment.c.status.in_(LIVE_ENROLLMENT)
    )
    conn.execute(
        update(contact).where(contact.c.id == found.contact_id, ~live.exists()).values(phone_ciphertext=None)
    )
    record_consent(
        conn, phone_index, STOP, now, source=source, message_sid_hash=message_sid_hash,
        wording_version=wording_version, staff_id=staff_id,
    )  # fmt: skip
    return True
