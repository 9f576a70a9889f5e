"""The Numbers page (admins): how the line is used, aggregate only, over any period in the program's
time zone, as SVG charts with their numbers, and the same aggregates as CSV files.

Counts from 1 to 4 show as "<5" everywhere (page, chart, CSV); 0 shows as 0. No number, no text.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from smsbot.auth.access import PageError, admin_only
from smsbot.auth.security import protect
from smsbot.auth.sessions import Viewer
from smsbot.dashboard.charts import bar_chart
from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.i18n import N_
from smsbot.dashboard.numbers import (
    SHORTCUTS,
    Figures,
    Period,
    choose_period,
    daily_csv,
    keywords_csv,
    shown,
    today_in,
)
from smsbot.dashboard.numbers_data import figures
from smsbot.dashboard.web import render

router = APIRouter(include_in_schema=False)
CSV_FILES = {"daily": daily_csv, "keywords": keywords_csv}


def _period(request: Request) -> tuple[Period, FormErrors, dict[str, str], int | None]:
    """The period asked for, its errors, the typed dates, and which shortcut it is (ends today)."""
    ctx = request.app.state.ctx
    zone = ctx.settings.default_timezone
    today = today_in(ctx.clock.now(), zone)
    period, errors, typed = choose_period(request.query_params, today, zone)
    current = period.shortcut if period.last == today and not errors else None
    return period, FormErrors(errors), typed, current


def _figures(request: Request, period: Period) -> Figures:
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        return figures(conn, period)


def _query(period: Period) -> str:
    return urlencode({"from": period.first.isoformat(), "to": period.last.isoformat()})


@router.get("/numbers")
def numbers_page(request: Request, viewer: Viewer = Depends(admin_only)) -> Response:
    period, errors, typed, current = _period(request)
    found = _figures(request, period)
    charts = [{"series": s, "svg": bar_chart(s), "total": shown(s.total)} for s in found.series]
    return render(
        request,
        "numbers.html",
        status_code=422 if errors else 200,
        f=found,
        period=period,
        charts=charts,
        shortcuts=SHORTCUTS,
        current=current,
        errors=errors,
        typed=typed if errors else {"from": period.first.isoformat(), "to": period.last.isoformat()},
        query=_query(period),
        keyword_totals=[(name, shown(count)) for name, count in found.keyword_totals],
        shown=shown,
    )


@router.get("/numbers/{table}.csv")
def numbers_csv(request: Request, table: str, viewer: Viewer = Depends(admin_only)) -> Response:
    """The aggregates as a spreadsheet file (GET: it changes nothing), counts shown as on the page."""
    if table not in CSV_FILES:
        raise PageError(404, N_("There is no such file. Download it from the Numbers page."))
    period, errors, _typed, _current = _period(request)
    if errors:
        raise PageError(422, " ".join(errors.values()))
    body = CSV_FILES[table](_figures(request, period))
    name = f"smsbot-{table}-{period.first.isoformat()}-to-{period.last.isoformat()}.csv"
    response = Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
    return protect(response)
