"""The JSON API under /api: the routers of each resource, in one list."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    # One import per resource module; each declares its own routes and who may call them.
    from smsbot.api import alerts, enrollments, services

    return [services.router, enrollments.router, alerts.router]
