"""`/api/services`: what the directory answers near a ZIP (any staff), and editing it (admins only).

A PATCH records the fields it changed in `edited_fields`: a later import keeps them. Changing the
address, city or ZIP without new coordinates places the service again from its ZIP.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select

from smsbot.auth.auth import app_context, current_staff, require_admin
from smsbot.context import AppContext
from smsbot.directory.categories import CATEGORIES, normalize_category
from smsbot.directory.conversation import SITES_CATEGORIES, directory_answer
from smsbot.directory.geo import zip_point
from smsbot.directory.hours import HoursError, from_json, parse_hours, zone
from smsbot.directory.languages import language_codes
from smsbot.directory.records import LOCATION_KINDS, RawService, check
from smsbot.directory.search import nearest
from smsbot.directory.store import categories_of, delete_service, edited, save_one, service, service_category
from smsbot.models import Staff
from smsbot.replies.wording import Wording

router = APIRouter(prefix="/api/services", tags=["services"])


class ServiceIn(BaseModel):
    """A service as an admin writes it. Without latitude/longitude it is placed at its ZIP's centre."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    categories: list[str] = Field(min_length=1, description=f"from: {', '.join(CATEGORIES)}")
    organization: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=100)
    state: str | None = Field(None, max_length=32)
    zip: str | None = Field(None, max_length=10)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    phone: str | None = Field(None, max_length=40)
    phone_extension: str | None = Field(None, max_length=20, pattern=r"^\d{1,8}$")
    hours: str | None = Field(None, max_length=500, description="e.g. Mo-Fr 09:00-17:00; Sa 10:00-14:00")
    timezone: str | None = Field(None, max_length=64, description="IANA name; default: the ZIP's")
    notes: str | None = Field(None, max_length=2000)
    last_verified: date | None = None
    languages: list[str] | None = Field(None, description="ISO 639-1 codes or names: en, es, Spanish")
    location_kind: str | None = Field(
        None, description="place (default), zip_centre, virtual (by phone/online) or area"
    )
    service_area: str | None = Field(None, max_length=200)

    @field_validator("location_kind")
    @classmethod
    def _kind(cls, value: str | None) -> str | None:
        if value and value not in LOCATION_KINDS:
            raise ValueError(f"location_kind must be one of {', '.join(LOCATION_KINDS)}")
        return value or None

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        codes = language_codes(value)
        if len(codes) != len([v for v in value if v.strip()]):
            raise ValueError("languages: use ISO 639-1 codes such as en, es")
        return codes

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        found = []
        for written in value:
            category = normalize_category(written)
            if category is None:
                raise ValueError(f"unknown category {written!r} (one of {', '.join(CATEGORIES)})")
            if category not in found:
                found.append(category)
        return found

    @field_validator("hours")
    @classmethod
    def _readable_hours(cls, value: str | None) -> str | None:
        if value:
            try:
                parse_hours(value)
            except HoursError as exc:
                raise ValueError(str(exc)) from None
        return value or None

    @field_validator("timezone")
    @classmethod
    def _real_zone(cls, value: str | None) -> str | None:
        if value:
            try:
                zone(value)
            except HoursError as exc:
                raise ValueError(str(exc)) from None
        return value or None

    @model_validator(mode="after")
    def _somewhere(self) -> ServiceIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        if self.latitude is None and zip_point(self.zip) is None:
            raise ValueError("give latitude and longitude, or a ZIP we know")
        return self


class ServicePatch(BaseModel):
    """Fields to change; the result is checked as a whole, like a new service."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    categories: list[str] | None = None
    organization: str | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    phone: str | None = None
    phone_extension: str | None = None
    hours: str | None = None
    timezone: str | None = None
    notes: str | None = None
    last_verified: date | None = None
    languages: list[str] | None = None
    location_kind: str | None = None
    service_area: str | None = None


# Editing one of these without giving coordinates places the service again from its ZIP.
PLACE_FIELDS = ("address", "city", "state", "zip")


def _reasons(text: str | None) -> dict[str, str]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _out(row: Any, categories: list[str], place: Any = None) -> dict[str, Any]:
    data = {
        "id": row.id,
        "name": row.name,
        "organization": row.organization,
        "categories": categories,
        "address": row.address,
        "city": row.city,
        "state": row.state,
        "zip": row.zip,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "phone": row.phone,
        "phone_extension": row.phone_extension,
        "hours": from_json(row.hours).describe() if row.hours else None,
        "timezone": row.timezone,
        "notes": row.notes,
        "last_verified": row.last_verified.isoformat() if row.last_verified else None,
        "is_demo": bool(row.is_demo),
        "source": row.source,
        "location_kind": row.location_kind,
        "service_area": row.service_area,
        "languages": row.languages.split() if row.languages else [],
        "category_reasons": _reasons(row.category_reasons),
        "edited_fields": edited(row.edited_fields),
    }
    if place is not None:
        data.update(miles=round(place.miles, 2), open_now=place.open_now)
    return data


def _categories_param(category: str | None) -> list[str] | None:
    if not category:
        return None
    if category.strip().lower() == "sites":
        return SITES_CATEGORIES
    found = normalize_category(category)
    if found is None:
        raise HTTPException(422, f"unknown category {category!r} (one of sites, {', '.join(CATEGORIES)})")
    return [found]


@router.get("")
def list_services(
    zip: str | None = Query(None, description="US ZIP: answer as a texter near it would be answered"),
    category: str | None = Query(None, description=f"sites or one of {', '.join(CATEGORIES)}"),
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0),
    ctx: AppContext = Depends(app_context),
    _: Staff = Depends(current_staff),
) -> dict[str, Any]:
    """With `zip`: what the directory would answer (the reply text and the places, nearest logic
    included). Without: the directory itself, by name."""
    categories = _categories_param(category)
    with ctx.db.transaction() as conn:
        if zip:
            point = zip_point(zip)
            if point is None:
                raise HTTPException(422, "unknown ZIP: send a 5-digit US ZIP code")
            now, radius = ctx.clock.now(), ctx.settings.search_radius_miles
            wording = Wording.from_settings(ctx.settings)
            reply = directory_answer(
                conn, wording, "en", categories or SITES_CATEGORIES, zip, now, radius
            ).text
            places = nearest(conn, point.latitude, point.longitude, categories, now, radius)
            rows = {
                r.id: r for r in conn.execute(select(service).where(service.c.id.in_([p.id for p in places])))
            }
            cats = categories_of(conn, list(rows))
            return {
                "zip": point.zip_code,
                "radius_miles": radius,
                "reply": reply,
                "services": [_out(rows[p.id], cats[p.id], p) for p in places if p.id in rows],
            }
        stmt = select(service).order_by(service.c.name, service.c.id).limit(limit).offset(offset)
        if categories:
            stmt = stmt.where(
                service.c.id.in_(
                    select(service_category.c.service_id).where(service_category.c.category.in_(categories))
                )
            )
        rows = list(conn.execute(stmt))
        cats = categories_of(conn, [r.id for r in rows])
        return {"services": [_out(r, cats[r.id]) for r in rows]}


def _load(conn, service_id: int) -> Any:
    row = conn.execute(select(service).where(service.c.id == service_id)).first()
    if row is None:
        raise HTTPException(404, "no such service")
    return row


def _save(
    ctx: AppContext,
    body: ServiceIn,
    service_id: int | None,
    source: tuple[str, str],
    is_demo: bool = False,
    edited_fields: list[str] | None = None,
    kept: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Check and store; `kept` carries what the API does not edit (area ZIPs, category reasons)."""
    kept = kept or {}
    reasons = {c: kept.get("category_reasons", {}).get(c, "set by an admin") for c in body.categories}
    raw = RawService(
        source=source[0],
        source_id=source[1],
        name=body.name,
        categories=body.categories,
        organization=body.organization,
        address=body.address,
        city=body.city,
        state=body.state,
        zip=body.zip,
        latitude=body.latitude,
        longitude=body.longitude,
        phone=body.phone,
        hours_text=body.hours,
        timezone=body.timezone,
        notes=body.notes,
        last_verified=body.last_verified,
        is_demo=is_demo,
        phone_extension=body.phone_extension,
        location_kind=body.location_kind if body.location_kind in ("virtual", "area") else None,
        service_area=body.service_area,
        area_zips=kept.get("area_zips", []),
        languages=body.languages or [],
        category_reasons=reasons,
    )
    checked = check(raw, ctx.settings.default_timezone)
    if checked.record is None:
        raise HTTPException(422, "; ".join(checked.warnings))
    with ctx.db.transaction() as conn:
        service_id = save_one(conn, checked.record, ctx.clock.now(), service_id, edited_fields)
        row = _load(conn, service_id)
        return _out(row, categories_of(conn, [service_id])[service_id])


@router.get("/{service_id}")
def get_service(
    service_id: int, ctx: AppContext = Depends(app_context), _: Staff = Depends(current_staff)
) -> dict[str, Any]:
    with ctx.db.transaction() as conn:
        row = _load(conn, service_id)
        return _out(row, categories_of(conn, [service_id])[service_id])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_service(
    body: ServiceIn, ctx: AppContext = Depends(app_context), _: Staff = Depends(require_admin)
) -> dict[str, Any]:
    return _save(ctx, body, None, ("api", uuid.uuid4().hex))


@router.patch("/{service_id}")
def update_service(
    service_id: int,
    body: ServicePatch,
    ctx: AppContext = Depends(app_context),
    _: Staff = Depends(require_admin),
) -> dict[str, Any]:
    with ctx.db.transaction() as conn:
        row = _load(conn, service_id)
        current = _out(row, categories_of(conn, [service_id])[service_id])
    merged = {k: v for k, v in current.items() if k in ServiceIn.model_fields}
    changes = body.model_dump(exclude_unset=True)
    moved = any(k in changes and changes[k] != current.get(k) for k in PLACE_FIELDS)
    if moved and "latitude" not in changes and "longitude" not in changes:
        # The old coordinates belong to the old address: place it again from its ZIP.
        merged.update(latitude=None, longitude=None)
        if current.get("location_kind") == "place":
            merged["location_kind"] = None
    merged.update(changes)
    try:
        checked = ServiceIn.model_validate(merged)
    except ValidationError as exc:
        detail = [{k: e[k] for k in ("loc", "msg", "type")} for e in exc.errors()]
        raise HTTPException(422, detail) from None

    def differs(key: str) -> bool:  # a list in another order is the same choice
        new, old = getattr(checked, key, changes[key]), current.get(key)  # as normalised
        new = new.isoformat() if isinstance(new, date) else new
        return sorted(new) != sorted(old or []) if isinstance(new, list) else new != old

    fields = sorted(set(current["edited_fields"]) | {k for k in changes if differs(k)})
    kept = {
        "area_zips": (row.area_zips or "").split(),
        "category_reasons": current["category_reasons"],
    }
    source = (row.source, row.source_id)
    return _save(ctx, checked, service_id, source, bool(row.is_demo), fields, kept)


@router.delete("/{service_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_service(
    service_id: int, ctx: AppContext = Depends(app_context), _: Staff = Depends(require_admin)
) -> Response:
    with ctx.db.transaction() as conn:
        if not delete_service(conn, service_id):
            raise HTTPException(404, "no such service")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
