"""Deny by default: every route declares who may use it, and a route that declares nothing answers 403.

A route declares its policy through a dependency registered here (the page dependencies in access.py,
the bearer-token ones in auth.py), or, for the few routes that belong to nobody (Twilio's webhooks,
health, metrics, the API docs, static files), in `DECLARED_ROUTES` below, with the reason.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from starlette.responses import PlainTextResponse

try:  # FastAPI >= 0.16x includes routers lazily; this flattens them
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI keeps app.routes flat

    def iter_route_contexts(routes):  # type: ignore[no-redef]
        return iter(routes)


from smsbot.auth import auth

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
    "/twilio/fallback": (Policy.TWILIO, "Twilio fallback URL: a fixed safe reply; the signature is checked"),
    "/healthz": (Policy.PUBLIC, "liveness probe"),
    "/readyz": (Policy.PUBLIC, "readiness probe"),
    "/metrics": (Policy.PUBLIC, "Prometheus text, aggregate and without personal data"),
    "/docs": (Policy.PUBLIC, "API documentation (not served in production)"),
    "/docs/oauth2-redirect": (Policy.PUBLIC, "API documentation (not served in production)"),
    "/redoc": (Policy.PUBLIC, "API documentation (switched off in app.py)"),
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


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    policy: Policy | None
    path_regex: re.Pattern[str] | None


def policy_of(route: Any) -> Policy | None:
    """The route's declared policy (the most restrictive one it depends on), or None."""
    dependant = getattr(route, "dependant", None)
    if isinstance(dependant, Dependant):
        found = [_BY_DEPENDENCY[call] for call in _calls(dependant) if call in _BY_DEPENDENCY]
        if found:
            return max(found)
    path = getattr(route, "path", None)
    if path in DECLARED_ROUTES:
        return DECLARED_ROUTES[path][0]
    return None


def route_table(app: FastAPI) -> list[RouteInfo]:
    """Every route the app serves (included routers flattened), with its policy."""
    return [
        RouteInfo(
            path=str(getattr(route, "path", "") or ""),
            methods=frozenset(getattr(route, "methods", None) or ()),
            policy=policy_of(route),
            path_regex=getattr(route, "path_regex", None),
        )
        for route in iter_route_contexts(app.router.routes)
    ]


class _DenyUndeclared:
    """ASGI middleware: a request for a route without a policy is refused before it is routed."""

    def __init__(self, app: Any, routes: list[RouteInfo]) -> None:
        self.app, self.routes = app, routes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            for route in self.routes:
                methods_match = not route.methods or scope["method"] in route.methods
                if route.path_regex is not None and methods_match and route.path_regex.match(scope["path"]):
                    response = PlainTextResponse(
                        "this route declares no access policy, so nobody may use it", 403
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def deny_undeclared(app: FastAPI) -> list[str]:
    """Make every route without a declared policy answer 403; returns their paths (also logged)."""
    undeclared = [route for route in route_table(app) if route.policy is None]
    for route in undeclared:
        log.error("route %s declares no access policy: it answers 403 until it does", route.path)
    if undeclared:
        app.add_middleware(_DenyUndeclared, routes=undeclared)
    return [route.path for route in undeclared]
