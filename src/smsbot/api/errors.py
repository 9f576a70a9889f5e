"""One answer for every service refusal the adapters do not catch themselves: a DomainError becomes
its status (404, 403, 409, 422) with human words the caller may read (a peer never learns about
others' people; an admin may be told more). JSON on /api; elsewhere the dashboard's error page."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.responses import Response

from smsbot.auth.access import PageError
from smsbot.errors import DomainError


class Refusal(BaseModel):
    """Why a request was refused, in words (a malformed request may get FastAPI's list instead)."""

    detail: str | list[dict[str, Any]]


# What any /api route may answer besides its success, declared once for the schema (api/__init__.py).
REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": Refusal, "description": "the body could not be read (not JSON, or broken)"},
    401: {"model": Refusal, "description": "no token, or a token that is unknown, expired or revoked"},
    403: {"model": Refusal, "description": "not for this role"},
    404: {"model": Refusal, "description": "no such object, or not one of yours"},
    409: {"model": Refusal, "description": "the change conflicts with the object's state"},
    422: {"model": Refusal, "description": "what is wrong with the input, in words"},
}


def _is_admin(request: Request) -> bool:
    # auth.auth.current_staff notes an API caller's role; a page's session leaves its viewer.
    viewer = getattr(request.state, "viewer", None)
    if viewer is not None:
        return bool(viewer.is_admin)
    return getattr(request.state, "staff_role", None) == "admin"


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    is_admin = _is_admin(request)
    if request.url.path.startswith("/api"):
        return JSONResponse({"detail": exc.told_to(is_admin)}, status_code=exc.status)
    page_error = request.app.exception_handlers[PageError]  # installed by the dashboard
    # The English id and its values, so the page shows the refusal in the viewer's language.
    template = exc.admin_template if is_admin and exc.admin_template else exc.template
    return await page_error(request, PageError(exc.status, template, values=exc.values))


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
