"""An alert's way out: check its wording, preview exactly what subscribers get, approve (a second
person when SMSBOT_ALERTS_TWO_PERSON is on), send (one broadcast row; the worker does the rest),
cancel (also mid-way), and progress: sent / left / failed and the time left at SMSBOT_SEND_RATE.

Service functions: (conn, actor, now, ...), rules enforced with human words, an audit row in the same
transaction, never a commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.config import get_settings
from smsbot.errors import N_, Conflict, Forbidden, Invalid
from smsbot.models import SupplyBroadcast, SupplyReport
from smsbot.outbound.states import OutboxStatus as S
from smsbot.privacy import PhoneVault
from smsbot.replies.wording import Wording
from smsbot.supply import audited, broadcast
from smsbot.supply.alerts import AlertView, alert_row, get_alert
from smsbot.supply.numbers import shown
from smsbot.supply.review import report_texts, require_staff
from smsbot.supply.states import ALERT, REPORT, AlertStatus, BroadcastStatus, ReportStatus
from smsbot.supply.wording_check import AlertCheck, check_alert

alert_t, report, bcast = broadcast.alert, SupplyReport.__table__, SupplyBroadcast.__table__


@dataclass(frozen=True)
class Preview:
    bodies: dict[str, str]  # language -> the text exactly as a subscriber gets it
    check: AlertCheck
    recipients: str  # subscribers in the area now ("<5" when fewer than 5)


@dataclass(frozen=True)
class Progress:
    status: str  # the alert's
    broadcast: str | None  # expanding | expanded | finished | cancelled | None (not sent yet)
    sent: int
    failed: int
    unknown: int  # the attempt's outcome is not known (a worker died mid-send): never resent
    stopped: int  # not sent: unsubscribed, opted out, or the alert was cancelled
    left: int  # still to send (queued, or not yet queued)
    rate: float  # SMSBOT_SEND_RATE
    eta_seconds: float | None  # at the configured rate; None when unpaced or nothing is left


def _linked_texts(conn: Connection, vault: PhoneVault, alert_id: int) -> list[str]:
    ids = list(conn.execute(select(report.c.id).where(report.c.alert_id == alert_id)).scalars())
    return report_texts(conn, vault, ids)


def check_wording(
    conn: Connection, actor: Actor, now: datetime, alert_id: int, *, wording: Wording, vault: PhoneVault
) -> AlertCheck:
    """Segments, encoding, reading grade, reserved words; no quote of a report, no number, no slang."""
    require_staff(actor)
    return check_alert(wording, alert_row(conn, alert_id), _linked_texts(conn, vault, alert_id))


def recipients(conn: Connection, zips: list[str]) -> int:
    if not zips:
        return 0
    return conn.execute(select(func.count()).select_from(broadcast.targets(zips, 0).subquery())).scalar()


def preview(
    conn: Connection, actor: Actor, now: datetime, alert_id: int, *, wording: Wording, vault: PhoneVault
) -> Preview:
    """Exactly what subscribers will get, in each language written, with the check and how many."""
    check = check_wording(conn, actor, now, alert_id, wording=wording, vault=vault)
    zips = broadcast.area_of(alert_row(conn, alert_id))
    return Preview(bodies=dict(check.bodies), check=check, recipients=shown(recipients(conn, zips)))


def _ready(conn: Connection, row, check: AlertCheck, now: datetime) -> None:
    if not check.ok:
        raise Invalid(
            N_("the wording check found problems: %(problems)s"),
            field="text_en",
            values={"problems": "; ".join(check.problems[:3])},
        )
    if not broadcast.area_of(row):
        raise Invalid(N_("pick the area first: a list of ZIPs, or a ZIP and a radius"), field="zips")
    if row.expires_at is None or row.expires_at <= now:
        raise Invalid(N_("the expiry has passed: set a new one"), field="expires_at")


def approve_alert(
    conn: Connection,
    actor: Actor,
    now: datetime,
    alert_id: int,
    *,
    wording: Wording,
    vault: PhoneVault,
    two_person: bool | None = None,
) -> AlertView:
    require_staff(actor)
    two_person = get_settings().alerts_two_person if two_person is None else two_person
    row = alert_row(conn, alert_id, lock=True)
    if row.status != AlertStatus.DRAFT:
        raise Conflict(
            N_("this alert is %(status)s: only a draft can be approved"), values={"status": row.status}
        )
    if two_person and (actor.staff_id is None or actor.staff_id in (row.created_by, row.updated_by)):
        raise Forbidden(N_("a second person must approve: someone who did not write or last edit this alert"))
    _ready(conn, row, check_wording(conn, actor, now, alert_id, wording=wording, vault=vault), now)
    _approve(conn, actor, now, row)
    return get_alert(conn, actor, now, alert_id)


def _approve(conn: Connection, actor: Actor, now: datetime, row) -> None:
    conn.execute(
        update(alert_t)
        .where(alert_t.c.id == row.id, alert_t.c.status == row.status)
        .values(
            status=ALERT.check(row.status, AlertStatus.APPROVED).value,
            approved_by=actor.staff_id,
            approved_at=now,
            updated_at=now,
        )
    )
    audited.record(conn, actor, now, "supply_alert_approved", "supply_alert", row.id, "approved")


def send_alert(
    conn: Connection,
    actor: Actor,
    now: datetime,
    alert_id: int,
    *,
    wording: Wording,
    vault: PhoneVault,
    two_person: bool | None = None,
) -> AlertView:
    """Start sending: the worker queues its subscribers in batches from its next tick."""
    require_staff(actor)
    two_person = get_settings().alerts_two_person if two_person is None else two_person
    row = alert_row(conn, alert_id, lock=True)
    if row.status == AlertStatus.DRAFT and two_person:
        raise Conflict(N_("a second person must approve this alert before it is sent"))
    if row.status not in (AlertStatus.DRAFT, AlertStatus.APPROVED):
        raise Conflict(
            N_("this alert is %(status)s: only a draft or an approved alert can be sent"),
            values={"status": row.status},
        )
    _ready(conn, row, check_wording(conn, actor, now, alert_id, wording=wording, vault=vault), now)
    if row.status == AlertStatus.DRAFT:  # one person, by setting: they approve it as they send it
        _approve(conn, actor, now, row)
        row = alert_row(conn, alert_id)
    conn.execute(
        update(alert_t)
        .where(alert_t.c.id == alert_id, alert_t.c.status == row.status)
        .values(
            status=ALERT.check(row.status, AlertStatus.SENDING).value,
            sent_by=actor.staff_id,
            sending_at=now,
            updated_at=now,
        )
    )
    broadcast.start(conn, alert_id, now)
    count = shown(recipients(conn, broadcast.area_of(row)))
    audited.record(
        conn, actor, now, "supply_alert_sent", "supply_alert", alert_id, f"to {count} subscriber(s)"
    )
    return get_alert(conn, actor, now, alert_id)


def cancel_alert(conn: Connection, actor: Actor, now: datetime, alert_id: int) -> AlertView:
    """A draft or approved alert is dropped (its reports go back to the queue); one going out stops:
    nothing more is queued and texts not yet tried are cancelled."""
    require_staff(actor)
    row = alert_row(conn, alert_id, lock=True)
    ALERT.check(row.status, AlertStatus.CANCELLED)
    stopped = 0
    if row.status == AlertStatus.SENDING:
        found = conn.execute(select(bcast.c.id).where(bcast.c.alert_id == alert_id)).scalar()
        stopped = broadcast.stop(conn, found, now) if found is not None else 0
    else:
        for used in conn.execute(select(report).where(report.c.alert_id == alert_id)).all():
            REPORT.check(used.status, ReportStatus.NEW)
            conn.execute(
                update(report)
                .where(report.c.id == used.id)
                .values(status=ReportStatus.NEW.value, alert_id=None)
            )
    conn.execute(
        update(alert_t)
        .where(alert_t.c.id == alert_id, alert_t.c.status == row.status)
        .values(
            status=AlertStatus.CANCELLED.value, cancelled_by=actor.staff_id, cancelled_at=now, updated_at=now
        )
    )
    detail = f"was {row.status}" + (f", {stopped} text(s) not sent" if stopped else "")
    audited.record(conn, actor, now, "supply_alert_cancelled", "supply_alert", alert_id, detail)
    return get_alert(conn, actor, now, alert_id)


def progress(
    conn: Connection, actor: Actor, now: datetime, alert_id: int, *, rate: float | None = None
) -> Progress:
    require_staff(actor)
    rate = get_settings().send_rate if rate is None else rate
    row = alert_row(conn, alert_id)
    found = conn.execute(select(bcast).where(bcast.c.alert_id == alert_id)).first()
    if found is None:
        return Progress(row.status, None, 0, 0, 0, 0, 0, rate, None)
    by_status = broadcast.counts(conn, found.id)
    if found.final_counts and not by_status:  # its outbox rows are gone with the retention window
        by_status = json.loads(found.final_counts)
    left = sum(by_status.get(s, 0) for s in (S.QUEUED, S.CLAIMED, S.ATTEMPTING))
    if found.status == BroadcastStatus.EXPANDING:
        targets = broadcast.targets(broadcast.area_of(row), found.cursor)
        left += conn.execute(select(func.count()).select_from(targets.subquery())).scalar()
    return Progress(
        status=row.status,
        broadcast=found.status,
        sent=sum(by_status.get(s, 0) for s in (S.SENT, S.DELIVERED, S.READ)),
        failed=sum(by_status.get(s, 0) for s in (S.FAILED, S.UNDELIVERED)),
        unknown=by_status.get(S.UNKNOWN, 0),
        stopped=sum(by_status.get(s, 0) for s in (S.CANCELLED, S.SUPPRESSED)),
        left=left,
        rate=rate,
        eta_seconds=round(left / rate, 1) if rate > 0 and left else None,
    )
