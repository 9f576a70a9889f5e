"""`/api/alerts`: what needs a peer's attention (`?status=open`), and acknowledging it.
A thin adapter over smsbot.alerts.service: a peer sees alerts for their own participants and alerts
escalated to them as on-call; an admin sees all. Alerts carry a nickname and ids, never a phone number.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel

from smsbot.actor import Actor, Door
from smsbot.alerts import service
from smsbot.alerts.views import AlertView
from smsbot.auth.auth import app_context, current_staff
from smsbot.context import AppContext
from smsbot.models import Staff

router = APIRouter(prefix="/api/alerts", tags=["alerts"])


class Acknowledgement(BaseModel):
    """What happened (optional): reached | no_answer | left_message | other (other needs a note)."""

    outcome: str | None = None
    note: str | None = None


def _json(view: AlertView) -> dict:
    return {
        "id": view.id,
        "kind": view.kind,
        "nickname": view.nickname,
        "enrollment_id": view.enrollment_id,
        "checkin_id": view.checkin_id,
        "created_at": view.created_at.isoformat(),
        "status": view.status,
        "acked_at": view.acked_at.isoformat() if view.acked_at else None,
        "acked_by": view.acked_by,
        "outcome": view.outcome,
        "note": view.note,
        "escalated": view.escalated,
    }


@router.get("")
def list_alerts(
    status_value: Literal["open", "acked", "all"] = Query("open", alias="status"),
    kind: str | None = Query(None, max_length=20),
    q: str | None = Query(None, max_length=40, description="part of a nickname"),
    staff: Staff = Depends(current_staff),
    ctx: AppContext = Depends(app_context),
) -> list[dict]:
    with ctx.db.transaction() as conn:
        found = service.list_alerts(
            conn,
            Actor.of_staff(staff, Door.API),
            ctx.clock.now(),
            status=status_value,
            kind=kind,
            search=q,
            vault=ctx.vault,
        )
    return [_json(view) for view in found]


@router.post("/{alert_id}/ack")
def acknowledge(
    alert_id: int,
    body: Acknowledgement | None = Body(None),
    staff: Staff = Depends(current_staff),
    ctx: AppContext = Depends(app_context),
) -> dict:
    said = body or Acknowledgement()
    with ctx.db.transaction() as conn:
        acked = service.acknowledge(
            conn,
            Actor.of_staff(staff, Door.API),
            ctx.clock.now(),
            alert_id,
            outcome=said.outcome,
            note=said.note,
            vault=ctx.vault,
        )
    return _json(acked)
