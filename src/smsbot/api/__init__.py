"""The JSON API under /api: the routers of each resource, in one list."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI


def routers() -> list[APIRouter]:
    # One import per resource module; each declares its own routes and who may call them.
    from smsbot.api import alerts, enrollments, services, supply

    return [services.router, enrollments.router, alerts.router, supply.router]


def install_errors(app: FastAPI) -> None:
    from smsbot.api import errors

    errors.install(app)
