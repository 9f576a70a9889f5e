"""Deny by default: every route declares who may use it, and a route that declares nothing answers 403.

A route declares its policy through a dependency registered here (the page dependencies in access.py,
the bearer-token ones in auth.py), or, for the few routes that belong to nobody (Twilio's webhooks,
health, metrics, the API docs, static files), in `DECLARED_ROUTES` below, with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from enum import IntEnum
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount, Route

from smsbot.dashboard import auth

log = logging.getLogger(__name__)


class Policy(IntEnum):
    """Who may use a route; a larger value is more restrictive."""

    PUBLIC = 1  # anyone: the sign-in page, health, static files
    TWILIO = 2  # Twilio, proven by the request signature (checked in the handler)
    SIGNING_IN = 3  # a browser halfway through signing in (second factor, first password change)
    STAFF = 4  # any signed-in peer or admin; a peer sees only their own participants
    ADMIN = 5  # admins only

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


_BY_DEPENDENCY: dict[Callable[..., Any], Policy] = {
    auth.current_staff: Policy.STAFF,
    auth.require_admin: Policy.ADMIN,
}

# Routes owned by other parts of the app that carry no policy dependency: declared here, explicitly.
DECLARED_ROUTES: dict[str, tuple[Policy, str]] = {
    "/twilio/sms": (Policy.TWILIO, "Twilio inbound webhook; the signature is checked before anything"),
    "/twilio/status": (Policy.TWILIO, "Twilio delivery callbacks; the signature is checked"),
    "/healthz": (Policy.PUBLIC, "liveness probe"),
    "/readyz": (Policy.PUBLIC, "readiness probe"),
    "/metrics": (Policy.PUBLIC, "Prometheus text, aggregate and without personal data"),
    "/docs": (Policy.PUBLIC, "API documentation (not served in production)"),
    "/docs/oauth2-redirect": (Policy.PUBLIC, "API documentation (not served in production)"),
    "/openapi.json": (Policy.PUBLIC, "API schema (not served in production)"),
    "/static": (Policy.PUBLIC, "the dashboard's CSS and JavaScript"),
}


def declares(policy: Policy) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a FastAPI dependency as the statement of a route's policy."""

    def mark(dependency: Callable[..., Any]) -> Callable[..., Any]:
        _BY_DEPENDENCY[dependency] = policy
        return dependency

    return mark


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def policy_of(route: BaseRoute) -> Policy | None:
    """The route's declared policy (the most restrictive one it depends on), or None."""
    if isinstance(route, APIRoute):
        found = [_BY_DEPENDENCY[call] for call in _calls(route.dependant) if call in _BY_DEPENDENCY]
        if found:
            return max(found)
    path = getattr(route, "path", None)
    if path in DECLARED_ROUTES:
        return DECLARED_ROUTES[path][0]
    return None


def _refuse(path: str) -> Callable[..., Any]:
    async def refuse(scope: Any, receive: Any, send: Any) -> None:
        response = PlainTextResponse("this route declares no access policy, so nobody may use it", 403)
        await response(scope, receive, send)

    return refuse


def deny_undeclared(app: FastAPI) -> list[str]:
    """Make every route without a declared policy answer 403; returns their paths (also logged)."""
    undeclared = []
    for route in app.router.routes:
        if policy_of(route) is not None:
            continue
        path = getattr(route, "path", repr(route))
        undeclared.append(path)
        if isinstance(route, Route | Mount):
            route.app = _refuse(path)
        log.error("route %s declares no access policy: it answers 403 until it does", path)
    return undeclared
