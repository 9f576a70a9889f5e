"""Rendering dashboard pages: the Jinja2 environment, redirects, and the error pages.

Every page response gets the security headers and, in its forms, the CSRF token. A failed check
raises `PageError` or `SignInRequired` (auth/access.py); here they become an HTML page or a redirect.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import FastAPI
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from smsbot.auth import csrf
from smsbot.auth.access import PageError, SignInRequired
from smsbot.auth.security import cookie_flags, protect
from smsbot.dashboard import i18n
from smsbot.dashboard.numbers import day_words
from smsbot.errors import N_
from smsbot.outbound import watch

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# (label, path, admins only)
NAV = (
    (N_("Alerts"), "/", False),
    (N_("Participants"), "/participants", False),
    (N_("Directory"), "/directory", False),  # peers look up places to refer someone (issue 12)
    (N_("Drug alerts"), "/supply", False),  # reports to review, alerts to write and send (issue 13)
    (N_("Wording"), "/wording", True),
    (N_("Numbers"), "/numbers", True),
    (N_("Staff"), "/staff", True),
    (N_("Audit log"), "/audit", True),
)
ROLES = (N_("peer"), N_("admin"))  # shown beside the name, translated


# strftime codes -> CLDR pattern letters, so other languages get their own day and month names
_CLDR = {"%a": "EEE", "%d": "d", "%b": "MMM", "%H": "HH", "%M": "mm", "%I": "h", "%p": "a", "%Y": "y"}


def _local(value: datetime | str | None, timezone: str | None = None, fmt: str = "%a %d %b, %H:%M") -> str:
    """A UTC timestamp (or its ISO text, as the API gives it) in a time zone, for people, with day and
    month names in the page's language."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(ZoneInfo(timezone or "UTC"))
    if i18n.current() == i18n.DEFAULT:
        return local.strftime(fmt)
    pattern = fmt
    for code, letters in _CLDR.items():
        pattern = pattern.replace(code, letters)
    return format_datetime(local, pattern, locale=i18n.locale())


env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html", "svg"]),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
# Jinja formats `%(name)s` itself and escapes the variables (newstyle); these only translate.
env.install_gettext_callables(  # type: ignore[attr-defined]
    lambda message: i18n.translations(i18n.current()).ugettext(message),
    lambda singular, plural, count: i18n.translations(i18n.current()).ungettext(singular, plural, count),
    newstyle=True,
)
env.filters["local"] = _local


def as_shown(text: str | None) -> str:
    """Words made elsewhere (a done message, an error) in the page's language when they are a catalog
    id, else as they are: a lookup only, never `%`-formatting (the words may hold a typed name)."""
    return i18n.translations(i18n.current()).ugettext(text) if text else (text or "")


env.filters["tr"] = as_shown
env.filters["day"] = day_words  # a date (no time) with the page's day and month names
env.globals["zip"] = zip


def is_fetch(request: Request) -> bool:
    """A request from our own script wanting a page fragment back (not a full page)."""
    return request.headers.get("x-requested-with") == "fetch"


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    settings = request.app.state.ctx.settings
    viewer = context.pop("viewer", None) or getattr(request.state, "viewer", None)
    signed_in = viewer is not None and viewer.pending_step() is None
    language = language_for(request, viewer)
    i18n.use(language)
    html = env.get_template(template).render(
        request=request,
        viewer=viewer,
        signed_in=signed_in,
        csrf_token=csrf.token_for(request),
        nav=[item for item in NAV if signed_in and (viewer.is_admin or not item[2])],
        program=settings.program_name,
        program_timezone=settings.default_timezone,
        path=request.url.path,
        page_language=language,
        staff_languages=i18n.LANGUAGES,
        js_strings=i18n.js_strings(language),
        watch_warning=_watch_warning(request) if signed_in else None,
        **context,
    )
    response = HTMLResponse(html, status_code)
    csrf.attach(request, response)
    if request.cookies.get(i18n.COOKIE) != language and getattr(viewer, "staff", None) is not None:
        remember_language(response, request, language)  # this browser follows the staff member's choice
    return protect(response)


def remember_language(response: Response, request: Request, language: str) -> None:
    """Keep the page language in a cookie, so the next request is worded in it from its start."""
    flags = cookie_flags(request.app.state.ctx.settings)
    response.set_cookie(i18n.COOKIE, language, max_age=400 * 86400, **flags)


def language_for(request: Request, viewer: object | None) -> str:
    """The language a page is shown in: the staff member's choice, else the one picked before
    signing in (a cookie), else the browser's."""
    chosen = getattr(getattr(viewer, "staff", None), "language", None)
    return i18n.pick(
        chosen, request.cookies.get(i18n.COOKIE), accept_language=request.headers.get("accept-language")
    )


def _watch_warning(request: Request) -> str | None:
    """The banner every signed-in page shows while the worker is silent (check-ins are not going out)."""
    health = watch.read_health(
        request.app.state.ctx, watching_since=getattr(request.app.state, "started_at", None)
    )
    if health.worker_silent:
        if not health.database or health.last_beat is None:
            return i18n.gettext(
                "Check-ins and alerts are not going out: the worker has not been heard from. "
                "Tell whoever runs the server."
            )
        return i18n.gettext(
            "Check-ins and alerts are not going out: nothing has been heard from the worker since %(since)s. "
            "Tell whoever runs the server.",
            since=_local(health.last_beat, request.app.state.ctx.settings.default_timezone),
        )
    if health.outbox_stale:
        return i18n.gettext(
            "Texts are waiting to go out for longer than usual. Tell whoever runs the server."
        )
    return None


def redirect(url: str) -> Response:
    return protect(RedirectResponse(url, status_code=303))


def safe_next(value: str | None) -> str:
    """Only a path on this site (never //host or a scheme) may be a place to return to."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


async def page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    # In the viewer's language (their choice, else the cookie or the browser's), filled in afterwards.
    i18n.use(language_for(request, getattr(request.state, "viewer", None)))
    values = getattr(exc, "values", None)
    message = i18n.gettext(exc.template, **values) if values else as_shown(exc.message)
    if is_fetch(request):
        response: Response = PlainTextResponse(message, exc.status_code, headers=exc.headers)
        return protect(response)
    response = render(request, "error.html", status_code=exc.status_code, message=message)
    response.headers.update(exc.headers)
    return response


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    if is_fetch(request):
        return protect(PlainTextResponse("sign in again", 401))
    url = exc.to
    if exc.next_path and exc.next_path != "/":
        url += "?next=" + quote(exc.next_path, safe="/")
    return redirect(url)


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(PageError, page_error)
    app.add_exception_handler(SignInRequired, _sign_in_required)
