"""The Staff pages (admins): add an account, deactivate it, reset its password or second factor,
change its role, set who is on call, revoke or issue API tokens (the audit log
is pages_audit.py).

Every change writes its audit row in the same transaction. A new password or token is shown once,
on a page that is never cached. An admin cannot lock the program out: the last active admin can be
neither deactivated nor made a peer, and nobody deactivates themselves here.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select
from starlette.datastructures import FormData
from starlette.responses import Response

from smsbot.audit import log as audit
from smsbot.auth.access import admin_only, verified_form
from smsbot.auth.sessions import Viewer
from smsbot.checkins.enrollments import LIVE
from smsbot.dashboard.web import PageError, redirect, render
from smsbot.models import ApiToken, Enrollment, Staff
from smsbot.privacy import InvalidPhone
from smsbot.replies.wording import Wording
from smsbot.staff import service

router = APIRouter(include_in_schema=False)
staff_t, token_t, enrollment_t = Staff.__table__, ApiToken.__table__, Enrollment.__table__
DONE = {
    "deactivated": "The account is deactivated: its sessions and tokens ended.",
    "second-factor": "Second factor reset: they set up their app again at the next sign-in.",
    "on-call": "On-call changed.",
    "role": "Role changed; they sign in again.",
    "revoked": "Their API tokens are revoked.",
}


def _staff_list(conn) -> list:
    tokens = (
        select(token_t.c.staff_id, func.count().label("n"))
        .where(token_t.c.revoked_at.is_(None))
        .group_by(token_t.c.staff_id)
        .subquery()
    )
    people = (
        select(enrollment_t.c.staff_id, func.count().label("n"))
        .where(enrollment_t.c.status.in_(LIVE))
        .group_by(enrollment_t.c.staff_id)
        .subquery()
    )
    return conn.execute(
        select(staff_t, tokens.c.n.label("tokens"), people.c.n.label("participants"))
        .select_from(
            staff_t.outerjoin(tokens, tokens.c.staff_id == staff_t.c.id).outerjoin(
                people, people.c.staff_id == staff_t.c.id
            )
        )
        .order_by(staff_t.c.is_active.desc(), func.lower(staff_t.c.name), staff_t.c.id)
    ).all()


@router.get("/staff")
def staff_page(request: Request, done: str | None = None, viewer: Viewer = Depends(admin_only)) -> Response:
    with request.app.state.ctx.db.transaction() as conn:
        rows = _staff_list(conn)
    return render(request, "staff.html", staff=rows, done=DONE.get(done or ""), error=None)


def _secret_page(
    request: Request, who: str, password: str | None = None, token: str | None = None
) -> Response:
    return render(request, "staff_secret.html", who=who, password=password, token=token)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@router.post("/staff")
def add_staff(
    request: Request, viewer: Viewer = Depends(admin_only), form: FormData = Depends(verified_form)
) -> Response:
    ctx = request.app.state.ctx
    name, role, phone = _text(form, "name"), _text(form, "role") or "peer", _text(form, "phone") or None
    try:
        created = service.create_staff(ctx, name, role, phone)
    except (ValueError, InvalidPhone) as exc:
        with ctx.db.transaction() as conn:
            rows = _staff_list(conn)
        return render(request, "staff.html", status_code=422, staff=rows, done=None, error=str(exc))
    with ctx.db.transaction() as conn:
        if _text(form, "on_call"):
            service.mark_on_call(conn, created.staff_id, True)
        audit.record(
            conn, ctx.clock.now(), viewer.id, "staff_created", "staff", created.staff_id, f"role: {role}"
        )
    return _secret_page(request, name, password=created.password, token=created.token)


def _target(conn, staff_id: int):
    row = conn.execute(select(staff_t).where(staff_t.c.id == staff_id)).first()
    if row is None:
        raise PageError(404, "There is no such staff member.")
    return row


def _other_active_admins(conn, staff_id: int) -> int:
    return conn.execute(
        select(func.count()).where(staff_t.c.role == "admin", staff_t.c.is_active, staff_t.c.id != staff_id)
    ).scalar_one()


@router.post("/staff/{staff_id:int}/deactivate")
def deactivate(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    _: FormData = Depends(verified_form),
) -> Response:
    if staff_id == viewer.id:
        raise PageError(409, "You cannot deactivate your own account here; ask another admin.")
    ctx = request.app.state.ctx
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        row = _target(conn, staff_id)
        if row.role == "admin" and _other_active_admins(conn, staff_id) == 0:
            raise PageError(409, "This is the last active admin: make someone else admin first.")
        moved = service.deactivate(conn, staff_id, now, Wording.from_settings(ctx.settings))
        if moved.to_staff_id is None:
            detail = "nobody on call: participants and alerts stay with the account"
        else:
            detail = (
                f"{moved.participants} participants, {moved.alerts} open alerts to staff {moved.to_staff_id}"
            )
        audit.record(conn, now, viewer.id, "staff_deactivated", "staff", staff_id, detail)
    if moved.to_staff_id is None:
        message = (
            "Deactivated. Nobody is on call, so their participants and alerts stay with the account "
            "(admins see them). Set an on-call peer, then deactivate again to move them."
        )
    else:
        message = (
            f"Deactivated. {moved.participants} participants and {moved.alerts} open alerts "
            "went to the on-call peer."
        )
    with ctx.db.transaction() as conn:
        rows = _staff_list(conn)
    return render(request, "staff.html", staff=rows, done=message, error=None)


@router.post("/staff/{staff_id:int}/password")
def reset_password(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    _: FormData = Depends(verified_form),
) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        row = _target(conn, staff_id)
        password = service.reset_password(conn, staff_id)
        audit.record(conn, ctx.clock.now(), viewer.id, "password_reset", "staff", staff_id)
    return _secret_page(request, row.name, password=password)


@router.post("/staff/{staff_id:int}/second-factor")
def reset_second_factor(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    _: FormData = Depends(verified_form),
) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        _target(conn, staff_id)
        service.reset_second_factor(conn, staff_id)
        audit.record(conn, ctx.clock.now(), viewer.id, "second_factor_reset", "staff", staff_id)
    return redirect("/staff?done=second-factor")


@router.post("/staff/{staff_id:int}/on-call")
def set_on_call(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    form: FormData = Depends(verified_form),
) -> Response:
    ctx = request.app.state.ctx
    on = _text(form, "on_call") == "on"
    with ctx.db.transaction() as conn:
        if not _target(conn, staff_id).is_active:
            raise PageError(409, "A deactivated account cannot be on call.")
        service.mark_on_call(conn, staff_id, on)
        audit.record(
            conn, ctx.clock.now(), viewer.id, "on_call_changed", "staff", staff_id, "on" if on else "off"
        )
    return redirect("/staff?done=on-call")


@router.post("/staff/{staff_id:int}/role")
def change_role(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    form: FormData = Depends(verified_form),
) -> Response:
    role = _text(form, "role")
    if role not in service.ROLES:
        raise PageError(422, "The role is peer or admin.")
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        row = _target(conn, staff_id)
        if row.role == "admin" and role != "admin" and _other_active_admins(conn, staff_id) == 0:
            raise PageError(409, "This is the last active admin: make someone else admin first.")
        old = service.set_role(conn, staff_id, role)
        if old != role:
            audit.record(
                conn, ctx.clock.now(), viewer.id, "role_changed", "staff", staff_id, f"{old} -> {role}"
            )
    return redirect("/staff?done=role")


@router.post("/staff/{staff_id:int}/tokens/revoke")
def revoke_tokens(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    _: FormData = Depends(verified_form),
) -> Response:
    ctx = request.app.state.ctx
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        _target(conn, staff_id)
        count = service.revoke_tokens(conn, staff_id, now)
        audit.record(conn, now, viewer.id, "tokens_revoked", "staff", staff_id, f"{count} tokens")
    return redirect("/staff?done=revoked")


@router.post("/staff/{staff_id:int}/tokens/new")
def new_token(
    staff_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    form: FormData = Depends(verified_form),
) -> Response:
    ctx = request.app.state.ctx
    now = ctx.clock.now()
    days_text = _text(form, "days")
    days = int(days_text) if days_text.isascii() and days_text.isdigit() and len(days_text) < 4 else 90
    with ctx.db.transaction() as conn:
        row = _target(conn, staff_id)
        if not row.is_active:
            raise PageError(409, "A deactivated account gets no new token.")
        try:
            token = service.issue_token(conn, staff_id, now, name=_text(form, "name") or None, days=days)
        except ValueError as exc:
            raise PageError(422, str(exc).capitalize() + ".") from None
        audit.record(conn, now, viewer.id, "token_issued", "staff", staff_id, f"{days} days")
    return _secret_page(request, row.name, token=token)
