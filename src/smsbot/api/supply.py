"""`/api/supply`: drug-supply alerts for any peer or admin token, the same rules as the Drug alerts pages.
A thin adapter over smsbot.supply (review.py: the queue, merge, dismiss; alerts.py; sending.py), which
check, audit and refuse in words (api/errors.py answers a refusal). Reports carry no number; their
answers are given to staff only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from smsbot.actor import Actor, Door
from smsbot.auth.auth import app_context, current_staff
from smsbot.auth.bounds import out_of_range
from smsbot.context import AppContext
from smsbot.errors import Invalid, NotFound
from smsbot.models import Staff
from smsbot.replies.wording import Wording
from smsbot.supply import alerts, review, sending
from smsbot.supply.alerts import AlertView
from smsbot.supply.numbers import shown
from smsbot.supply.review import ReportView
from smsbot.supply.sending import Preview, Progress

router = APIRouter(prefix="/api/supply", tags=["drug-supply alerts"])

# Any value reaches the checks below or the service, which say in words what is wrong with it; the
# schema still tells API clients what to send.
Text = Annotated[Any, WithJsonSchema({"type": ["string", "null"]})]
Number = Annotated[Any, WithJsonSchema({"type": ["number", "null"]})]
Ids = Annotated[Any, WithJsonSchema({"type": "array", "items": {"type": "integer"}})]
Zips = Annotated[Any, WithJsonSchema({"type": ["array", "string", "null"], "items": {"type": "string"}})]
FIELDS = ("text_en", "text_es", "zips", "center_zip", "center_point", "radius_miles", "expires_at")


class AlertFields(BaseModel):
    """An alert as staff write it. The area is a list of ZIPs, or a ZIP (or a point) and a radius in miles."""

    model_config = ConfigDict(extra="allow")

    report_ids: Ids = Field(None, description="reports in the queue it is drafted from (POST only)")
    text_en: Text = Field(None, description="the English text (null: no English)")
    text_es: Text = Field(None, description="the Spanish text (null: no Spanish)")
    zips: Zips = Field(None, description='ZIP codes: ["22902", "22903"] or "22902, 22903"')
    center_zip: Text = Field(None, description="with radius_miles: every ZIP within that many miles")
    center_point: Text = Field(
        None, description='or a point, latitude first: "40.7128,-74.0060", with radius_miles'
    )
    radius_miles: Number = None
    expires_at: Text = Field(None, description="ISO 8601 with its offset, e.g. 2026-03-06T18:00:00-05:00")

    def given(self) -> dict[str, Any]:
        return {**self.model_dump(exclude_unset=True), **(self.model_extra or {})}


def _api(staff: Staff) -> Actor:
    return Actor.of_staff(staff, Door.API)


def _deps(ctx: AppContext) -> dict[str, Any]:
    return {"wording": Wording.from_settings(ctx.settings), "vault": ctx.vault}


def _ids(value: Any) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in value):
        raise Invalid("report_ids must be a list of report numbers, like [12, 14]", field="report_ids")
    if any(out_of_range(i) or i < 1 for i in value):
        raise NotFound("no such report (reports are deleted after the retention window)")
    return value


def _values(given: dict[str, Any]) -> dict[str, Any]:
    """The body's fields as the service takes them (only those sent: a PATCH changes those)."""
    unknown = sorted(set(given) - set(FIELDS) - {"report_ids"})
    if unknown:
        raise Invalid(
            f"unknown field: {unknown[0][:40]}; send only {', '.join(FIELDS)}", field=unknown[0][:40]
        )
    values: dict[str, Any] = {}
    for name in ("text_en", "text_es", "center_zip", "center_point"):
        if name in given:
            if given[name] is not None and not isinstance(given[name], str):
                raise Invalid(f"{name} must be text or null", field=name)
            values[name] = given[name]
    if "zips" in given:
        zips = given["zips"]
        if zips is not None and not (
            isinstance(zips, str) or (isinstance(zips, list) and all(isinstance(z, str) for z in zips))
        ):
            raise Invalid('zips must be a list of ZIP codes, like ["22902", "22903"]', field="zips")
        values["zips"] = zips
    if "radius_miles" in given:
        radius = given["radius_miles"]
        if radius is not None and (
            isinstance(radius, bool) or not isinstance(radius, int | float) or not math.isfinite(radius)
        ):
            raise Invalid("radius_miles must be a number of miles, like 5", field="radius_miles")
        values["radius_miles"] = radius
    if "expires_at" in given:
        values["expires_at"] = _when(given["expires_at"])
    return values


def _when(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str) and len(value) <= 40:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise Invalid(
        "expires_at must be a date and time with its offset, like 2026-03-06T18:00:00-05:00",
        field="expires_at",
    )


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def report_json(view: ReportView) -> dict[str, Any]:
    return {
        "id": view.id,
        "status": view.status,
        "language": view.language,
        "created_at": _iso(view.created_at),
        "answers": view.answers,
        "steps_answered": view.steps_answered,
        "area_zip": view.area_zip,
        "merged_into_id": view.merged_into_id,
        "merged_ids": view.merged_ids,
        "alert_id": view.alert_id,
    }


def alert_json(view: AlertView) -> dict[str, Any]:
    return {
        "id": view.id,
        "status": view.status,
        "text_en": view.text_en,
        "text_es": view.text_es,
        "languages": view.languages,
        "zips": view.zips,
        "center_zip": view.center_zip,
        "center_point": view.center_point,
        "radius_miles": view.radius_miles,
        "expires_at": _iso(view.expires_at),
        "report_ids": view.report_ids,
        "first_report_at": _iso(view.first_report_at),
        "created_by": view.created_by,
        "updated_by": view.updated_by,
        "approved_by": view.approved_by,
        "approved_at": _iso(view.approved_at),
        "sent_by": view.sent_by,
        "sending_at": _iso(view.sending_at),
        "sent_at": _iso(view.sent_at),
        "cancelled_at": _iso(view.cancelled_at),
        "created_at": _iso(view.created_at),
    }


def _check_json(found: Preview) -> dict[str, Any]:
    return {
        "ok": found.check.ok,
        "problems": found.check.problems,
        "notes": found.check.notes,
        "bodies": found.bodies,
        "recipients": found.recipients,
    }


def _progress_json(found: Progress) -> dict[str, Any]:
    """Counts as the pages show them: "<5" from 1 to 4 (a small area must not point to anyone)."""
    few = 0 < found.left < 5
    return {
        "broadcast": found.broadcast,
        "sent": shown(found.sent),
        "left": shown(found.left),
        "failed": shown(found.failed),
        "unknown": shown(found.unknown),
        "stopped": shown(found.stopped),
        "rate": found.rate,
        "eta_seconds": None if few else found.eta_seconds,
    }


@router.get("/reports")
def list_reports(
    status_value: str = Query("new", alias="status", description="new, merged, used or dismissed"),
    limit: int = Query(100, description="at most 200"),
    ctx: AppContext = Depends(app_context),
    staff: Staff = Depends(current_staff),
) -> list[dict[str, Any]]:
    """The moderation queue, newest first, with each report's answers (there is never a number)."""
    with ctx.db.transaction() as conn:
        found = review.list_reports(
            conn, _api(staff), ctx.clock.now(), vault=ctx.vault, status=status_value, limit=limit
        )
    return [report_json(view) for view in reversed(found)]


class MergeFields(BaseModel):
    """The reports to fold into the one in the path (it stays in the queue; they follow it)."""

    model_config = ConfigDict(extra="allow")

    report_ids: Ids = Field(None, description="the other reports about the same batch, e.g. [14, 15]")


@router.get("/reports/{report_id}")
def get_report(
    report_id: int, ctx: AppContext = Depends(app_context), staff: Staff = Depends(current_staff)
) -> dict[str, Any]:
    """One report with its answers and the reports merged into it."""
    with ctx.db.transaction() as conn:
        view = review.get_report(conn, _api(staff), ctx.clock.now(), report_id, vault=ctx.vault)
    return report_json(view)


@router.post("/reports/{report_id}/merge")
def merge_reports(
    report_id: int,
    body: MergeFields,
    ctx: AppContext = Depends(app_context),
    staff: Staff = Depends(current_staff),
) -> dict[str, Any]:
    """Fold reports about the same batch into this one, as "Merge" on the Drug alerts page does."""
    given = body.model_dump(exclude_unset=True) | (body.model_extra or {})
    unknown = sorted(set(given) - {"report_ids"})
    if unknown:
        raise Invalid(f"unknown field: {unknown[0][:40]}; send only report_ids", field=unknown[0][:40])
    others = _ids(given.get("report_ids"))
    actor, now = _api(staff), ctx.clock.now()
    with ctx.db.transaction() as conn:
        review.merge_reports(conn, actor, now, report_id, others)
        return report_json(review.get_report(conn, actor, now, report_id, vault=ctx.vault))


def _report_step(step: Callable[..., None], report_id: int, ctx: AppContext, staff: Staff) -> dict[str, Any]:
    actor, now = _api(staff), ctx.clock.now()
    with ctx.db.transaction() as conn:
        step(conn, actor, now, report_id)
        return report_json(review.get_report(conn, actor, now, report_id, vault=ctx.vault))


@router.post("/reports/{report_id}/dismiss")
def dismiss_report(
    report_id: int, ctx: AppContext = Depends(app_context), staff: Staff = Depends(current_staff)
) -> dict[str, Any]:
    """Not acted on (a joke, not about the supply); the reports merged into it go with it."""
    return _report_step(review.dismiss_report, report_id, ctx, staff)


@router.post("/reports/{report_id}/restore")
def restore_report(
    report_id: int, ctx: AppContext = Depends(app_context), staff: Staff = Depends(current_staff)
) -> dict[str, Any]:
    """A dismissed report back in the queue."""
    return _report_step(review.restore_report, report_id, ctx, staff)


@router.post("/reports/{report_id}/unmerge")
def unmerge_report(
    report_id: int, ctx: AppContext = Depends(app_context), staff: Staff = Depends(current_staff)
) -> dict[str, Any]:
    """A merged report back in the queue on its own."""
    return _report_step(review.unmerge_report, report_id, ctx, staff)


@router.get("/alerts")
def list_alerts(
    status_value: str | None = Query(None, alias="status", description="draft, approved, sending, sent..."),
    ctx: AppContext = Depends(app_context),
    staff: Staff = Depends(current_staff),
) -> list[dict[str, Any]]:
    with ctx.db.transaction() as conn:
        found = alerts.list_alerts(conn, _api(staff), ctx.clock.now(), status=status_value)
    return [alert_json(view) for view in found]


@router.post("/alerts", status_code=status.HTTP_201_CREATED)
def draft_alert(
    body: AlertFields, ctx: AppContext = Depends(app_context), staff: Staff = Depends(current_staff)
) -> dict[str, Any]:
    """A draft from reports in the queue (they leave it); without an area, the ZIPs the reports named."""
    given = body.given()
    report_ids = _ids(given.get("report_ids"))
    with ctx.db.transaction() as conn:
        view = alerts.draft_alert(conn, _api(staff), ctx.clock.now(), report_ids=report_ids, **_values(given))
    return alert_json(view)


@router.get("/alerts/{alert_id}")
def get_alert(
    alert_id: int, ctx: AppContext = Depends(app_context), staff: Staff = Depends(current_staff)
) -> dict[str, Any]:
    """The alert, the checker's results with exactly what subscribers get, and its sending progress."""
    actor, now = _api(staff), ctx.clock.now()
    with ctx.db.transaction() as conn:
        view = alerts.get_alert(conn, actor, now, alert_id)
        found = sending.preview(conn, actor, now, alert_id, **_deps(ctx))
        progress = sending.progress(conn, actor, now, alert_id, rate=ctx.settings.send_rate)
    return {**alert_json(view), "check": _check_json(found), "progress": _progress_json(progress)}


@router.patch("/alerts/{alert_id}")
def edit_alert(
    alert_id: int,
    body: AlertFields,
    ctx: AppContext = Depends(app_context),
    staff: Staff = Depends(current_staff),
) -> dict[str, Any]:
    """Change what is sent; an approved alert becomes a draft again."""
    given = body.given()
    if "report_ids" in given:
        raise Invalid("an alert's reports are chosen when it is drafted", field="report_ids")
    with ctx.db.transaction() as conn:
        return alert_json(alerts.edit_alert(conn, _api(staff), ctx.clock.now(), alert_id, **_values(given)))


@router.post("/alerts/{alert_id}/approve")
def approve_alert(
    alert_id: int, ctx: AppContext = Depends(app_context), staff: Staff = Depends(current_staff)
) -> dict[str, Any]:
    """By someone who did not write or last edit it, when SMSBOT_ALERTS_TWO_PERSON is on."""
    with ctx.db.transaction() as conn:
        view = sending.approve_alert(
            conn,
            _api(staff),
            ctx.clock.now(),
            alert_id,
            two_person=ctx.settings.alerts_two_person,
            **_deps(ctx),
        )
    return alert_json(view)


@router.post("/alerts/{alert_id}/send")
def send_alert(
    alert_id: int, ctx: AppContext = Depends(app_context), staff: Staff = Depends(current_staff)
) -> dict[str, Any]:
    """Start sending: the worker queues the area's subscribers a batch at a time."""
    with ctx.db.transaction() as conn:
        view = sending.send_alert(
            conn,
            _api(staff),
            ctx.clock.now(),
            alert_id,
            two_person=ctx.settings.alerts_two_person,
            **_deps(ctx),
        )
    return alert_json(view)


@router.post("/alerts/{alert_id}/cancel")
def cancel_alert(
    alert_id: int, ctx: AppContext = Depends(app_context), staff: Staff = Depends(current_staff)
) -> dict[str, Any]:
    """A draft is dropped (its reports go back to the queue); one going out stops mid-way."""
    with ctx.db.transaction() as conn:
        return alert_json(sending.cancel_alert(conn, _api(staff), ctx.clock.now(), alert_id))
