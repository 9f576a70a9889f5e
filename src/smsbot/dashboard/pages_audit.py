"""The audit log page (admins): who did what, when, newest first, with names instead of numbers,
filters (who, what, when) and a layout that turns each row into a card on a phone.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from smsbot.audit.log import ACTIONS
from smsbot.auth.access import admin_only
from smsbot.auth.sessions import Viewer
from smsbot.dashboard import audit_view
from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.i18n import _
from smsbot.dashboard.numbers import today_in
from smsbot.dashboard.web import render

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_page(request: Request, viewer: Viewer = Depends(admin_only)) -> Response:
    ctx = request.app.state.ctx
    zone = ctx.settings.default_timezone
    params = request.query_params
    typed = {name: (params.get(name) or "").strip()[:10] for name in ("from", "to")}
    with ctx.db.transaction() as conn:
        people = audit_view.staff_names(conn)
        today = today_in(ctx.clock.now(), zone)
        filters, errors = audit_view.choose_filters(params, set(people), today, zone)
        found = audit_view.rows(conn, filters) if not errors else []
        shown = audit_view.entries(conn, found, people)
    older = None
    if len(found) == audit_view.PAGE_SIZE:
        older = "/audit?" + urlencode({**filters.query(typed), "before": found[-1].id})
    return render(
        request,
        "audit.html",
        status_code=422 if errors else 200,
        rows=shown,
        errors=FormErrors(errors),
        filters=filters,
        typed=typed,
        people=sorted(people.items(), key=lambda item: item[1].casefold()),
        nobody=audit_view.NOBODY,
        actions=sorted(((action, _(words)) for action, words in ACTIONS.items()), key=lambda item: item[1]),
        filtered=bool(filters.who or filters.what or filters.period),
        older=older,
    )
