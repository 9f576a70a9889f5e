"""The Numbers page (admins): how the line is used, aggregate only, for the last 30 or 90 days.

Keyword use per day, check-ins sent/answered/escalated, answer rate and median time to answer,
alerts and median time to acknowledge, as SVG charts with their numbers in tables beside them.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from smsbot.dashboard.access import admin_only
from smsbot.dashboard.charts import bar_chart, shown
from smsbot.dashboard.numbers import PERIODS, figures
from smsbot.dashboard.sessions import Viewer
from smsbot.dashboard.web import render

router = APIRouter(include_in_schema=False)


@router.get("/numbers")
def numbers_page(request: Request, days: int = 30, viewer: Viewer = Depends(admin_only)) -> Response:
    days = days if days in PERIODS else PERIODS[0]
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        found = figures(conn, ctx.clock.now(), days)
    charts = [
        {"series": series, "svg": bar_chart(series), "total": shown(series.total)} for series in found.series
    ]
    return render(
        request,
        "numbers.html",
        f=found,
        charts=charts,
        periods=PERIODS,
        keyword_totals=[(name, shown(count)) for name, count in found.keyword_totals],
        shown=shown,
    )
