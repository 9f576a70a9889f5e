"""The Alerts page, the peers' home: open alerts first, newest first, acknowledged with one click.

Each alert says what happened ("no answer since 18:00", "asked for a call", "could not reach") and
whose it is (the participant's nickname). The list refreshes itself in the background without
keeping an idle session alive; acknowledging works with or without JavaScript. A thin adapter over
smsbot.alerts.service, as the API is.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from smsbot.actor import Actor, Door
from smsbot.alerts import service
from smsbot.alerts.views import AlertView
from smsbot.auth.access import signed_in, verified_form
from smsbot.auth.sessions import Viewer
from smsbot.dashboard.web import is_fetch, redirect, render

router = APIRouter(include_in_schema=False)
DONE = {
    "password": "Your new password is saved.",
    "second-factor": "Your authenticator app is set up: you will type a code from it when you sign in.",
    "acked": "Alert acknowledged.",
}
RECENTLY_ACKED = 20  # under the open ones, so a peer sees what was just done


def _alerts(request: Request, viewer: Viewer) -> list[AlertView]:
    ctx = request.app.state.ctx
    actor, now = Actor.of_staff(viewer.staff, Door.PAGE), ctx.clock.now()
    with ctx.db.transaction() as conn:
        opened = service.list_alerts(conn, actor, now, status="open")
        return opened + service.list_alerts(conn, actor, now, status="acked", limit=RECENTLY_ACKED)


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
    with ctx.db.transaction() as conn:  # a refusal (not yours: 404) is the error page, by api/errors.py
        item = service.acknowledge(conn, Actor.of_staff(viewer.staff, Door.PAGE), ctx.clock.now(), alert_id)
    if is_fetch(request):
        return render(request, "_alert.html", alert=item)
    return redirect("/?done=acked")
