"""One service's pages: read it (every staff member), and for admins add one by form, edit, delete.

A thin adapter over directory/service.py: the form's fields go to the same function as a JSON body,
and a refusal comes back beside its field (with the summary at the top), the typed values kept, in the
staff member's language.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date
from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from smsbot.actor import Actor, Door
from smsbot.auth.access import admin_only, signed_in, verified_form
from smsbot.auth.sessions import Viewer
from smsbot.dashboard import i18n
from smsbot.dashboard.forms import FORM, FormErrors
from smsbot.dashboard.i18n import _
from smsbot.dashboard.participants_common import speak
from smsbot.dashboard.web import redirect, render
from smsbot.directory import lookup, service
from smsbot.directory.categories import CATEGORIES, NAMES
from smsbot.directory.field_words import KINDS, LABELS
from smsbot.directory.records import GIVEN_IN_FILE
from smsbot.errors import N_, DomainError

router = APIRouter(include_in_schema=False)
TEXT_FIELDS = (
    "name",
    "organization",
    "address",
    "city",
    "state",
    "zip",
    "phone",
    "phone_extension",
    "hours",
    "timezone",
    "latitude",
    "longitude",
    "last_verified",
    "languages",
    "location_kind",
    "service_area",
    "notes",
)
# US time zones by the names people use; any other IANA name a service already has is kept as is.
ZONES = (
    ("America/New_York", N_("Eastern")),
    ("America/Chicago", N_("Central")),
    ("America/Denver", N_("Mountain")),
    ("America/Phoenix", N_("Arizona")),
    ("America/Los_Angeles", N_("Pacific")),
    ("America/Anchorage", N_("Alaska")),
    ("Pacific/Honolulu", N_("Hawaii")),
    ("America/Puerto_Rico", N_("Puerto Rico")),
)
DONE = {"saved": N_("Saved."), "added": N_("The service is added. Texters nearby get it from now on.")}


def category_name(category: str) -> str:
    """A category as people read it ("syringe services"), in the page's language."""
    return _(NAMES[category]) if category in NAMES else category.replace("_", " ")


def field_names(fields: list[str]) -> str:
    """Fields by the names the form gives them ("street address, ZIP code"), in the page's language."""
    return ", ".join(_(LABELS[f]) if f in LABELS else f.replace("_", " ") for f in fields)


def month_year(day: str | None) -> str:
    """ "2026-03-04" -> "Mar 2026" ("mar 2026" in Spanish): when a service was last checked."""
    if not day:
        return ""
    when = date.fromisoformat(str(day)[:10])
    if i18n.current() == i18n.DEFAULT:
        return f"{when:%b %Y}"
    return format_date(when, "MMM y", locale=i18n.locale())


def reason_words(reason: str | None) -> str:
    """Why a service has a category: the importer's own words (a code, a term), or "set by an
    admin" / "given in the file", which read in the page's language."""
    return i18n.gettext(reason) if reason in (service.BY_HAND, GIVEN_IN_FILE) else reason or ""


# What the directory's templates (and _service_bits.html, imported with context) call
BITS = {
    "category_name": category_name,
    "field_names": field_names,
    "month_year": month_year,
    "reason_words": reason_words,
}


def form_errors(request: Request, err: DomainError, field: str | None = None) -> FormErrors:
    """A refusal beside its field (each field's beside its own), in the page's language; admins
    change the directory, so the admin's words."""
    speak(request)
    parts = getattr(err, "parts", None) or {err.field or field or FORM: err}
    return FormErrors({name: part.told_to(True, translate=_) for name, part in parts.items()})


def page_actor(viewer: Viewer) -> Actor:
    return Actor.of_staff(viewer.staff, Door.PAGE)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def form_values(form: FormData) -> dict[str, Any]:
    """A service's fields as the form sent them (the service checks them, like a JSON body). A field
    the form did not send is left alone; the category boxes always count (none ticked sends none)."""
    values: dict[str, Any] = {name: _text(form, name) for name in TEXT_FIELDS if name in form}
    values["categories"] = [c for c in form.getlist("categories") if isinstance(c, str)]
    return values


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    """The values as the form shows them (lists of languages as typed text)."""
    languages = values.get("languages")
    return {**values, "languages": ", ".join(languages) if isinstance(languages, list) else languages or ""}


def _form(
    request: Request,
    values: dict[str, Any],
    *,
    current: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    zone = values.get("timezone")
    zones = [(name, _(label)) for name, label in ZONES]
    zones += [(zone, zone)] if zone and zone not in dict(ZONES) else []
    return render(
        request,
        "service_edit.html",
        status_code=status_code,
        s=_shown(values),
        current=current,
        all_categories=CATEGORIES,
        kinds={value: _(label) for value, label in KINDS.items()},
        **BITS,
        zones=zones,
        errors=errors or FormErrors(),
        done=DONE.get(done or ""),
    )


@router.get("/directory/new")
def new_service_page(request: Request, viewer: Viewer = Depends(admin_only)) -> Response:
    return _form(request, {"categories": [], "location_kind": "place"})


@router.post("/directory/new")
def add_service(
    request: Request, viewer: Viewer = Depends(admin_only), form: FormData = Depends(verified_form)
) -> Response:
    ctx = request.app.state.ctx
    values = form_values(form)
    try:
        with ctx.db.transaction() as conn:
            created = service.create(
                conn,
                page_actor(viewer),
                ctx.clock.now(),
                values,
                default_timezone=ctx.settings.default_timezone,
            )
    except DomainError as err:
        return _form(request, values, errors=form_errors(request, err), status_code=err.status)
    return redirect(f"/directory/{created['id']}?done=added")


@router.get("/directory/{service_id:int}")
def service_page(
    service_id: int, request: Request, done: str | None = None, viewer: Viewer = Depends(signed_in)
) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        current = lookup.get(conn, page_actor(viewer), ctx.clock.now(), service_id)
    if not viewer.is_admin:  # peers read the directory; admins change it
        return render(
            request,
            "service_view.html",
            s=current,
            done=DONE.get(done or ""),
            **BITS,
        )
    return _form(request, current, current=current, done=done)


@router.post("/directory/{service_id:int}")
def save_service(
    service_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    form: FormData = Depends(verified_form),
) -> Response:
    ctx = request.app.state.ctx
    values = form_values(form)
    try:
        with ctx.db.transaction() as conn:
            service.update(
                conn,
                page_actor(viewer),
                ctx.clock.now(),
                service_id,
                values,
                default_timezone=ctx.settings.default_timezone,
            )
    except DomainError as err:
        if err.status == 404:
            raise
        with ctx.db.transaction() as conn:
            current = lookup.get(conn, page_actor(viewer), ctx.clock.now(), service_id)
        return _form(
            request,
            {**current, **values},
            current=current,
            errors=form_errors(request, err),
            status_code=err.status,
        )
    return redirect(f"/directory/{service_id}?done=saved")


@router.post("/directory/{service_id:int}/delete")
def delete_service(
    service_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    _: FormData = Depends(verified_form),
) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        service.delete(conn, page_actor(viewer), ctx.clock.now(), service_id)
    return redirect("/directory?done=deleted")
