"""The Alerts page, the peers' home and a shift's to-do list: open alerts first, newest first, each
with how long ago it came; call the participant back (their own peer, or an admin, with a reason:
audited); acknowledge with what happened. Resolved alerts can be searched.

A thin adapter over smsbot.alerts.service, as the API is. The list refreshes itself in the background
without keeping an idle session alive; everything works without JavaScript too. A revealed number is
only ever in a POST's answer: never in a URL, a redirect or a log.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from smsbot.actor import Actor, Door
from smsbot.alerts import service
from smsbot.alerts.states import OUTCOME_WORDS
from smsbot.alerts.views import FAMILY_LABELS
from smsbot.auth.access import signed_in, verified_form
from smsbot.auth.sessions import Viewer
from smsbot.dashboard.ages import ago
from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.i18n import N_, _
from smsbot.dashboard.web import is_fetch, redirect, render
from smsbot.errors import Invalid

router = APIRouter(include_in_schema=False)
DONE = {  # English catalog ids: base.html shows them in the page's language
    "password": N_("Your new password is saved."),
    "second-factor": N_("Your authenticator app is set up: you will type a code from it when you sign in."),
    "acked": N_("Alert acknowledged."),
}
RECENTLY_DONE = 10  # under the open ones, so a peer sees what was just done
RESOLVED_LISTED = 100


def _actor(viewer: Viewer) -> Actor:
    return Actor.of_staff(viewer.staff, Door.PAGE)


def _words(request: Request) -> dict:
    """What every alert template needs besides the alerts."""
    return dict(
        now=request.app.state.ctx.clock.now(),
        ago=ago,
        outcomes=OUTCOME_WORDS,
        reasons=service.CALL_BACK_REASONS,
        shown_for=service.SHOWN_FOR_SECONDS,
    )


def _page(
    request: Request, viewer: Viewer, template: str = "alerts.html", status_code: int = 200, **extra
) -> Response:
    ctx = request.app.state.ctx
    words = _words(request)
    with ctx.db.transaction() as conn:
        opened = service.list_alerts(conn, _actor(viewer), words["now"], status="open", vault=ctx.vault)
        recent = service.list_alerts(
            conn, _actor(viewer), words["now"], status="acked", limit=RECENTLY_DONE, vault=ctx.vault
        )
    extra.setdefault("typed", {})
    return render(request, template, status_code=status_code, opened=opened, recent=recent, **words, **extra)


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


@router.get("/")
def alerts_page(request: Request, done: str | None = None, viewer: Viewer = Depends(signed_in)) -> Response:
    return _page(request, viewer, done=DONE.get(done or ""))


@router.get("/alerts/list")
def alerts_fragment(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """The list alone, for the page's background refresh."""
    return _page(request, viewer, "_alerts_list.html")


@router.get("/alerts/resolved")
def resolved(
    request: Request,
    q: str | None = Query(None, max_length=40),
    kind: str | None = Query(None, max_length=20),
    viewer: Viewer = Depends(signed_in),
) -> Response:
    ctx = request.app.state.ctx
    words = _words(request)
    with ctx.db.transaction() as conn:
        found = service.list_alerts(
            conn,
            _actor(viewer),
            words["now"],
            status="acked",
            kind=kind,
            search=q,
            limit=RESOLVED_LISTED,
            vault=ctx.vault,
        )
    return render(
        request,
        "alerts_resolved.html",
        found=found,
        q=q or "",
        kind=kind or "",
        families=list(FAMILY_LABELS.items()),
        limit=RESOLVED_LISTED,
        typed={},
        **words,
    )


def _refused(request: Request, viewer: Viewer, alert_id: int, err: Invalid, typed: dict) -> Response:
    """The page again, the problem beside its field on that alert's card, what was typed kept."""
    said = err.told_to(viewer.is_admin, translate=_)
    errors = FormErrors({f"{err.field or 'outcome'}-{alert_id}": said})
    return _page(request, viewer, status_code=err.status, errors=errors, typed=typed)


@router.post("/alerts/{alert_id:int}/ack")
def acknowledge(
    alert_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    form: FormData = Depends(verified_form),
) -> Response:
    ctx = request.app.state.ctx
    outcome, note = _text(form, "outcome"), _text(form, "note")
    try:
        with ctx.db.transaction() as conn:  # not theirs: 404, by the DomainError handler (api/errors.py)
            item = service.acknowledge(
                conn, _actor(viewer), ctx.clock.now(), alert_id, outcome=outcome, note=note, vault=ctx.vault
            )
    except Invalid as err:
        return _refused(request, viewer, alert_id, err, {f"note-{alert_id}": note or ""})
    if is_fetch(request):
        return render(request, "_alert.html", alert=item, typed={}, **_words(request))
    return redirect("/?done=acked")


@router.post("/alerts/{alert_id:int}/call-back")
def call_back(
    alert_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    form: FormData = Depends(verified_form),
) -> Response:
    ctx = request.app.state.ctx
    try:
        with ctx.db.transaction() as conn:
            revealed = service.call_back(
                conn, _actor(viewer), ctx.clock.now(), alert_id, _text(form, "reason"), vault=ctx.vault
            )
    except Invalid as err:
        return _refused(request, viewer, alert_id, err, {})
    if is_fetch(request):
        return render(
            request, "_alert.html", alert=revealed.alert, revealed=revealed, typed={}, **_words(request)
        )
    return _page(request, viewer, revealed=revealed)
