"""The Alerts page, the peers' home: open alerts first, newest first, acknowledged with one click.

Each alert says what happened ("no answer since 18:00", "asked for a call", "could not reach") and
whose it is (the participant's nickname). The list refreshes itself in the background without
keeping an idle session alive; acknowledging works with or without JavaScript.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from smsbot.audit import log as audit
from smsbot.auth.access import signed_in, verified_form
from smsbot.auth.sessions import Viewer
from smsbot.checkins import alerts
from smsbot.dashboard import queries
from smsbot.dashboard.web import PageError, is_fetch, redirect, render

router = APIRouter(include_in_schema=False)
DONE = {
    "password": "Your new password is saved.",
    "second-factor": "Your authenticator app is set up: you will type a code from it when you sign in.",
    "acked": "Alert acknowledged.",
}


def _alerts(request: Request, viewer: Viewer) -> list[dict]:
    with request.app.state.ctx.db.transaction() as conn:
        return queries.alerts_for(conn, viewer)


@router.get("/")
def alerts_page(request: Request, done: str | None = None, viewer: Viewer = Depends(signed_in)) -> Response:
    return render(request, "alerts.html", alerts=_alerts(request, viewer), done=DONE.get(done or ""))


@router.get("/alerts/list")
def alerts_fragment(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """The list alone, for the page's background refresh."""
    return render(request, "_alerts_list.html", alerts=_alerts(request, viewer))


@router.post("/alerts/{alert_id:int}/ack")
def acknowledge(
    alert_id: int,
    request: Request,
    viewer: Viewer = Depends(signed_in),
    _: FormData = Depends(verified_form),
) -> Response:
    ctx = request.app.state.ctx
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        if not alerts.acknowledge(conn, alert_id, viewer.staff, now):  # the API's rule and effect
            raise PageError(404, "There is no such alert for you.")
        audit.record(conn, now, viewer.id, "alert_acknowledged", "alert", alert_id)
        item = queries.alert_for(conn, viewer, alert_id)
    if is_fetch(request):
        return render(request, "_alert.html", alert=item)
    return redirect("/?done=acked")
