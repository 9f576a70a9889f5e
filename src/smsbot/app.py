"""The web application: Twilio webhooks, health, metrics, the staff API and dashboard."""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse

from smsbot.auth.bounds import bounded_numbers
from smsbot.context import AppContext
from smsbot.dashboard.i18n import LanguageMiddleware
from smsbot.inbound.webhook import routes as inbound_routes
from smsbot.observability import RequestIdMiddleware, metrics_response
from smsbot.outbound import watch

if TYPE_CHECKING:  # twilio's REST client and requests (~12 MB a process) load only if an alarm is sent
    from smsbot.outbound.senders import Sender


def create_app(ctx: AppContext | None = None, *, sender: Sender | None = None) -> FastAPI:
    """The app; `sender` is how this process texts a watch alarm (default: from the settings)."""
    ctx = ctx or AppContext.build()
    production = ctx.settings.env == "production"
    app = FastAPI(
        title="smsbot",
        docs_url=None if production else "/docs",
        redoc_url=None,
        openapi_url=None if production else "/openapi.json",
        dependencies=[Depends(bounded_numbers)],  # every route: ids past the integer range are 404
        # No OpenTelemetry from FastAPI itself: its logs would carry exception messages (values), and
        # asking for the providers on every request cost ~15 us a text. /metrics is what we export.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.ctx = ctx
    webhook = None
    for route in inbound_routes(ctx):
        app.router.routes.append(route)
        webhook = route.app if route.name == "twilio_sms" else webhook
    from smsbot.inbound.status import routes as status_routes

    for route in status_routes(ctx):
        app.router.routes.append(route)
    from smsbot.inbound.fallback import routes as fallback_routes

    for route in fallback_routes(ctx):
        app.router.routes.append(route)

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    app.state.started_at = ctx.clock.now()  # a worker that never beats gets the same grace as a silent one
    alarms = _WebAlarms(ctx, sender)

    @app.get("/readyz", response_class=PlainTextResponse)
    def readyz() -> PlainTextResponse:
        health = watch.read_health(ctx, watching_since=app.state.started_at)
        if health.worker_silent or health.outbox_stale:
            alarms.raise_for(health)  # a silent worker cannot text anyone: this process does
        return PlainTextResponse(health.reason(), status_code=200 if health.ready else 503)

    @app.get("/metrics")
    def metrics():
        watch.export_gauges(ctx)
        return metrics_response()

    _include_feature_routers(app)
    app.add_middleware(_WebhookLane, webhook=webhook)  # innermost: every other layer still applies
    if production:
        from smsbot.auth.security import StrictTransportSecurity

        app.add_middleware(StrictTransportSecurity)
    app.add_middleware(LanguageMiddleware)  # the staff side's language, before any handler words an error
    app.add_middleware(RequestIdMiddleware)  # outermost: every log line of a request carries its id
    logging.getLogger("smsbot").info(
        "app ready (env=%s, sender=%s)", ctx.settings.env, ctx.settings.sender_name
    )
    return app


def serve_app() -> FastAPI:
    """What each web process of `smsbot serve` runs (uvicorn's factory): the app, warmed up for its
    first texts, with what start-up made kept out of the garbage collector's way."""
    from smsbot.config import get_settings
    from smsbot.inbound.warm_up import warm_up
    from smsbot.observability import setup_logging

    setup_logging(get_settings().log_level)
    app = create_app()
    warm_up(app.state.ctx)
    # A full collection walks every object start-up made (~160,000: modules, routes, tables, packs),
    # 200-300 ms on a busy core, and the first one fell on the first text: that text's p99. They live
    # as long as the process anyway; frozen, no collection walks them again.
    gc.collect()
    gc.freeze()
    return app


def _include_feature_routers(app: FastAPI) -> None:
    """Routers of the staff side; each module declares its own routes and who may use them."""
    from smsbot import api

    for router in api.routers():
        app.include_router(router)
    api.install_errors(app)  # a service's DomainError -> its status and human words, as JSON

    from smsbot.auth import bounds, policy
    from smsbot.dashboard import pages

    pages.install(app)  # the staff dashboard: pages, /static, HTML error pages
    bounds.install(app)  # a number the database refuses is a 404/422, not a 500
    policy.deny_undeclared(app)  # last: a route that declares no access policy answers 403


class _WebhookLane:
    """POST /twilio/sms straight to its endpoint, past FastAPI's exception and dependency layers and the
    router's walk, none of which the webhook uses (a plain ASGI endpoint that words its own refusals):
    ~25 us of a text's ~300 in the process. Any other request, and the route itself, are unchanged."""

    def __init__(self, app: Any, webhook: Any) -> None:
        self.app, self.webhook = app, webhook

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/twilio/sms" and scope["method"] == "POST":
            await self.webhook(scope, receive, send)
            return
        await self.app(scope, receive, send)


class _WebAlarms:
    """The web side of the watch: texts the on-call admin (once per incident) when it notices first."""

    def __init__(self, ctx: AppContext, sender: Sender | None) -> None:
        self.ctx, self.sender, self._dispatcher = ctx, sender, None

    def raise_for(self, health: watch.Health) -> None:
        from smsbot.outbound.dispatch import Dispatcher
        from smsbot.outbound.senders import build_sender

        try:
            if self._dispatcher is None:
                self._dispatcher = Dispatcher(self.ctx, self.sender or build_sender(self.ctx.settings))
            watch.raise_alarms(self.ctx, health, self._dispatcher)
        except Exception as exc:  # readiness still answers; the worker's own check may send it
            logging.getLogger("smsbot").error("watch alarm not sent: %s", type(exc).__name__)
