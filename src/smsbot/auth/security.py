"""What every dashboard response carries: derived keys, cookie flags and security headers.

Pages hold personal data, so they are never cached, framed, or given scripts from anywhere but us.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from starlette.responses import Response

from smsbot.config import Settings

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def derived_key(settings: Settings, purpose: str, master: bytes | None = None) -> bytes:
    """A key for one purpose, derived from the master secret (HKDF), like the phone vault's keys
    (`master` names another secret: the previous one during a key rotation)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"smsbot/dashboard/v1", info=purpose.encode()
    ).derive(master or settings.master_key)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def sha256(value: str) -> str:
    # Session tokens are long random strings: a fast hash is enough (nothing to guess).
    return hashlib.sha256(value.encode()).hexdigest()


def cookie_flags(settings: Settings) -> dict[str, Any]:
    """HttpOnly, SameSite=Lax, and Secure in production (behind https)."""
    return {"httponly": True, "samesite": "lax", "secure": settings.env == "production", "path": "/"}


HSTS = ("strict-transport-security", "max-age=63072000; includeSubDomains")  # two years


class StrictTransportSecurity:
    """ASGI middleware for production (always behind https): every response tells browsers to use
    https only, so a first plain-http visit cannot be downgraded. Added by app.py in production."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_header(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != HSTS[0].encode()]
                message = {**message, "headers": [*headers, (HSTS[0].encode(), HSTS[1].encode())]}
            await send(message)

        await self.app(scope, receive, with_header)


def protect(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
