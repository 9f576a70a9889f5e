"""Who may open a page: the policy dependencies every dashboard route declares, and the form check.

`public` (anyone), `signing_in` (a session that has not finished signing in), `signed_in` (a peer or
an admin), `admin_only`. Each is registered with policy.py, which denies any route that uses none.
`verified_form` reads a POSTed form and refuses it (403) without the right CSRF token. A refusal is a
`PageError` or `SignInRequired`; dashboard/web.py renders them.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Depends, Request
from starlette.datastructures import FormData

from smsbot.auth import csrf
from smsbot.auth.policy import Policy, declares
from smsbot.auth.sessions import COOKIE, Viewer, load
from smsbot.errors import N_

MAX_FORM_BYTES = 20 * 1024 * 1024  # a directory import file fits; anything bigger is refused (413)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class PageError(Exception):
    """Answer with an HTML page that says what went wrong (403, 404, 409, 413, 415, 422, 429).

    `message` is English (a catalog id, `%(name)s` filled from `values`); the page shows it translated."""

    def __init__(
        self,
        status_code: int,
        message: str,
        headers: dict[str, str] | None = None,
        *,
        values: Mapping[str, object] | None = None,
    ) -> None:
        self.template, self.values = message, dict(values or {})
        message = message % self.values if self.values else message
        super().__init__(message)
        self.status_code, self.message, self.headers = status_code, message, headers or {}


class SignInRequired(Exception):
    """No live session (or sign-in is not finished): go to `to`, then come back to `next_path`."""

    def __init__(self, next_path: str | None = None, to: str = "/signin") -> None:
        super().__init__(to)
        self.next_path, self.to = next_path, to


def _session(request: Request) -> Viewer | None:
    # A background refresh (X-Background: 1) reads the session without extending it.
    background = request.headers.get("x-background") == "1"
    viewer = load(request.app.state.ctx, request.cookies.get(COOKIE), touch=not background)
    request.state.viewer = viewer
    return viewer


def _return_path(request: Request) -> str | None:
    return request.url.path if request.method == "GET" else None


@declares(Policy.PUBLIC)
def public(request: Request) -> Viewer | None:
    """Anyone may open it; the viewer, if signed in, is passed along."""
    return _session(request)


@declares(Policy.SIGNING_IN)
def signing_in(request: Request) -> Viewer:
    """A session exists, signed in or halfway (second factor, first password change)."""
    viewer = _session(request)
    if viewer is None:
        raise SignInRequired(_return_path(request))
    return viewer


@declares(Policy.STAFF)
def signed_in(request: Request) -> Viewer:
    """A peer or an admin who has finished signing in."""
    viewer = signing_in(request)
    step = viewer.pending_step()
    if step is not None:
        raise SignInRequired(None, to=step)
    return viewer


@declares(Policy.ADMIN)
def admin_only(viewer: Viewer = Depends(signed_in)) -> Viewer:
    if not viewer.is_admin:
        raise PageError(403, N_("This page is for admins. Ask an admin if you need something from it."))
    return viewer


async def verified_form(request: Request) -> FormData:
    """The POSTed form, after the size, type and CSRF checks (413, 415, 403)."""
    try:
        length = int(request.headers.get("content-length") or 0)
    except ValueError:
        raise PageError(
            400, N_("This request said its own size wrongly. Reload the page and try again.")
        ) from None
    if length > MAX_FORM_BYTES:
        raise PageError(
            413, N_("That is too big: at most %(mb)s MB."), values={"mb": MAX_FORM_BYTES // (1024 * 1024)}
        )
    content_type = request.headers.get("content-type", "")
    if content_type and not content_type.startswith(FORM_TYPES):
        raise PageError(
            415, N_("Send this as a form (application/x-www-form-urlencoded or multipart/form-data).")
        )
    # No body at all is an empty form (a button whose token travels in the X-CSRF-Token header).
    form = await request.form(max_files=1, max_fields=200) if content_type else FormData()
    submitted = form.get(csrf.FIELD) or request.headers.get(csrf.HEADER)
    if not csrf.valid(request, submitted if isinstance(submitted, str) else None):
        raise PageError(
            403, N_("This form has expired or did not come from this site. Reload the page and try again.")
        )
    return form
