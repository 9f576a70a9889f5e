"""The JSON API under /api: the routers of each resource, in one list."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI


def routers() -> list[APIRouter]:
    # One import per resource module; each declares its own routes and who may call them. The
    # refusals any of them may answer (api/errors.py) are declared once, for the schema.
    from smsbot.api import alerts, enrollments, errors, services, supply, wording

    api = APIRouter(responses=errors.REFUSALS)
    for router in (services.router, enrollments.router, alerts.router, supply.router, wording.router):
        api.include_router(router)
    return [api]


def install_errors(app: FastAPI) -> None:
    from smsbot.api import errors

    errors.install(app)
