"""`/api/alerts`: what needs a peer's attention (`?status=open`), and acknowledging it.
A peer sees alerts for their own participants and alerts escalated to them as on-call; an admin
sees all. Alerts carry a nickname and ids, never a phone number.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy import select

from smsbot.auth.auth import app_context, current_staff
from smsbot.checkins import alerts
from smsbot.context import AppContext
from smsbot.models import Alert, Enrollment, Staff

router = APIRouter(prefix="/api/alerts", tags=["alerts"])
alert, enrollment = Alert.__table__, Enrollment.__table__

_SELECT = select(
    alert.c.id,
    alert.c.kind,
    enrollment.c.nickname,
    alert.c.enrollment_id,
    alert.c.checkin_id,
    alert.c.created_at,
    alert.c.status,
    alert.c.acked_at,
    alert.c.escalated_at,
).select_from(alert.outerjoin(enrollment, enrollment.c.id == alert.c.enrollment_id))


def _view(row) -> dict:
    return {
        "id": row.id,
        "kind": row.kind,
        "nickname": row.nickname,
        "enrollment_id": row.enrollment_id,
        "checkin_id": row.checkin_id,
        "created_at": row.created_at.isoformat(),
        "status": row.status,
        "acked_at": row.acked_at.isoformat() if row.acked_at else None,
        "escalated": row.escalated_at is not None,
    }


@router.get("")
def list_alerts(
    status_value: Literal["open", "acked", "all"] = Query("open", alias="status"),
    staff: Staff = Depends(current_staff),
    ctx: AppContext = Depends(app_context),
) -> list[dict]:
    query = _SELECT.order_by(alert.c.created_at.desc(), alert.c.id.desc()).limit(500)
    scope = alerts.visible_to(staff)
    if scope is not None:
        query = query.where(scope)
    if status_value != "all":
        query = query.where(alert.c.status == status_value)
    with ctx.db.transaction() as conn:
        return [_view(row) for row in conn.execute(query)]


@router.post("/{alert_id}/ack")
def acknowledge(
    alert_id: int, staff: Staff = Depends(current_staff), ctx: AppContext = Depends(app_context)
) -> dict:
    with ctx.db.transaction() as conn:
        if not alerts.acknowledge(conn, alert_id, staff, ctx.clock.now()):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such alert")
        return _view(conn.execute(_SELECT.where(alert.c.id == alert_id)).one())
