"""Signing in and out, the second factor, and one's own account (password, authenticator app, the
staff interface's language; before signing in, a language for the sign-in pages).

Order of a sign-in: name + password (rate-limited) -> the code from the app, or an admin's first
set-up of one -> a new password when the current one was given out by an admin -> the alerts.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.responses import JSONResponse, Response

from smsbot.actor import Actor, Door
from smsbot.audit import log as audit
from smsbot.auth import sessions, signin, totp
from smsbot.auth.access import public, signed_in, signing_in, verified_form
from smsbot.auth.security import protect
from smsbot.auth.sessions import Viewer
from smsbot.context import AppContext
from smsbot.dashboard import i18n
from smsbot.dashboard.audit_view import LOGIN_PREFIX
from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.i18n import N_, _
from smsbot.dashboard.web import PageError, as_shown, is_fetch, redirect, remember_language, render, safe_next
from smsbot.errors import DomainError
from smsbot.staff.accounts import set_language
from smsbot.staff.passwords import password_problem_words
from smsbot.staff.service import set_password, verify_password

router = APIRouter(include_in_schema=False)
LOCKED = N_("Too many tries. Wait 15 minutes, or ask an admin to reset your password.")
WRONG_CODE = N_("That code is not right. Type the 6 digits your app shows now.")
DONE = {"language": N_("Your language is saved.")}


def _ctx(request: Request) -> AppContext:
    return request.app.state.ctx


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _attempted(rows: list, login: str) -> dict:
    """What a sign-in attempt's audit row is about: the account the login names, else the login itself
    (the audit page shows "sign-in locked for <login>")."""
    if len(rows) == 1:
        return {"object_type": "staff", "object_id": rows[0].id}
    return {"detail": LOGIN_PREFIX + login[:40]}


ENDED = N_("You were signed out after 30 minutes without activity. Sign in again to go on.")


def _with_next(path: str, next_path: str) -> str:
    return path if next_path == "/" else f"{path}?{urlencode({'next': next_path})}"


@router.get("/signin")
def signin_page(request: Request, next: str = "/", viewer: Viewer | None = Depends(public)) -> Response:
    if viewer is not None and viewer.pending_step() is None:
        return redirect(safe_next(next))
    # A session cookie with no live session behind it: the session ended (idle, or ended by an admin).
    ended = viewer is None and bool(request.cookies.get(sessions.COOKIE))
    return render(request, "signin.html", next=safe_next(next), error=None, ended=_(ENDED) if ended else None)


@router.post("/signin")
def signin_submit(
    request: Request, _viewer: Viewer | None = Depends(public), form: FormData = Depends(verified_form)
) -> Response:
    ctx = _ctx(request)
    login, password = _field(form, "login"), form.get("password")
    password = password if isinstance(password, str) else ""
    next_path = safe_next(_field(form, "next"))
    address = request.client.host if request.client else "unknown"
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        # Check and spend in one transaction, under a lock per key: concurrent guesses queue here.
        rows = signin.candidates(conn, login)
        keys = signin.keys_for(ctx.vault, rows, login, address)
        reserved = signin.reserve(conn, keys, now)
        if reserved is None:
            audit.record(conn, now, None, "sign_in_blocked", **_attempted(rows, login))
    if reserved is None:
        raise PageError(429, LOCKED, headers={"Retry-After": str(int(signin.WINDOW.total_seconds()))})
    staff = signin.check_password(rows, password)  # argon2, outside any transaction
    with ctx.db.transaction() as conn:
        if staff is None:
            actor = rows[0].id if len(rows) == 1 else None
            audit.record(conn, now, actor, "sign_in_failed", **_attempted(rows, login))
        else:
            signin.settle_success(conn, keys, reserved)
            sessions.end(conn, request.cookies.get(sessions.COOKIE))  # never reuse a session id
            token = sessions.start(conn, staff, now)
            if not sessions.needs_code(staff):
                audit.record(conn, now, staff.id, "sign_in")
    if staff is None:
        error = _("That name or password is not right.")
        return render(request, "signin.html", status_code=401, next=next_path, error=error)
    if staff.totp_confirmed_at is not None:
        target = _with_next("/signin/code", next_path)
    elif staff.role == "admin":
        target = "/account/second-factor"
    elif staff.must_change_password:
        target = "/account/password"
    else:
        target = next_path
    response = redirect(target)
    sessions.set_cookie(response, ctx.settings, token)
    if staff.language in i18n.LANGUAGES:  # their own choice, from the first page on
        remember_language(response, request, staff.language)
    return response


@router.get("/signin/code")
def code_page(request: Request, next: str = "/", viewer: Viewer = Depends(signing_in)) -> Response:
    if viewer.second_factor_done or viewer.staff.totp_confirmed_at is None:
        return redirect(viewer.pending_step() or safe_next(next))
    return render(request, "signin_code.html", error=None, next=safe_next(next))


@router.post("/signin/code")
def code_submit(
    request: Request, viewer: Viewer = Depends(signing_in), form: FormData = Depends(verified_form)
) -> Response:
    ctx, now = _ctx(request), _ctx(request).clock.now()
    key = signin.code_key(ctx.vault, viewer.id)
    with ctx.db.transaction() as conn:
        signin.lock(conn, [key])  # the check and the record below happen under one lock
        if signin.failures(conn, key, now) >= signin.MAX_CODE_FAILURES:
            sessions.end_session_id(conn, viewer.session_id)
            audit.record(conn, now, viewer.id, "sign_in_blocked", "staff", viewer.id, "wrong codes")
            locked = True
        else:
            locked = False
            ok = totp.verify(conn, ctx.settings, viewer.id, _field(form, "code"), now)
            if ok:
                signin.note(conn, [key], now, succeeded=True)
                sessions.second_factor_passed(conn, viewer.session_id)
                audit.record(conn, now, viewer.id, "sign_in")
            else:
                signin.note(conn, [key], now, succeeded=False)
                audit.record(conn, now, viewer.id, "second_factor_failed")
    if locked:
        raise PageError(429, LOCKED, headers={"Retry-After": str(int(signin.WINDOW.total_seconds()))})
    next_path = safe_next(_field(form, "next"))
    if not ok:
        return render(request, "signin_code.html", status_code=401, error=_(WRONG_CODE), next=next_path)
    return redirect("/account/password" if viewer.staff.must_change_password else next_path)


@router.post("/signout")
def signout(
    request: Request, viewer: Viewer = Depends(signing_in), _form: FormData = Depends(verified_form)
) -> Response:
    ctx = _ctx(request)
    with ctx.db.transaction() as conn:
        sessions.end_session_id(conn, viewer.session_id)
        audit.record(conn, ctx.clock.now(), viewer.id, "sign_out")
    response = redirect("/signin")
    sessions.clear_cookie(response, ctx.settings)
    return response


@router.get("/session")
def session_left(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """How long this session has left (asked with X-Background: 1, which does not extend it)."""
    return protect(JSONResponse({"expires_in": viewer.expires_in}))


@router.post("/session/keep")
def session_keep(
    request: Request, viewer: Viewer = Depends(signed_in), form: FormData = Depends(verified_form)
) -> Response:
    """Stay signed in: the session starts its 30 idle minutes again."""
    ctx = _ctx(request)
    with ctx.db.transaction() as conn:
        left = sessions.keep(conn, viewer.session_id, ctx.clock.now())
    if is_fetch(request):
        return protect(JSONResponse({"expires_in": left}))
    return redirect(safe_next(_field(form, "next")))


@router.post("/language")
def choose_language(
    request: Request, _viewer: Viewer | None = Depends(public), form: FormData = Depends(verified_form)
) -> Response:
    """Before signing in: the language of the sign-in pages (a cookie); signed in, one's account
    setting wins over it."""
    language = _field(form, "language")
    if language not in i18n.LANGUAGES:
        raise PageError(422, N_("Choose English or Español."))
    response = redirect(safe_next(_field(form, "next") or "/signin"))
    remember_language(response, request, language)
    return response


def _account(request: Request, viewer: Viewer, status_code: int = 200, **extra) -> Response:
    return render(
        request,
        "account.html",
        status_code=status_code,
        languages=i18n.LANGUAGES,
        chosen=viewer.staff.language,
        **extra,
    )


@router.get("/account")
def account_page(request: Request, done: str | None = None, viewer: Viewer = Depends(signed_in)) -> Response:
    return _account(request, viewer, done=DONE.get(done or ""))


@router.post("/account/language")
def account_language(
    request: Request, viewer: Viewer = Depends(signed_in), form: FormData = Depends(verified_form)
) -> Response:
    """The staff interface's language, for this staff member wherever they sign in."""
    ctx = _ctx(request)
    language = _field(form, "language")
    try:
        with ctx.db.transaction() as conn:
            set_language(conn, Actor.of_staff(viewer.staff, Door.PAGE), ctx.clock.now(), language)
    except DomainError as err:
        errors = FormErrors.from_domain(err, is_admin=viewer.is_admin, field="language")
        return _account(request, viewer, status_code=err.status, errors=errors)
    response = redirect("/account?done=language")
    remember_language(response, request, language)  # the next page is in it from its first word
    return response


@router.get("/account/password")
def password_page(request: Request, viewer: Viewer = Depends(signing_in)) -> Response:
    if not viewer.second_factor_done:
        return redirect(viewer.pending_step() or "/")
    return render(request, "account_password.html", error=None)


@router.post("/account/password")
def password_submit(
    request: Request, viewer: Viewer = Depends(signing_in), form: FormData = Depends(verified_form)
) -> Response:
    if not viewer.second_factor_done:
        return redirect(viewer.pending_step() or "/")
    current, new, again = (form.get(n) or "" for n in ("current", "new", "again"))
    error = None
    if not isinstance(current, str) or not verify_password(viewer.staff, current):
        error = _("Your current password is not right.")
    elif new != again:
        error = _("The two new passwords are not the same.")
    elif isinstance(new, str) and (
        problem := password_problem_words(new, [viewer.staff.name, _ctx(request).settings.program_name])
    ):
        words, values = problem
        said = _(words, **{name: as_shown(str(value)) for name, value in values.items()})
        error = _("Choose another password: %(problem)s.", problem=said)
    elif new == current:
        error = _("Choose a password different from the current one.")
    if error:
        return render(request, "account_password.html", status_code=422, error=error)
    ctx = _ctx(request)
    with ctx.db.transaction() as conn:
        set_password(conn, viewer.id, str(new))
        audit.record(conn, ctx.clock.now(), viewer.id, "password_changed", "staff", viewer.id)
    return redirect("/?done=password")


@router.get("/account/second-factor")
def second_factor_page(request: Request, viewer: Viewer = Depends(signing_in)) -> Response:
    if viewer.staff.totp_confirmed_at is not None:
        if not viewer.second_factor_done:
            return redirect("/signin/code")  # a password alone never replaces a confirmed app
        return render(request, "account_second_factor.html", enabled=True)
    return _setup_page(request, viewer, None)


def _setup_page(request: Request, viewer: Viewer, error: str | None, status_code: int = 200) -> Response:
    ctx = _ctx(request)
    with ctx.db.transaction() as conn:
        secret = totp.pending_secret(conn, ctx.settings, viewer.id)
    uri = totp.setup_uri(secret, viewer.staff.name, ctx.settings.program_name)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "account_second_factor.html",
        status_code=status_code,
        enabled=False,
        secret=grouped,
        uri=uri,
        qr=Markup(totp.qr_svg(uri, _("QR code to scan with your authenticator app"))),
        errors=FormErrors({"code": error} if error else {}),
        required=viewer.is_admin,
    )


@router.post("/account/second-factor")
def second_factor_submit(
    request: Request, viewer: Viewer = Depends(signing_in), form: FormData = Depends(verified_form)
) -> Response:
    if viewer.staff.totp_confirmed_at is not None:
        return redirect("/account/second-factor")
    ctx, now = _ctx(request), _ctx(request).clock.now()
    with ctx.db.transaction() as conn:
        ok = totp.confirm_setup(conn, ctx.settings, viewer.id, _field(form, "code"), now)
        if ok:
            sessions.second_factor_passed(conn, viewer.session_id)
            audit.record(conn, now, viewer.id, "second_factor_on", "staff", viewer.id)
            if not viewer.second_factor_done:
                audit.record(conn, now, viewer.id, "sign_in")
    if not ok:
        return _setup_page(request, viewer, _(WRONG_CODE), 422)
    return redirect("/account/password" if viewer.staff.must_change_password else "/?done=second-factor")
