"""`/api/services`: a thin adapter over smsbot.directory (lookup.py reads, service.py changes).

Any staff member may ask what the directory answers near a ZIP or read a service; only admins change
it (a peer gets 403). Every change writes one audit row in the request's transaction. A refusal is a
DomainError with human words, answered by api/errors.py. The body's fields are checked by
directory/validate.py, the same rules and words as the dashboard's form.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Query, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from smsbot.actor import Actor, Door
from smsbot.api.errors import Refusal
from smsbot.auth.auth import app_context, current_staff, require_admin
from smsbot.context import AppContext
from smsbot.directory import lookup, service, uploads
from smsbot.directory.categories import CATEGORIES
from smsbot.directory.records import ImportOptions
from smsbot.models import Staff
from smsbot.replies.wording import Wording

_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"model": Refusal, "description": "only admins change the directory"},
    404: {"model": Refusal, "description": "no such service"},
    422: {"model": Refusal, "description": "what is wrong with the input, in words"},
}
router = APIRouter(prefix="/api/services", tags=["services"], responses=_REFUSALS)


# Any value reaches directory/validate.py, which says in words what is wrong with it; the schema
# still tells API clients what to send.
Text = Annotated[Any, WithJsonSchema({"type": ["string", "null"]})]
Number = Annotated[Any, WithJsonSchema({"type": ["number", "null"]})]
Names = Annotated[Any, WithJsonSchema({"type": ["array", "null"], "items": {"type": "string"}})]


class ServiceFields(BaseModel):
    """A service as an admin writes it. Without latitude/longitude it is placed at its ZIP's centre."""

    model_config = ConfigDict(extra="allow")

    name: Text = Field(None, description="required for a new service; at most 200 characters")
    categories: Names = Field(None, description=f"at least one of: {', '.join(CATEGORIES)}")
    organization: Text = None
    address: Text = None
    city: Text = None
    state: Text = None
    zip: Text = Field(None, description="US ZIP, e.g. 22902")
    latitude: Number = None
    longitude: Number = None
    phone: Text = Field(None, description="a US number, e.g. 434-555-0142 ext. 12, or 988")
    phone_extension: Text = None
    hours: Text = Field(None, description="e.g. Mo-Fr 09:00-17:00; Sa 10:00-14:00, or 24/7")
    timezone: Text = Field(None, description="IANA name; default: the ZIP's")
    notes: Text = None
    last_verified: Text = Field(None, description="YYYY-MM-DD, not in the future")
    languages: Names = Field(None, description="names or ISO 639-1 codes: en, es, Spanish")
    location_kind: Text = Field(None, description="place (default), virtual (by phone/online) or area")
    service_area: Text = None

    def given(self) -> dict[str, Any]:
        """Only the fields the caller sent (a PATCH changes those), unknown ones included: refused."""
        return {**self.model_dump(exclude_unset=True), **(self.model_extra or {})}


def _api(staff: Staff) -> Actor:
    return Actor.of_staff(staff, Door.API)


@router.get("")
def list_services(
    zip: str | None = Query(None, description="US ZIP: answer as a texter near it would be answered"),
    category: str | None = Query(None, description=f"sites or one of {', '.join(CATEGORIES)}"),
    language: str = Query("en", description="en or es: the texter's language"),
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
    ctx: AppContext = Depends(app_context),
    staff: Staff = Depends(current_staff),
) -> dict[str, Any]:
    """With `zip`: what the directory would answer (the reply text, and its places in the reply's
    order, then the ones MORE gives). Without: the directory itself, by name."""
    with ctx.db.transaction() as conn:
        if zip:
            found = lookup.near(
                conn,
                _api(staff),
                ctx.clock.now(),
                zip,
                category,
                language,
                wording=Wording.from_settings(ctx.settings),
                radius_miles=ctx.settings.search_radius_miles,
            )
            return {
                "zip": found.zip,
                "radius_miles": found.radius_miles,
                "reply": found.reply,
                "in_reply": found.in_reply,
                "services": found.services,
            }
        listing = lookup.browse(
            conn, _api(staff), ctx.clock.now(), category=category, offset=offset, limit=limit
        )
        return {"services": listing.services, "total": listing.total}


@router.get("/{service_id}")
def get_service(
    service_id: int, ctx: AppContext = Depends(app_context), staff: Staff = Depends(current_staff)
) -> dict[str, Any]:
    with ctx.db.transaction() as conn:
        return lookup.get(conn, _api(staff), ctx.clock.now(), service_id)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_service(
    body: ServiceFields, ctx: AppContext = Depends(app_context), staff: Staff = Depends(require_admin)
) -> dict[str, Any]:
    with ctx.db.transaction() as conn:
        return service.create(
            conn, _api(staff), ctx.clock.now(), body.given(), default_timezone=ctx.settings.default_timezone
        )


@router.patch("/{service_id}")
def update_service(
    service_id: int,
    body: ServiceFields = Body(...),
    ctx: AppContext = Depends(app_context),
    staff: Staff = Depends(require_admin),
) -> dict[str, Any]:
    """Change the fields given; a field changed here is kept when its source is imported again."""
    with ctx.db.transaction() as conn:
        return service.update(
            conn,
            _api(staff),
            ctx.clock.now(),
            service_id,
            body.given(),
            default_timezone=ctx.settings.default_timezone,
        )


@router.delete("/{service_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_service(
    service_id: int, ctx: AppContext = Depends(app_context), staff: Staff = Depends(require_admin)
) -> Response:
    with ctx.db.transaction() as conn:
        service.delete(conn, _api(staff), ctx.clock.now(), service_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/import")
def import_services(
    file: UploadFile = File(..., description="flat .csv, SAMHSA or HSDS .json, or an HSDS package .zip"),
    source: str | None = Form(None, description="default: the format's name (at most 64 characters)"),
    dry_run: bool = Form(False, description="read and classify only; write nothing"),
    ctx: AppContext = Depends(app_context),
    staff: Staff = Depends(require_admin),
) -> dict[str, Any]:
    """Import a directory file, as `smsbot directory import` does (one audit row)."""
    options = ImportOptions(
        default_timezone=ctx.settings.default_timezone, source=uploads.source_name(source)
    )
    with tempfile.TemporaryDirectory(prefix="smsbot-import-") as folder:
        path = uploads.save(file.file, file.filename, Path(folder))
        with ctx.db.transaction() as conn:
            summary = service.import_file(conn, _api(staff), ctx.clock.now(), path, options, dry_run=dry_run)
    return {
        "format": summary.format,
        "source": summary.source,
        "encoding": summary.encoding,
        "dry_run": summary.dry_run,
        "added": summary.added,
        "updated": summary.updated,
        "skipped": summary.skipped,
        "summary": summary.line(),
        "conflicts": summary.conflicts,
        "warnings": summary.warnings,
        "categories": dict(summary.categories),
    }


@router.post("/remove-demo")
def remove_demo(
    ctx: AppContext = Depends(app_context), staff: Staff = Depends(require_admin)
) -> dict[str, int]:
    """Delete every demo service (the invented places `smsbot directory demo` loads)."""
    with ctx.db.transaction() as conn:
        return {"removed": service.remove_demo(conn, _api(staff), ctx.clock.now())}
