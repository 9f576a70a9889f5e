"""CSRF protection for every dashboard form: a token bound to the browser's session cookie.

The token is HMAC(key, session cookie); before sign-in there is no session, so a random
"pre-session" cookie stands in for it (that protects the sign-in form too). A forged form from
another site cannot know the token, and SameSite=Lax keeps our cookies off its POSTs anyway.
Forms send it as the `csrf_token` field; scripts may send the `X-CSRF-Token` header instead.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import Response

from smsbot.auth.security import cookie_flags, derived_key, new_secret
from smsbot.auth.sessions import COOKIE as SESSION_COOKIE
from smsbot.config import Settings

PRE_SESSION_COOKIE = "smsbot_presession"
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def _settings(request: Request) -> Settings:
    return request.app.state.ctx.settings


def _basis(request: Request) -> str | None:
    pending = getattr(request.state, "new_pre_session", None)
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_SESSION_COOKIE) or pending


def _sign(request: Request, basis: str) -> str:
    key = derived_key(_settings(request), "dashboard-csrf")
    return hmac.new(key, basis.encode(), hashlib.sha256).hexdigest()


def token_for(request: Request) -> str:
    """The token to put in this page's forms (creating the pre-session cookie when needed)."""
    basis = _basis(request)
    if basis is None:
        basis = request.state.new_pre_session = new_secret()
    return _sign(request, basis)


def attach(request: Request, response: Response) -> None:
    """Set the pre-session cookie if this response introduced one."""
    pending = getattr(request.state, "new_pre_session", None)
    if pending:
        response.set_cookie(PRE_SESSION_COOKIE, pending, **cookie_flags(_settings(request)))


def valid(request: Request, submitted: str | None) -> bool:
    basis = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_SESSION_COOKIE)
    if not basis or not submitted:
        return False
    return hmac.compare_digest(_sign(request, basis), submitted)
