"""One participant's page: their check-in history first, their plan, pause or resume, a new phone, one
stop action (stop check-ins, or they asked for no more texts at all), and their full number (their own
peer or an admin, with a reason, audited: the same service and display as the call-back from an alert).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from smsbot.alerts import service as alerts
from smsbot.auth.access import signed_in, verified_form
from smsbot.auth.sessions import Viewer
from smsbot.checkins import roster, service
from smsbot.dashboard import participants_common as common
from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.web import redirect, render
from smsbot.errors import DomainError

router = APIRouter(include_in_schema=False)


def _detail(request: Request, viewer: Viewer, enrollment_id: int, *, done: str | None = None, **extra):
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        person = roster.details(conn, common.actor(viewer), enrollment_id)
        checkins = roster.recent_checkins(
            conn, common.actor(viewer), enrollment_id, vault=ctx.vault, now=common.now(request), limit=30
        )
    return render(
        request,
        extra.pop("template", "participant.html"),
        status_code=extra.pop("status_code", 200),
        p=person,
        checkins=checkins,
        done=common.DONE.get(done or ""),
        retention_days=ctx.settings.retention_days,
        **extra,
        **common.HELPERS,
    )


@router.get("/participants/{enrollment_id:int}")
def participant_page(
    enrollment_id: int, request: Request, done: str | None = None, viewer: Viewer = Depends(signed_in)
) -> Response:
    return _detail(request, viewer, enrollment_id, done=done, errors=FormErrors())


def _one_change(request: Request, viewer: Viewer, enrollment_id: int, done: str, **fields) -> Response:
    """A one-button change (pause, resume): refused, it is said on the participant's page."""
    try:
        common.change(request, viewer, enrollment_id, **fields)
    except DomainError as err:
        if err.status == 404:
            raise
        errors = common.form_errors(request, err, viewer.is_admin)
        return _detail(request, viewer, enrollment_id, errors=errors, status_code=err.status)
    return redirect(f"/participants/{enrollment_id}?done={done}")


@router.post("/participants/{enrollment_id:int}/pause")
def pause(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    return _one_change(request, viewer, enrollment_id, "paused", status="paused")


@router.post("/participants/{enrollment_id:int}/resume")
def resume(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    return _one_change(request, viewer, enrollment_id, "resumed", status="active")


@router.post("/participants/{enrollment_id:int}/schedule")
def change_schedule(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    form: FormData = Depends(verified_form),
) -> Response:
    """Time and days only (the older, smaller form; the edit page changes everything)."""
    days = [d for d in form.getlist("days") if isinstance(d, str)] or None
    return _one_change(request, viewer, enrollment_id, "schedule", time=common.text(form, "time"), days=days)


@router.post("/participants/{enrollment_id:int}/phone")
def new_phone(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    form: FormData = Depends(verified_form),
) -> Response:
    """They have a new phone: the enrollment moves to it (kept in the box if it is refused)."""
    phone = common.text(form, "phone") or ""
    try:
        common.change(request, viewer, enrollment_id, phone=phone)
    except DomainError as err:
        if err.status == 404:
            raise
        errors = common.form_errors(request, err, viewer.is_admin, field="new_phone")
        if "phone" in errors:
            errors = FormErrors({"new_phone": errors["phone"]})
        return _detail(request, viewer, enrollment_id, errors=errors, new_phone=phone, status_code=err.status)
    return redirect(f"/participants/{enrollment_id}?done=moved")


@router.get("/participants/{enrollment_id:int}/stop")
def stop_page(enrollment_id: int, request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    return _detail(request, viewer, enrollment_id, template="participant_stop.html", errors=FormErrors())


def _stop(request: Request, viewer: Viewer, enrollment_id: int, opted_out: bool) -> Response:
    do = service.opt_out if opted_out else service.stop
    try:
        with request.app.state.ctx.db.transaction() as conn:
            do(conn, common.actor(viewer), common.now(request), common.program(request), enrollment_id)
    except DomainError as err:
        if err.status == 404:
            raise
        errors = common.form_errors(request, err, viewer.is_admin, field="why")
        return _detail(
            request, viewer, enrollment_id, template="participant_stop.html", errors=errors,
            status_code=err.status,
        )  # fmt: skip
    return redirect("/participants?done=" + ("opted-out" if opted_out else "stopped"))


@router.post("/participants/{enrollment_id:int}/stop")
def stop(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    form: FormData = Depends(verified_form),
) -> Response:
    """One stop action: stop check-ins, or (their choice) no more texts from the line at all."""
    return _stop(request, viewer, enrollment_id, opted_out=form.get("why") == "no-texts")


@router.post("/participants/{enrollment_id:int}/opt-out")
def opt_out(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    return _stop(request, viewer, enrollment_id, opted_out=True)


def _reveal_page(request: Request, viewer: Viewer, enrollment_id: int, **extra) -> Response:
    """The participant's full number: asked for with a reason, shown as on an alert's card."""
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        person = roster.get_row(conn, common.actor(viewer), enrollment_id)  # not theirs: 404
    return render(
        request,
        "reveal.html",
        status_code=extra.pop("status_code", 200),
        p=person,
        nickname=person.nickname,
        reasons=alerts.CALL_BACK_REASONS,
        shown_for=alerts.SHOWN_FOR_SECONDS,
        errors=extra.pop("errors", FormErrors()),
        **extra,
    )


@router.get("/participants/{enrollment_id:int}/reveal")
def reveal_page(enrollment_id: int, request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    return _reveal_page(request, viewer, enrollment_id)


@router.post("/participants/{enrollment_id:int}/reveal")
def reveal(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    form: FormData = Depends(verified_form),
) -> Response:
    """Their own peer or an admin, with a reason: the same service as the call-back from an alert."""
    ctx = request.app.state.ctx
    try:
        with ctx.db.transaction() as conn:
            roster.get_row(conn, common.actor(viewer), enrollment_id)  # not theirs: 404, as every page
            revealed = alerts.reveal(
                conn,
                common.actor(viewer),
                common.now(request),
                common.text(form, "reason"),
                vault=ctx.vault,
                enrollment_id=enrollment_id,
            )
    except DomainError as err:
        if err.status == 404:
            raise
        errors = common.form_errors(request, err, viewer.is_admin, field="reason")
        return _reveal_page(request, viewer, enrollment_id, errors=errors, status_code=err.status)
    return _reveal_page(request, viewer, enrollment_id, revealed=revealed)
