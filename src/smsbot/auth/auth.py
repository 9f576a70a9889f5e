"""Bearer-token authentication for `/api`: who is calling, and may they?"""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request, status

from smsbot.context import AppContext
from smsbot.models import Staff
from smsbot.staff.tokens import check_token


def app_context(request: Request) -> AppContext:
    return request.app.state.ctx


def current_staff(request: Request, ctx: AppContext = Depends(app_context)) -> Staff:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    with ctx.db.session() as session:
        checked = check_token(session.connection(), token.strip(), ctx.clock.now())
        staff = session.get(Staff, checked.staff_id) if checked.staff_id is not None else None
    if staff is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            checked.refusal,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    request.state.staff_role = staff.role  # what api/errors.py may tell this caller
    return staff


def require_admin(staff: Staff = Depends(current_staff)) -> Staff:
    if staff.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only")
    return staff
