"""The audit log page (admins): who did what, when, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from smsbot.audit import log as audit
from smsbot.auth.access import admin_only
from smsbot.auth.sessions import Viewer
from smsbot.dashboard.web import render

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_page(request: Request, before: int | None = None, viewer: Viewer = Depends(admin_only)) -> Response:
    with request.app.state.ctx.db.transaction() as conn:
        rows = audit.recent(conn, 200, before)
    return render(request, "audit.html", rows=rows, next_before=rows[-1]["id"] if len(rows) == 200 else None)
