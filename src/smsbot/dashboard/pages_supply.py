"""Drug alerts (peers and admins): the moderation queue of anonymous reports (newest first, their answers
read here only), merge, dismiss, put back, start an alert from ticked reports, and the Numbers section.
One alert's pages (write, check, preview, approve, send, progress, cancel) are in pages_supply_alert.py.

A thin adapter over supply/review.py, alerts.py and numbers.py, which check, audit and refuse in words;
a refusal is shown on the queue beside the reports' boxes, what was ticked kept.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from smsbot.actor import Actor, Door
from smsbot.auth.access import signed_in, verified_form
from smsbot.auth.sessions import Viewer
from smsbot.dashboard import i18n, pages_supply_alert
from smsbot.dashboard.ages import ago
from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.i18n import N_, _
from smsbot.dashboard.supply_view import ANSWER_LABELS, STATUS_WORDS, hours_words, ids_of
from smsbot.dashboard.web import language_for, redirect, render
from smsbot.errors import DomainError, Invalid
from smsbot.supply import alerts, numbers, review
from smsbot.supply.states import ReportStatus

router = APIRouter(include_in_schema=False)
router.include_router(pages_supply_alert.router)
DONE = {
    "merged": N_("Merged. The reports are one report in the queue now."),
    "dismissed": N_("Dismissed. It is out of the queue (you can put it back below)."),
    "restored": N_("Put back in the queue."),
    "unmerged": N_("Taken out of the merge: it is its own report in the queue again."),
}
PERIODS = (30, 90, 365)


def _actor(viewer: Viewer) -> Actor:
    return Actor.of_staff(viewer.staff, Door.PAGE)


def _queue(
    request: Request,
    viewer: Viewer,
    *,
    errors: FormErrors | None = None,
    ticked: list[int] | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    i18n.use(language_for(request, viewer))  # before any words are made, not only at render
    ctx = request.app.state.ctx
    now, actor = ctx.clock.now(), _actor(viewer)
    with ctx.db.transaction() as conn:
        queued = review.list_reports(conn, actor, now, vault=ctx.vault)
        merged = {
            child: review.get_report(conn, actor, now, child, vault=ctx.vault)
            for found in queued
            for child in found.merged_ids
        }
        dismissed = review.list_reports(
            conn, actor, now, vault=ctx.vault, status=ReportStatus.DISMISSED.value, limit=20
        )
        recent = alerts.list_alerts(conn, actor, now, limit=50)
    return render(
        request,
        "supply.html",
        status_code=status_code,
        reports=list(reversed(queued)),  # newest first: what just came in is what may be urgent
        merged=merged,
        dismissed=list(reversed(dismissed)),
        alerts=recent,
        labels=ANSWER_LABELS,
        status_words=STATUS_WORDS,
        now=now,
        ago=ago,
        errors=errors or FormErrors(),
        ticked=set(ticked or []),
        done=DONE.get(done or ""),
    )


@router.get("/supply")
def queue_page(request: Request, done: str | None = None, viewer: Viewer = Depends(signed_in)) -> Response:
    return _queue(request, viewer, done=done)


def _refused(request: Request, viewer: Viewer, err: DomainError, ticked: list[int]) -> Response:
    i18n.use(language_for(request, viewer))  # before any words are made, not only at render
    errors = FormErrors.from_domain(err, is_admin=viewer.is_admin, field="report_ids")
    if "report_ids" not in errors and err.field not in (None, "report_ids"):
        errors = FormErrors({"report_ids": err.told_to(viewer.is_admin, translate=_)})
    return _queue(request, viewer, errors=errors, ticked=ticked, status_code=err.status)


@router.post("/supply/alerts")
def start_alert(
    request: Request, viewer: Viewer = Depends(signed_in), form: FormData = Depends(verified_form)
) -> Response:
    """A draft from the ticked reports ("without a report": an alert from elsewhere, e.g. a health
    department's)."""
    ctx = request.app.state.ctx
    ticked = ids_of(form)
    try:
        if not ticked and form.get("without_reports") != "yes":
            raise Invalid(N_("Tick the reports this alert is about."), field="report_ids")
        with ctx.db.transaction() as conn:
            draft = alerts.draft_alert(conn, _actor(viewer), ctx.clock.now(), report_ids=ticked)
    except DomainError as err:
        return _refused(request, viewer, err, ticked)
    return redirect(f"/supply/alerts/{draft.id}?done=drafted")


@router.post("/supply/reports/merge")
def merge(
    request: Request, viewer: Viewer = Depends(signed_in), form: FormData = Depends(verified_form)
) -> Response:
    """The ticked reports become one, kept under the oldest (its time counts as the first report)."""
    ctx = request.app.state.ctx
    ticked = sorted(set(ids_of(form)))
    try:
        if len(ticked) < 2:
            raise Invalid(
                N_("Tick two or more reports about the same batch to merge them."), field="report_ids"
            )
        with ctx.db.transaction() as conn:
            review.merge_reports(conn, _actor(viewer), ctx.clock.now(), ticked[0], ticked[1:])
    except DomainError as err:
        return _refused(request, viewer, err, ticked)
    return redirect(f"/supply?done=merged#report-{ticked[0]}")


def _report_action(request: Request, viewer: Viewer, report_id: int, action, done: str) -> Response:
    ctx = request.app.state.ctx
    try:
        with ctx.db.transaction() as conn:
            action(conn, _actor(viewer), ctx.clock.now(), report_id)
    except DomainError as err:
        if err.status == 404:
            raise
        return _refused(request, viewer, err, [])
    return redirect(f"/supply?done={done}")


@router.post("/supply/reports/{report_id:int}/dismiss")
def dismiss(
    report_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    return _report_action(request, viewer, report_id, review.dismiss_report, "dismissed")


@router.post("/supply/reports/{report_id:int}/restore")
def restore(
    report_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    return _report_action(request, viewer, report_id, review.restore_report, "restored")


@router.post("/supply/reports/{report_id:int}/unmerge")
def unmerge(
    report_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    return _report_action(request, viewer, report_id, review.unmerge_report, "unmerged")


@router.get("/supply/numbers")
def numbers_page(request: Request, days: int = 90, viewer: Viewer = Depends(signed_in)) -> Response:
    """Aggregates only, small counts shown as "<5": nothing here can point to a person."""
    ctx = request.app.state.ctx
    days = days if days in PERIODS else 90
    with ctx.db.transaction() as conn:
        found = numbers.supply_numbers(conn, _actor(viewer), ctx.clock.now(), days=days)
    return render(
        request,
        "supply_numbers.html",
        n=found,
        periods=PERIODS,
        status_words=STATUS_WORDS,
        hours_words=hours_words,
    )
