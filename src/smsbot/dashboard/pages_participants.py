"""The Participants list (search, filter by state, sort, the archive of stopped ones), enrolling on its
own page, and editing a participant's details. One participant's page and its actions: pages_participant.

Thin: each change calls smsbot.checkins.service, the function the JSON API calls too; a refusal is
shown beside its field with what was typed kept (the number too), and the summary takes focus.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from smsbot.auth.access import signed_in, verified_form
from smsbot.auth.sessions import Viewer
from smsbot.checkins import roster, service
from smsbot.dashboard import pages_participant
from smsbot.dashboard import participants_common as common
from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.i18n import _
from smsbot.dashboard.web import redirect, render
from smsbot.errors import N_, DomainError

router = APIRouter(include_in_schema=False)
router.include_router(pages_participant.router)
# (English ids: the template translates them)
SHOW_LABELS = {
    "current": N_("Current"),
    "active": N_("Active"),
    "paused": N_("Paused"),
    "invited": N_("Invited"),
    "stopped": N_("Stopped (archive)"),
    "all": N_("Everyone"),
}
SORT_LABELS = {
    "name": N_("Nickname"),
    "status": N_("Status"),
    "next": N_("Next check-in"),
    "newest": N_("Newest first"),
}


@router.get("/participants")
def participants_page(
    request: Request,
    done: str | None = None,
    show: str = "current",
    q: str | None = None,
    sort: str = "name",
    viewer: Viewer = Depends(signed_in),
) -> Response:
    show = show if show in roster.SHOWS else "current"
    sort = sort if sort in roster.SORTS else "name"
    search = (q or "").strip()[:40]
    with request.app.state.ctx.db.transaction() as conn:
        people = roster.participants(conn, common.actor(viewer), show=show, search=search, sort=sort)
    return render(
        request,
        "participants.html",
        participants=people,
        show=show,
        shows=SHOW_LABELS,
        sort=sort,
        sorts=SORT_LABELS,
        q=search,
        done=common.DONE.get(done or ""),
        **common.HELPERS,
    )


def _enroll_page(request: Request, viewer: Viewer, values: dict, errors=None, status_code=200) -> Response:
    context = common.form_context(request, viewer, values)
    return render(request, "enroll.html", status_code=status_code, errors=errors or FormErrors(), **context)


@router.get("/participants/new")
def enroll_page(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    settings = request.app.state.ctx.settings
    values = {"time": "18:00", "timezone": settings.default_timezone, "days": [], "days_mode": "every"}
    values |= {"reply_window_minutes": str(settings.reply_window_minutes), "language": "en"}
    return _enroll_page(request, viewer, values | {"staff_id": str(viewer.staff.id)})


@router.post("/participants")
def enroll(
    request: Request, viewer: Viewer = Depends(signed_in), form: FormData = Depends(verified_form)
) -> Response:
    values = common.typed(form)
    try:
        with request.app.state.ctx.db.transaction() as conn:
            created = service.enroll(
                conn, common.actor(viewer), common.now(request), common.program(request),
                phone=values["phone"], **common.service_fields(values),
            )  # fmt: skip
    except DomainError as err:
        errors = common.form_errors(request, err, viewer.is_admin)
        return _enroll_page(request, viewer, values, errors, status_code=err.status)
    return redirect(f"/participants/{created['id']}?done=enrolled")


def _edit_values(p: dict) -> dict:
    return {
        "nickname": p["nickname"],
        "staff_id": str(p["staff_id"] or ""),
        "time": p["time"],
        "days": p["days"],
        "days_mode": "every" if p["every_day"] else "some",
        "timezone": p["timezone"],
        "reply_window_minutes": str(p["reply_window_minutes"]),
        "language": p["language"],
    }


def _edit_page(
    request: Request, viewer: Viewer, enrollment_id: int, values=None, errors=None, status_code=200
):
    with request.app.state.ctx.db.transaction() as conn:
        person = roster.details(conn, common.actor(viewer), enrollment_id)
    context = common.form_context(request, viewer, values or _edit_values(person))
    if context["peers"] and person["staff_id"] not in {id for id, _ in context["peers"]}:
        # Their current peer (no longer active, or nobody yet) stays the choice unless one is picked.
        current = (person["staff_id"] or "", person["peer_name"] or _("nobody yet"))
        context["peers"] = [current, *context["peers"]]
    return render(
        request, "participant_edit.html", status_code=status_code, p=person, errors=errors or FormErrors(),
        **context,
    )  # fmt: skip


@router.get("/participants/{enrollment_id:int}/edit")
def edit_page(enrollment_id: int, request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    return _edit_page(request, viewer, enrollment_id)


@router.post("/participants/{enrollment_id:int}/edit")
def edit(
    enrollment_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    form: FormData = Depends(verified_form),
) -> Response:
    values = common.typed(form)
    fields = common.service_fields(values)
    if not viewer.is_admin:
        fields["staff_id"] = None  # a peer's form has no peer to choose
    try:
        common.change(request, viewer, enrollment_id, **fields)
    except DomainError as err:
        if err.status == 404:
            raise
        errors = common.form_errors(request, err, viewer.is_admin)
        return _edit_page(request, viewer, enrollment_id, values, errors, status_code=err.status)
    return redirect(f"/participants/{enrollment_id}?done=saved")
