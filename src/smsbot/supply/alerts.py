"""Writing an alert (peers and admins): draft it from reports, edit its English and Spanish text, pick
its area (a list of ZIPs, or every ZIP within N miles of one or of a point on the map) and its expiry.
Sending is sending.py.

Service functions: (conn, actor, now, ...), rules enforced with human words, an audit row in the same
transaction, never a commit. An edit to an approved alert voids the approval (it is a draft again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.errors import N_, Conflict, Invalid, NotFound
from smsbot.models import SupplyAlert, SupplyReport
from smsbot.supply import areas, audited
from smsbot.supply.review import require_staff
from smsbot.supply.states import ALERT, EDITABLE, REPORT, AlertStatus, ReportStatus

alert, report = SupplyAlert.__table__, SupplyReport.__table__
DEFAULT_EXPIRY = timedelta(days=3)
MAX_EXPIRY = timedelta(days=30)
MAX_TEXT_CHARS = 600  # the segment check decides; this only stops a paste of a whole page
UNCHANGED: Any = ...  # an edit's "leave this as it is"
NO_POINT = {"area_center_lat": None, "area_center_lon": None}


@dataclass(frozen=True)
class AlertView:
    id: int
    status: str
    text_en: str | None
    text_es: str | None
    zips: list[str]
    center_zip: str | None
    radius_miles: float | None
    expires_at: datetime | None
    report_ids: list[int]
    first_report_at: datetime | None
    created_by: int | None
    updated_by: int | None
    approved_by: int | None
    approved_at: datetime | None
    sent_by: int | None
    sending_at: datetime | None
    sent_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime
    center_point: str | None = None  # "40.7128,-74.006": the area is around a point, not a ZIP

    @property
    def languages(self) -> list[str]:
        return [lang for lang, text in (("en", self.text_en), ("es", self.text_es)) if text]


def _view(conn: Connection, row) -> AlertView:
    ids = list(
        conn.execute(select(report.c.id).where(report.c.alert_id == row.id).order_by(report.c.id)).scalars()
    )
    return AlertView(
        id=row.id,
        status=row.status,
        text_en=row.text_en,
        text_es=row.text_es,
        zips=[z for z in (row.area_zips or "").split(",") if z],
        center_zip=row.area_center_zip,
        radius_miles=row.area_radius_miles,
        expires_at=row.expires_at,
        report_ids=ids,
        first_report_at=row.first_report_at,
        created_by=row.created_by,
        updated_by=row.updated_by,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        sent_by=row.sent_by,
        sending_at=row.sending_at,
        sent_at=row.sent_at,
        cancelled_at=row.cancelled_at,
        created_at=row.created_at,
        center_point=areas.point_text(row.area_center_lat, row.area_center_lon),
    )


def alert_row(conn: Connection, alert_id: int, *, lock: bool = False):
    query = select(alert).where(alert.c.id == alert_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(N_("no such alert"))
    return row


def get_alert(conn: Connection, actor: Actor, now: datetime, alert_id: int) -> AlertView:
    require_staff(actor)
    return _view(conn, alert_row(conn, alert_id))


def list_alerts(
    conn: Connection, actor: Actor, now: datetime, *, status: str | None = None, limit: int = 100
) -> list[AlertView]:
    """Newest first."""
    require_staff(actor)
    query = select(alert).order_by(alert.c.id.desc()).limit(max(1, min(limit, 200)))
    if status is not None:
        if status not in set(AlertStatus):
            raise Invalid(f"status must be one of {', '.join(AlertStatus)}", field="status")
        query = query.where(alert.c.status == status)
    return [_view(conn, row) for row in conn.execute(query).all()]


def _text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())  # one line: an SMS shows line breaks oddly on some phones
    if len(text) > MAX_TEXT_CHARS:
        raise Invalid(
            N_("keep the alert under %(most)s characters"), field=field, values={"most": MAX_TEXT_CHARS}
        )
    return text or None


def _expiry(value: datetime, now: datetime) -> datetime:
    if value.tzinfo is None:
        raise Invalid(N_("give the expiry with its time zone"), field="expires_at")
    if value <= now:
        raise Invalid(N_("the expiry must be in the future"), field="expires_at")
    if value > now + MAX_EXPIRY:
        raise Invalid(
            N_("an alert may last at most %(days)s days"),
            field="expires_at",
            values={"days": MAX_EXPIRY.days},
        )
    return value


def _area(zips: list[str] | str | None, center_zip: str | None, radius_miles: float | None) -> dict:
    if zips is not None and (center_zip is not None or radius_miles is not None):
        raise Invalid(N_("pick the area as a list of ZIPs or as a ZIP and a radius, not both"), field="zips")
    if zips is not None:
        return {
            "area_zips": ",".join(areas.zip_list(zips)),
            "area_center_zip": None,
            "area_radius_miles": None,
            **NO_POINT,
        }
    if center_zip is None or radius_miles is None:
        raise Invalid(N_("give a list of ZIPs, or a ZIP and a radius in miles"), field="center_zip")
    found = areas.within(center_zip, float(radius_miles))
    return {
        "area_zips": ",".join(found),
        "area_center_zip": areas.zip5(center_zip),
        "area_radius_miles": radius_miles,
        **NO_POINT,
    }


def _any_area(
    zips: list[str] | str | None,
    center_zip: str | None,
    radius_miles: float | None,
    center_point: str | None,
) -> dict:
    """The area's columns: a list of ZIPs, or every ZIP within some miles of a ZIP or of a point."""
    if center_point is None:
        return _area(zips, center_zip, radius_miles)
    if zips is not None or center_zip is not None:
        raise Invalid(
            N_("pick the area as a list of ZIPs, around a ZIP, or around a point: only one"),
            field="center_point",
        )
    latitude, longitude = areas.point(center_point)
    if radius_miles is None:
        raise Invalid(N_("give the miles around the point"), field="radius")
    return {
        "area_zips": ",".join(areas.around(latitude, longitude, float(radius_miles))),
        "area_center_zip": None,
        "area_center_lat": latitude,
        "area_center_lon": longitude,
        "area_radius_miles": radius_miles,
    }


def draft_alert(
    conn: Connection,
    actor: Actor,
    now: datetime,
    *,
    report_ids: list[int],
    text_en: str | None = None,
    text_es: str | None = None,
    zips: list[str] | str | None = None,
    center_zip: str | None = None,
    radius_miles: float | None = None,
    expires_at: datetime | None = None,
    center_point: str | None = None,
) -> AlertView:
    """A new draft from reports in the queue (they leave it, marked used; those merged into them follow)."""
    require_staff(actor)
    values: dict = {"text_en": _text(text_en, "text_en"), "text_es": _text(text_es, "text_es")}
    if zips is not None or center_zip is not None or center_point is not None:
        values |= _any_area(zips, center_zip, radius_miles, center_point)
    elif report_ids:  # a first guess at the area: the ZIPs the reports named
        named = conn.execute(
            select(report.c.area_zip)
            .where(report.c.id.in_(report_ids), report.c.area_zip.is_not(None))
            .distinct()
        ).scalars()
        values["area_zips"] = ",".join(sorted(named)) or None
    rows = [conn.execute(select(report).where(report.c.id == i)).first() for i in sorted(set(report_ids))]
    for report_id, row in zip(sorted(set(report_ids)), rows, strict=True):
        if row is None:
            raise NotFound(
                N_("no report %(id)s (reports are deleted after the retention window)"),
                values={"id": report_id},
            )
        if row.status != ReportStatus.NEW:
            raise Conflict(
                N_("report %(id)s is %(status)s: draft from reports still in the queue"),
                values={"id": report_id, "status": row.status},
            )
    ids = sorted(set(report_ids))
    first = None
    if ids:
        first = conn.execute(
            select(func.min(report.c.created_at)).where(
                report.c.id.in_(ids) | report.c.merged_into_id.in_(ids)
            )
        ).scalar()
    alert_id = conn.execute(
        alert.insert()
        .values(
            status=AlertStatus.DRAFT.value,
            expires_at=_expiry(expires_at, now) if expires_at else now + DEFAULT_EXPIRY,
            first_report_at=first,
            created_by=actor.staff_id,
            updated_by=actor.staff_id,
            created_at=now,
            updated_at=now,
            **values,
        )
        .returning(alert.c.id)
    ).scalar_one()
    for row in rows:
        REPORT.check(row.status, ReportStatus.USED)
        conn.execute(
            update(report)
            .where(report.c.id == row.id)
            .values(
                status=ReportStatus.USED.value, alert_id=alert_id, reviewed_by=actor.staff_id, reviewed_at=now
            )
        )
    audited.record(
        conn, actor, now, "supply_alert_drafted", "supply_alert", alert_id, f"from {len(ids)} report(s)"
    )
    return _view(conn, alert_row(conn, alert_id))


def edit_alert(
    conn: Connection,
    actor: Actor,
    now: datetime,
    alert_id: int,
    *,
    text_en: str | None = UNCHANGED,
    text_es: str | None = UNCHANGED,
    zips: list[str] | str | None = UNCHANGED,
    center_zip: str | None = UNCHANGED,
    radius_miles: float | None = UNCHANGED,
    expires_at: datetime | None = UNCHANGED,
    center_point: str | None = UNCHANGED,
) -> AlertView:
    """Change a draft (or an approved alert, which becomes a draft again). None drops a language."""
    require_staff(actor)
    row = alert_row(conn, alert_id, lock=True)
    if row.status not in EDITABLE:
        raise Conflict(
            N_("this alert is %(status)s: only drafts and approved alerts can change"),
            values={"status": row.status},
        )
    values: dict = {}
    changed = []
    for name, value in (("text_en", text_en), ("text_es", text_es)):
        if value is not UNCHANGED:
            values[name] = _text(value, name)
            changed.append(name)
    area = {
        "zips": zips,
        "center_zip": center_zip,
        "radius_miles": radius_miles,
        "center_point": center_point,
    }
    if any(value is not UNCHANGED for value in area.values()):
        values |= _any_area(**{name: None if v is UNCHANGED else v for name, v in area.items()})
        changed.append("area")
    if expires_at is not UNCHANGED:
        if expires_at is None:
            raise Invalid(N_("an alert needs an expiry"), field="expires_at")
        values["expires_at"] = _expiry(expires_at, now)
        changed.append("expiry")
    if not changed:
        return _view(conn, row)
    if row.status == AlertStatus.APPROVED:  # what was approved is not what will be sent
        values |= {
            "status": ALERT.check(row.status, AlertStatus.DRAFT).value,
            "approved_by": None,
            "approved_at": None,
        }
    conn.execute(
        update(alert)
        .where(alert.c.id == alert_id)
        .values(updated_by=actor.staff_id, updated_at=now, **values)
    )
    audited.record(conn, actor, now, "supply_alert_edited", "supply_alert", alert_id, ", ".join(changed))
    return _view(conn, alert_row(conn, alert_id))


def pick_area(
    conn: Connection,
    actor: Actor,
    now: datetime,
    alert_id: int,
    *,
    zips: list[str] | str | None = None,
    center_zip: str | None = None,
    radius_miles: float | None = None,
    center_point: str | None = None,
) -> AlertView:
    """The area: a list of ZIPs, or the ZIPs within `radius_miles` of `center_zip` or `center_point`."""
    return edit_alert(
        conn, actor, now, alert_id, zips=zips, center_zip=center_zip, radius_miles=radius_miles,
        center_point=center_point,
    )  # fmt: skip


def set_expiry(
    conn: Connection, actor: Actor, now: datetime, alert_id: int, expires_at: datetime
) -> AlertView:
    return edit_alert(conn, actor, now, alert_id, expires_at=expires_at)


def set_languages(
    conn: Connection, actor: Actor, now: datetime, alert_id: int, *, text_en: str | None, text_es: str | None
) -> AlertView:
    """Both texts side by side; None leaves a language out (its subscribers get the other one)."""
    return edit_alert(conn, actor, now, alert_id, text_en=text_en, text_es=text_es)
