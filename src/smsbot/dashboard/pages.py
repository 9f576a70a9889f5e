"""The browser side of the app: the page routers, the static files and the HTML error pages.

`install(app)` is all app.py calls; every route here declares its policy through the dependencies
in access.py (policy.py refuses any route that does not).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.staticfiles import StaticFiles

from smsbot.dashboard.web import STATIC_DIR, install_error_pages


def routers() -> list[APIRouter]:
    from smsbot.dashboard import (
        pages_alerts,
        pages_audit,
        pages_auth,
        pages_directory,
        pages_participants,
        pages_reports,
        pages_staff,
        pages_supply,
        pages_wording,
    )

    return [
        pages_auth.router,
        pages_alerts.router,
        pages_participants.router,
        pages_directory.router,
        pages_reports.router,
        pages_staff.router,
        pages_audit.router,
        pages_wording.router,
        pages_supply.router,
    ]


def install(app: FastAPI) -> None:
    for router in routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_pages(app)
