"""The Staff page (admins): each account as a card with one primary action (who is on call) and the
others behind "More" (role, with a confirmation; password and second-factor resets; API tokens;
deactivate), its last sign-in and whether sign-in is locked; and the form to add an account.

A thin adapter over smsbot.staff.service (as `smsbot staff ...` is): each route is one transaction
around one service function, which enforces the rules (the last admin, nobody deactivating
themselves) and writes the audit row. A refusal shows on the Staff page, beside its field when it has
one. A new password or token is shown once, on a page that is never cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from smsbot.actor import Actor, Door
from smsbot.auth import signin
from smsbot.auth.access import admin_only, verified_form
from smsbot.auth.sessions import Viewer
from smsbot.dashboard.ages import ago
from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.i18n import N_, _, ngettext
from smsbot.dashboard.web import redirect, render
from smsbot.errors import DomainError
from smsbot.replies.wording import Wording
from smsbot.staff import service, views

router = APIRouter(include_in_schema=False)
DONE = {  # English catalog ids: base.html shows them in the page's language
    "second-factor": N_("Second factor reset: they set up their app again at the next sign-in."),
    "on-call": N_("On-call changed."),
    "role": N_("Role changed; they sign in again."),
    "revoked": N_("Their API tokens are revoked."),
}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _locked(conn, vault, rows: list, now) -> dict[int, str]:
    """Accounts the sign-in limit holds right now, and which step (password or code) it holds."""
    locked: dict[int, str] = {}
    for row in rows:
        key = signin.keys_for(vault, [row], "", "").accounts[0]
        if signin.failures(conn, key, now) >= signin.MAX_FAILURES_PER_NAME:
            locked[row.id] = N_("too many wrong passwords")
        elif signin.failures(conn, signin.code_key(vault, row.id), now) >= signin.MAX_CODE_FAILURES:
            locked[row.id] = N_("too many wrong sign-in codes")
    return locked


def _page(
    request: Request,
    viewer: Viewer,
    *,
    status_code: int = 200,
    done: str | None = None,
    errors: FormErrors | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    ctx = request.app.state.ctx
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        rows = views.roster(conn, Actor.of_staff(viewer.staff, Door.PAGE))
        locked = _locked(conn, ctx.vault, rows, now)
    return render(
        request,
        "staff.html",
        status_code=status_code,
        staff=rows,
        locked=locked,
        lock_minutes=int(signin.WINDOW.total_seconds() // 60),
        now=now,
        ago=ago,
        done=done,
        errors=errors,
        typed=typed or {},
    )


def _change(request: Request, viewer: Viewer, change: Callable[..., Any]) -> Any:
    """Run one service change in its own transaction; a refusal is the Staff page saying why."""
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        return change(conn, Actor.of_staff(viewer.staff, Door.PAGE), ctx.clock.now())


def _refused(request: Request, viewer: Viewer, err: DomainError) -> Response:
    errors = FormErrors.from_domain(err, is_admin=True)
    return _page(request, viewer, status_code=err.status, errors=errors)


@router.get("/staff")
def staff_page(request: Request, done: str | None = None, viewer: Viewer = Depends(admin_only)) -> Response:
    return _page(request, viewer, done=DONE.get(done or ""))


def _secret_page(
    request: Request, who: str, password: str | None = None, token: str | None = None
) -> Response:
    return render(request, "staff_secret.html", who=who, password=password, token=token)


@router.post("/staff")
def add_staff(
    request: Request, viewer: Viewer = Depends(admin_only), form: FormData = Depends(verified_form)
) -> Response:
    typed = {name: _text(form, name) for name in ("name", "role", "phone", "on_call")}
    vault, regions = request.app.state.ctx.vault, request.app.state.ctx.settings.phone_region_codes
    try:
        created = _change(
            request,
            viewer,
            lambda conn, actor, now: service.add(
                conn,
                actor,
                now,
                vault=vault,
                name=typed["name"],
                role=typed["role"] or "peer",
                phone=typed["phone"] or None,
                on_call=bool(typed["on_call"]),
                regions=regions,
            ),
        )
    except DomainError as err:
        errors = FormErrors.from_domain(err, is_admin=True)
        return _page(request, viewer, status_code=err.status, errors=errors, typed=typed)
    return _secret_page(request, typed["name"], password=created.password, token=created.token)


@router.post("/staff/{staff_id:int}/deactivate")
def deactivate(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    _form: FormData = Depends(verified_form),
) -> Response:
    wording = Wording.from_settings(request.app.state.ctx.settings)
    try:
        moved = _change(
            request,
            viewer,
            lambda conn, actor, now: service.deactivate(conn, actor, now, staff_id, wording=wording),
        )
    except DomainError as err:
        return _refused(request, viewer, err)
    if moved.to_staff_id is None:
        message = _(
            "Deactivated. Nobody is on call, so their participants and alerts stay with the account "
            "(admins see them). Set an on-call peer, then deactivate again to move them."
        )
    else:
        message = _(
            "Deactivated. %(participants)s and %(alerts)s went to the on-call peer.",
            participants=ngettext("%(num)s participant", "%(num)s participants", moved.participants),
            alerts=ngettext("%(num)s open alert", "%(num)s open alerts", moved.alerts),
        )
    return _page(request, viewer, done=message)


@router.post("/staff/{staff_id:int}/password")
def reset_password(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    _form: FormData = Depends(verified_form),
) -> Response:
    try:
        who, password = _change(
            request,
            viewer,
            lambda conn, actor, now: (
                views.name_of(conn, staff_id),
                service.reset_password(conn, actor, now, staff_id),
            ),
        )
    except DomainError as err:
        return _refused(request, viewer, err)
    return _secret_page(request, who, password=password)


@router.post("/staff/{staff_id:int}/second-factor")
def reset_second_factor(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    _form: FormData = Depends(verified_form),
) -> Response:
    try:
        _change(
            request, viewer, lambda conn, actor, now: service.reset_second_factor(conn, actor, now, staff_id)
        )
    except DomainError as err:
        return _refused(request, viewer, err)
    return redirect("/staff?done=second-factor")


@router.post("/staff/{staff_id:int}/on-call")
def set_on_call(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    form: FormData = Depends(verified_form),
) -> Response:
    on = _text(form, "on_call") == "on"
    try:
        _change(request, viewer, lambda conn, actor, now: service.set_on_call(conn, actor, now, staff_id, on))
    except DomainError as err:
        return _refused(request, viewer, err)
    return redirect("/staff?done=on-call")


@router.post("/staff/{staff_id:int}/role")
def change_role(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    form: FormData = Depends(verified_form),
) -> Response:
    role = _text(form, "role")
    confirmed = _text(form, "confirmed") == "yes"
    try:
        who = _change(
            request, viewer, lambda conn, actor, now: _role(conn, actor, now, staff_id, role, confirmed)
        )
    except DomainError as err:
        return _refused(request, viewer, err)
    if not confirmed:
        return render(request, "staff_confirm.html", who=who, staff_id=staff_id, role=role)
    return redirect("/staff?done=role")


def _role(conn, actor: Actor, now, staff_id: int, role: str, confirmed: bool) -> str:
    """The change; or, before it is confirmed, the same change tried and undone (a savepoint), so the
    question is only asked when the answer "yes" would work (never for the last admin)."""
    who = views.name_of(conn, staff_id)
    if confirmed:
        service.set_role(conn, actor, now, staff_id, role)
        return who
    trial = conn.begin_nested()
    try:
        service.set_role(conn, actor, now, staff_id, role)
    finally:
        trial.rollback()
    return who


@router.post("/staff/{staff_id:int}/tokens/revoke")
def revoke_tokens(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    _form: FormData = Depends(verified_form),
) -> Response:
    try:
        _change(
            request, viewer, lambda conn, actor, now: service.revoke_api_tokens(conn, actor, now, staff_id)
        )
    except DomainError as err:
        return _refused(request, viewer, err)
    return redirect("/staff?done=revoked")


@router.post("/staff/{staff_id:int}/tokens/new")
def new_token(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    form: FormData = Depends(verified_form),
) -> Response:
    days_text = _text(form, "days")
    days = int(days_text) if days_text.isascii() and days_text.isdigit() and len(days_text) < 5 else 90
    name = _text(form, "name") or None
    try:
        who, token = _change(
            request,
            viewer,
            lambda conn, actor, now: (
                views.name_of(conn, staff_id),
                service.new_api_token(conn, actor, now, staff_id, name=name, days=days),
            ),
        )
    except DomainError as err:
        return _refused(request, viewer, err)
    return _secret_page(request, who, token=token)
