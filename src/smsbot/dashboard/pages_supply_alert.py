"""One drug alert's page (peers and admins): its reports to read (not to quote), English and Spanish text
side by side with the checker's results (the "Save and check" button), the area with how many it
reaches, the expiry and languages, a preview of exactly what subscribers get, approval (by a second
person when SMSBOT_ALERTS_TWO_PERSON is on: the page says who), sending, progress and cancelling.

A thin adapter over supply/alerts.py and sending.py (they check, audit and refuse in words); a refusal is
shown beside its field with what was typed kept.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import JSONResponse, Response

from smsbot.actor import Actor, Door
from smsbot.auth.access import signed_in, verified_form
from smsbot.auth.security import protect
from smsbot.auth.sessions import Viewer
from smsbot.dashboard import i18n
from smsbot.dashboard import supply_view as sv
from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.i18n import N_, _
from smsbot.dashboard.pages_service import ZONES
from smsbot.dashboard.web import language_for, redirect, render
from smsbot.errors import DomainError
from smsbot.replies.wording import Wording
from smsbot.staff.views import name_of
from smsbot.supply import alerts, review, sending
from smsbot.supply.numbers import shown
from smsbot.supply.states import EDITABLE, AlertStatus
from smsbot.supply.wording_check import check_alert

router = APIRouter(include_in_schema=False)
PATH = "/supply/alerts/{supply_alert_id:int}"
_CENTRE = {"center_point": "center_zip"}
DONE = {
    "drafted": N_("A draft is started. Nothing is sent until someone presses Send."),
    "saved": N_("Saved and checked. Nothing is sent until someone presses Send."),
    "approved": N_("Approved. It can be sent now."),
    "sending": N_("Sending has started. Texts go out a batch at a time; this page shows how far it got."),
    "cancelled": N_("Cancelled."),
}


def _actor(viewer: Viewer) -> Actor:
    return Actor.of_staff(viewer.staff, Door.PAGE)


def _deps(request: Request) -> dict[str, Any]:
    ctx = request.app.state.ctx
    return {"wording": Wording.from_settings(ctx.settings), "vault": ctx.vault}


def _capitalised(errors: FormErrors) -> FormErrors:
    return FormErrors({name: message[:1].upper() + message[1:] for name, message in errors.items()})


def _approval(view: alerts.AlertView, viewer: Viewer, two_person: bool, names: dict[int, str]) -> dict:
    """Who may approve, in words, and whether this viewer may."""
    authors = [i for i in dict.fromkeys((view.created_by, view.updated_by)) if i is not None]
    who = [names.get(i) or _("a former staff member") for i in authors]
    if len(who) == 2:
        who = [_("%(first)s and %(second)s", first=who[0], second=who[1])]
    return {
        "needed": two_person and view.status == AlertStatus.DRAFT,
        "authors": who[0] if who else _("its writer"),
        "mine": viewer.staff.id in authors,
    }


def _context(request: Request, viewer: Viewer, alert_id: int) -> dict[str, Any]:
    ctx = request.app.state.ctx
    now, actor, settings = ctx.clock.now(), _actor(viewer), ctx.settings
    with ctx.db.transaction() as conn:
        view = alerts.get_alert(conn, actor, now, alert_id)
        reports = [review.get_report(conn, actor, now, i, vault=ctx.vault) for i in view.report_ids]
        merged = [
            review.get_report(conn, actor, now, child, vault=ctx.vault)
            for found in reports
            for child in found.merged_ids
        ]
        preview = sending.preview(conn, actor, now, alert_id, **_deps(request))
        progress = None
        if view.sending_at is not None:  # a broadcast started
            progress = sending.progress(conn, actor, now, alert_id, rate=settings.send_rate)
        people = {view.created_by, view.updated_by, view.approved_by, view.sent_by} - {None}
        names = {i: name_of(conn, i) for i in people}
    two_person = settings.alerts_two_person
    return {
        "a": view,
        "reports": reports + merged,
        "preview": preview,
        "checked": sv.check_by_language(preview.check),
        "progress": progress,
        "names": names,
        "approval": _approval(view, viewer, two_person, names),
        "two_person": two_person,
        "editable": view.status in EDITABLE,
        "can_send": preview.check.ok
        and (view.status == AlertStatus.APPROVED or (view.status == AlertStatus.DRAFT and not two_person)),
        "rate": settings.send_rate,
        "send_time": sv.time_for(preview.recipients, settings.send_rate),
        "speed_note": sv.speed_note(settings.send_rate),
        "timezone": settings.default_timezone,
        "zone_name": dict(ZONES).get(settings.default_timezone, settings.default_timezone),
        "now": now,
    }


def _page(
    request: Request,
    viewer: Viewer,
    alert_id: int,
    *,
    form: sv.AlertForm | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    i18n.use(language_for(request, viewer))  # before any words are made, not only at render
    context = _context(request, viewer, alert_id)
    return render(
        request,
        "supply_alert.html",
        status_code=status_code,
        f=form or sv.AlertForm.of(context["a"], context["timezone"]),
        errors=_capitalised(errors or FormErrors()),
        done=DONE.get(done or ""),
        labels=sv.ANSWER_LABELS,
        language_names=sv.LANGUAGE_NAMES,
        status_words=sv.STATUS_WORDS,
        duration=sv.duration,
        per_second=sv.per_second,
        shown=shown,
        **context,
    )


@router.get(PATH)
def alert_page(
    supply_alert_id: int, request: Request, done: str | None = None, viewer: Viewer = Depends(signed_in)
) -> Response:
    return _page(request, viewer, supply_alert_id, done=done)


@router.post(PATH)
def save(
    supply_alert_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    form: FormData = Depends(verified_form),
) -> Response:
    """ "Save and check": only what changed is written (one audit row); the page shows the checker's
    results for what is saved."""
    ctx = request.app.state.ctx
    i18n.use(language_for(request, viewer))  # before any words are made, not only at render
    typed = sv.AlertForm.typed(form)
    with ctx.db.transaction() as conn:
        current = alerts.get_alert(conn, _actor(viewer), ctx.clock.now(), supply_alert_id)
    values, errors = typed.changes(current, ctx.settings.default_timezone)
    status = 422
    if not errors and values:
        try:
            with ctx.db.transaction() as conn:
                alerts.edit_alert(conn, _actor(viewer), ctx.clock.now(), supply_alert_id, **values)
        except DomainError as err:
            if err.status == 404:
                raise
            errors, status = FormErrors.from_domain(err, is_admin=viewer.is_admin), err.status
            # The form has one centre field for a ZIP or a point: a point's refusal goes beside it.
            errors = FormErrors((_CENTRE.get(name, name), words) for name, words in errors.items())
    if errors:
        return _page(request, viewer, supply_alert_id, form=typed, errors=errors, status_code=status)
    return redirect(f"/supply/alerts/{supply_alert_id}?done=saved#check")


def _step(request: Request, viewer: Viewer, alert_id: int, step, done: str) -> Response:
    i18n.use(language_for(request, viewer))  # before any words are made, not only at render
    ctx = request.app.state.ctx
    try:
        with ctx.db.transaction() as conn:
            step(conn, _actor(viewer), ctx.clock.now(), alert_id)
    except DomainError as err:
        if err.status == 404:
            raise
        errors = FormErrors.from_domain(err, is_admin=viewer.is_admin)
        return _page(request, viewer, alert_id, errors=errors, status_code=err.status)
    return redirect(f"/supply/alerts/{alert_id}?done={done}")


@router.post(PATH + "/approve")
def approve(
    supply_alert_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    two_person = request.app.state.ctx.settings.alerts_two_person

    def step(conn, actor, now, alert_id):
        sending.approve_alert(conn, actor, now, alert_id, two_person=two_person, **_deps(request))

    return _step(request, viewer, supply_alert_id, step, "approved")


@router.post(PATH + "/send")
def send(
    supply_alert_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    two_person = request.app.state.ctx.settings.alerts_two_person

    def step(conn, actor, now, alert_id):
        sending.send_alert(conn, actor, now, alert_id, two_person=two_person, **_deps(request))

    return _step(request, viewer, supply_alert_id, step, "sending")


@router.get(PATH + "/cancel")
def cancel_page(supply_alert_id: int, request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """Ask first: what stops, and what has already gone out."""
    i18n.use(language_for(request, viewer))  # before any words are made, not only at render
    context = _context(request, viewer, supply_alert_id)
    return render(
        request,
        "supply_cancel.html",
        status_words=sv.STATUS_WORDS,
        duration=sv.duration,
        per_second=sv.per_second,
        shown=shown,
        **context,
    )


@router.post(PATH + "/cancel")
def cancel(
    supply_alert_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    return _step(request, viewer, supply_alert_id, sending.cancel_alert, "cancelled")


@router.post(PATH + "/check")
def check_json(
    supply_alert_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    form: FormData = Depends(verified_form),
) -> Response:
    """The live check of the page's script: the typed texts checked as "Save and check" would check
    them (against this alert's reports), nothing saved; worded in the staff member's language."""
    i18n.use(language_for(request, viewer))
    ctx = request.app.state.ctx
    typed = sv.AlertForm.typed(form)
    with ctx.db.transaction() as conn:
        view = alerts.get_alert(conn, _actor(viewer), ctx.clock.now(), supply_alert_id)
        quoted = review.report_texts(conn, ctx.vault, view.report_ids)
    texts = {
        f"text_{code}": " ".join(getattr(typed, f"text_{code}").split()) if code in typed.languages else None
        for code in sv.LANGUAGE_NAMES
    }
    found = sv.check_by_language(check_alert(_deps(request)["wording"], SimpleNamespace(**texts), quoted))
    parts = {
        f"text_{code}": {
            "meta": " ".join(found.get(code, {}).get("notes", [])),
            "problems": found.get(code, {}).get("problems", []),
        }
        for code in sv.LANGUAGE_NAMES
    }
    return protect(JSONResponse({"parts": parts, "problems": found.get(None, {}).get("problems", [])}))


@router.get(PATH + "/progress")
def progress_fragment(
    supply_alert_id: int, request: Request, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The progress box alone, for the page's background refresh while it sends."""
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        found = sending.progress(
            conn, _actor(viewer), ctx.clock.now(), supply_alert_id, rate=ctx.settings.send_rate
        )
    return render(
        request,
        "_supply_progress.html",
        progress=found,
        alert_id=supply_alert_id,
        duration=sv.duration,
        per_second=sv.per_second,
        shown=shown,
        status_words=sv.STATUS_WORDS,
    )
