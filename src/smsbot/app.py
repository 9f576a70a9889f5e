"""The web application: Twilio webhooks, health, metrics, the staff API and dashboard."""

from __future__ import annotations

import logging

from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse

from smsbot.context import AppContext
from smsbot.dashboard.bounds import bounded_numbers
from smsbot.inbound.webhook import routes as inbound_routes
from smsbot.observability import metrics_response


def create_app(ctx: AppContext | None = None) -> FastAPI:
    ctx = ctx or AppContext.build()
    production = ctx.settings.env == "production"
    app = FastAPI(
        title="smsbot",
        docs_url=None if production else "/docs",
        redoc_url=None,
        openapi_url=None if production else "/openapi.json",
        dependencies=[Depends(bounded_numbers)],  # every route: ids past the integer range are 404
    )
    app.state.ctx = ctx
    for route in inbound_routes(ctx):
        app.router.routes.append(route)
    from smsbot.inbound.status import routes as status_routes

    for route in status_routes(ctx):
        app.router.routes.append(route)
    from smsbot.inbound.fallback import routes as fallback_routes

    for route in fallback_routes(ctx):
        app.router.routes.append(route)

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    @app.get("/readyz", response_class=PlainTextResponse)
    def readyz() -> PlainTextResponse:
        ready = ctx.db.ping()
        return PlainTextResponse(
            "ready" if ready else "database unreachable", status_code=200 if ready else 503
        )

    @app.get("/metrics")
    def metrics():
        return metrics_response()

    _include_feature_routers(app)
    if production:
        from smsbot.dashboard.security import StrictTransportSecurity

        app.add_middleware(StrictTransportSecurity)
    logging.getLogger("smsbot").info(
        "app ready (env=%s, sender=%s)", ctx.settings.env, ctx.settings.sender_name
    )
    return app


def _include_feature_routers(app: FastAPI) -> None:
    """Routers of the staff side; each module declares its own routes and who may use them."""
    from smsbot.dashboard import api

    for router in api.routers():
        app.include_router(router)

    from smsbot.dashboard import bounds, pages, policy

    pages.install(app)  # the staff dashboard: pages, /static, HTML error pages
    bounds.install(app)  # a number the database refuses is a 404/422, not a 500
    policy.deny_undeclared(app)  # last: a route that declares no access policy answers 403
