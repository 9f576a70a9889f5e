"""The Participants pages: enroll, list, one participant's plan and recent answers, and the changes
(pause, resume, change time, a new phone, stop, opt-out entered by staff), plus an admin's audited
phone reveal.

Enrolling and changing go through the API's own functions (api/enrollments.py), so a form and a JSON
call apply exactly the same rules; pages add the audit row and the human wording of errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from smsbot.api import enrollments as api
from smsbot.audit import log as audit
from smsbot.auth.access import admin_only, signed_in, verified_form
from smsbot.auth.sessions import Viewer
from smsbot.checkins import enrollments
from smsbot.checkins.schedule import ScheduleError
from smsbot.dashboard import queries
from smsbot.dashboard.web import PageError, redirect, render

router = APIRouter(include_in_schema=False)
DAYS = (
    ("mon", "Mon"),
    ("tue", "Tue"),
    ("wed", "Wed"),
    ("thu", "Thu"),
    ("fri", "Fri"),
    ("sat", "Sat"),
    ("sun", "Sun"),
)
TIMEZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico",
)  # fmt: skip
REVEAL_REASONS = {
    "call": "To call the participant (they asked for a call, or cannot be reached by text)",
    "emergency": "Emergency services need the number",
    "check": "To check or correct the number together with the participant",
    "legal": "A legal request the program must answer",
}
DONE = {
    "enrolled": "Enrolled. The invitation goes out now; check-ins start when they reply JOIN.",
    "paused": "Check-ins are paused.",
    "resumed": "Check-ins are back on.",
    "schedule": "The new time is saved; the next check-in is worked out from it.",
    "stopped": "Check-ins are stopped for this participant.",
    "opted-out": "Opt-out recorded: this number gets no more texts from the line.",
    "moved": "The new number is saved and gets an invitation now; check-ins start again when they "
    "reply JOIN. The old number gets nothing more.",
}


def _errors(exc: ValidationError) -> list[str]:
    messages = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "form"
        messages.append(f"{field}: {str(error['msg']).removeprefix('Value error, ')}")
    return messages


def _api(call: Callable[..., Any], *args: Any) -> Any:
    """Call an API function; its refusal (HTTPException) becomes the same status on a page."""
    try:
        return call(*args)
    except HTTPException as exc:
        raise PageError(exc.status_code, str(exc.detail)) from None
    except (ScheduleError, ValueError) as exc:
        raise PageError(422, str(exc)) from None


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _list_page(
    request: Request,
    viewer: Viewer,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
    values: dict | None = None,
    done: str | None = None,
) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        people = queries.participants_for(conn, viewer)
        peers = queries.staff_choices(conn) if viewer.is_admin else []
    return render(
        request,
        "participants.html",
        status_code=status_code,
        participants=people,
        peers=peers,
        errors=errors or [],
        values=values or {"time": "18:00", "timezone": ctx.settings.default_timezone, "days": []},
        days=DAYS,
        timezones=sorted({*TIMEZONES, ctx.settings.default_timezone}),
        default_window=ctx.settings.reply_window_minutes,
        done=DONE.get(done or ""),
    )


@router.get("/participants")
def participants_page(
    request: Request, done: str | None = None, viewer: Viewer = Depends(signed_in)
) -> Response:
    return _list_page(request, viewer, done=done)


@router.post("/participants")
def enroll(
    request: Request, viewer: Viewer = Depends(signed_in), form: FormData = Depends(verified_form)
) -> Response:
    ctx = request.app.state.ctx
    window = _text(form, "reply_window_minutes")
    data = {
        "phone": _text(form, "phone") or "",
        "nickname": _text(form, "nickname") or "",
        "time": _text(form, "time") or "",
        "days": [d for d in form.getlist("days") if isinstance(d, str)] or None,
        "timezone": _text(form, "timezone"),
        "reply_window_minutes": int(window) if window and window.isdigit() else window,
        "language": _text(form, "language"),
        "staff_id": int(s) if (s := _text(form, "staff_id")) and s.isdigit() else None,
    }
    # The number is never written back into the page: on an error it is typed again.
    values = {k: v for k, v in data.items() if k != "phone"} | {"days": data["days"] or []}
    try:
        body = api.EnrollmentIn.model_validate(data)
        created = api.create(body, viewer.staff, ctx)
    except ValidationError as exc:
        return _list_page(request, viewer, errors=_errors(exc), status_code=422, values=values)
    except HTTPException as exc:
        return _list_page(
            request, viewer, errors=[str(exc.detail)], status_code=exc.status_code, values=values
        )
    return redirect(f"/participants/{created['id']}?done=enrolled")  # api.create wrote the audit row


def _load(request: Request, viewer: Viewer, enrollment_id: int):
    with request.app.state.ctx.db.transaction() as conn:
        row = queries.enrollment_for(conn, viewer, enrollment_id)
    if row is None:
        raise PageError(404, "There is no such participant for you.")
    return row


def _detail(
    request: Request,
    viewer: Viewer,
    enrollment_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    row = _load(request, viewer, enrollment_id)
    ctx = request.app.state.ctx
    checkins = api.recent_checkins(enrollment_id, 20, viewer.staff, ctx)
    return render(
        request,
        "participant.html",
        status_code=status_code,
        p=enrollments.view(row),
        next_at=row.next_checkin_at,
        checkins=checkins,
        answers=queries.ANSWERS,
        days=DAYS,
        error=error,
        done=DONE.get(done or ""),
        retention_days=ctx.settings.retention_days,
    )


@router.get("/participants/{enrollment_id:int}")
def participant_page(
    enrollment_id: int, request: Request, done: str | None = None, viewer: Viewer = Depends(signed_in)
) -> Response:
    return _detail(request, viewer, enrollment_id, done=done)


def _changed(enrollment_id: int, done: str) -> Response:
    # The API functions the pages call write the audit rows, in the change's own transaction.
    return redirect(f"/participants/{enrollment_id}?done={done}")


@router.post("/participants/{enrollment_id:int}/pause")
def pause(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    _api(api.change, enrollment_id, api.EnrollmentPatch(status="paused"), viewer.staff, request.app.state.ctx)
    return _changed(enrollment_id, "paused")


@router.post("/participants/{enrollment_id:int}/resume")
def resume(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    _api(api.change, enrollment_id, api.EnrollmentPatch(status="active"), viewer.staff, request.app.state.ctx)
    return _changed(enrollment_id, "resumed")


@router.post("/participants/{enrollment_id:int}/schedule")
def change_schedule(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    form: FormData = Depends(verified_form),
) -> Response:
    _load(request, viewer, enrollment_id)  # 404 before anything else for someone else's participant
    try:
        patch = api.EnrollmentPatch.model_validate(
            {
                "time": _text(form, "time"),
                "days": [d for d in form.getlist("days") if isinstance(d, str)] or None,
            }
        )
    except ValidationError as exc:
        return _detail(request, viewer, enrollment_id, error="; ".join(_errors(exc)), status_code=422)
    _api(api.change, enrollment_id, patch, viewer.staff, request.app.state.ctx)
    return _changed(enrollment_id, "schedule")


@router.post("/participants/{enrollment_id:int}/stop")
def stop(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    _api(api.remove, enrollment_id, viewer.staff, request.app.state.ctx)
    return redirect("/participants?done=stopped")  # the participant page is gone with the enrollment


@router.post("/participants/{enrollment_id:int}/opt-out")
def opt_out(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    # The one opt-out (checkins/optout.py) through the API's function, which writes the audit row.
    _api(api.staff_opt_out, enrollment_id, viewer.staff, request.app.state.ctx)
    return redirect("/participants?done=opted-out")


@router.post("/participants/{enrollment_id:int}/phone")
def new_phone(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    form: FormData = Depends(verified_form),
) -> Response:
    """They have a new phone: the enrollment moves to it (the number is never written back)."""
    _load(request, viewer, enrollment_id)
    try:
        patch = api.EnrollmentPatch.model_validate({"phone": _text(form, "phone") or ""})
        api.change(enrollment_id, patch, viewer.staff, request.app.state.ctx)
    except ValidationError as exc:
        return _detail(request, viewer, enrollment_id, error="; ".join(_errors(exc)), status_code=422)
    except HTTPException as exc:
        return _detail(request, viewer, enrollment_id, error=str(exc.detail), status_code=exc.status_code)
    return _changed(enrollment_id, "moved")


@router.get("/participants/{enrollment_id:int}/reveal")
def reveal_page(enrollment_id: int, request: Request, viewer: Viewer = Depends(admin_only)) -> Response:
    row = _load(request, viewer, enrollment_id)
    return render(request, "reveal.html", p=row, reasons=REVEAL_REASONS, phone=None, error=None)


@router.post("/participants/{enrollment_id:int}/reveal")
def reveal(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    form: FormData = Depends(verified_form),
) -> Response:
    row = _load(request, viewer, enrollment_id)
    reason = _text(form, "reason")
    if reason not in REVEAL_REASONS:
        error = "Choose why you need the full number."
        return render(
            request, "reveal.html", status_code=422, p=row, reasons=REVEAL_REASONS, phone=None, error=error
        )
    ctx = request.app.state.ctx
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        phone = queries.reveal_phone(conn, ctx.vault, row.contact_id)
        if phone is None:
            raise PageError(409, "This participant's number is already deleted.")
        audit.record(conn, now, viewer.id, "phone_revealed", "enrollment", enrollment_id, f"reason: {reason}")
    return render(
        request, "reveal.html", p=row, reasons=REVEAL_REASONS, phone=phone, reason=REVEAL_REASONS[reason]
    )
