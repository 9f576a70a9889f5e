"""The Directory page (every staff member): what a texter near a ZIP would be answered, and the list of
services; for admins also the import form, the CSV template and "remove the demo data".

A thin adapter: reads through directory/lookup.py, changes through directory/service.py (which checks,
audits and refuses in human words); a refusal is shown on this page beside its field, input kept.
One service's pages (view, add, edit, delete) are in pages_service.py.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from smsbot.auth.access import admin_only, signed_in, verified_form
from smsbot.auth.sessions import Viewer
from smsbot.dashboard import pages_service
from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.i18n import _
from smsbot.dashboard.pages_service import BITS, form_errors, page_actor
from smsbot.dashboard.participants_common import speak
from smsbot.dashboard.web import redirect, render
from smsbot.directory import lookup, service, uploads
from smsbot.directory.categories import CATEGORIES, NAMES
from smsbot.directory.flat_csv import TEMPLATE_NOTE, template
from smsbot.directory.importer import ImportSummary
from smsbot.directory.records import ImportOptions
from smsbot.errors import N_, DomainError, Invalid
from smsbot.replies.wording import Wording

router = APIRouter(include_in_schema=False)
router.include_router(pages_service.router)
PAGE_SIZE = 50
WARNINGS_SHOWN = 200
# (value, English label) for "what do they need": SITES first, as the line's own menu word.
NEEDS = [("sites", N_("Harm reduction sites (SITES)"))] + [(c, NAMES[c]) for c in CATEGORIES]
DONE = {
    "deleted": N_("The service is deleted."),
    "demo-removed": N_("The demo data is removed."),
    "no-demo": N_("There was no demo data to remove."),
}


def _needs() -> list[tuple[str, str]]:
    """The choices, in the page's language, each starting with a capital."""
    return [(value, (words := _(label))[:1].upper() + words[1:]) for value, label in NEEDS]


def _near(request: Request, conn, viewer: Viewer, zip_code: str, need: str, language: str):
    """(what a texter gets, errors): nothing asked yet is neither."""
    if not (zip_code or "").strip():
        return None, FormErrors()
    ctx = request.app.state.ctx
    try:
        found = lookup.near(
            conn,
            page_actor(viewer),
            ctx.clock.now(),
            zip_code,
            need,
            language,
            wording=Wording.from_settings(ctx.settings),
            radius_miles=ctx.settings.search_radius_miles,
        )
    except DomainError as err:
        return None, form_errors(request, err, field="zip")
    return found, FormErrors()


def _page(
    request: Request,
    viewer: Viewer,
    *,
    status_code: int = 200,
    zip: str = "",
    need: str = "sites",
    language: str = "en",
    q: str = "",
    check: bool = False,
    offset: int = 0,
    done: str | None = None,
    summary: ImportSummary | None = None,
    import_errors: FormErrors | None = None,
    source: str = "",
) -> Response:
    ctx = request.app.state.ctx
    now = ctx.clock.now()
    speak(request)
    with ctx.db.transaction() as conn:
        near, near_errors = _near(request, conn, viewer, zip, need, language)
        listing = lookup.browse(
            conn, page_actor(viewer), now, q=q, needs_check=check, offset=offset, limit=PAGE_SIZE
        )
        sources = lookup.sources(conn) if viewer.is_admin else []
    return render(
        request,
        "directory.html",
        status_code=status_code,
        near=near,
        errors=near_errors,
        zip=zip,
        need=need,
        language=language,
        needs=_needs(),
        **BITS,
        listing=listing,
        q=q,
        check=check,
        offset=offset,
        page_size=PAGE_SIZE,
        stale_months=lookup.STALE_MONTHS,
        done=DONE.get(done or ""),
        summary=summary,
        warnings=summary.warnings[:WARNINGS_SHOWN] if summary else [],
        more_warnings=max(0, len(summary.warnings) - WARNINGS_SHOWN) if summary else 0,
        import_errors=import_errors or FormErrors(),
        source=source,
        sources=sources,
    )


@router.get("/directory")
def directory_page(
    request: Request,
    zip: str = "",
    need: str = "sites",
    language: str = "en",
    q: str = "",
    check: str | None = None,
    offset: int = 0,
    done: str | None = None,
    viewer: Viewer = Depends(signed_in),
) -> Response:
    return _page(
        request,
        viewer,
        zip=zip.strip()[:10],
        need=need if need in dict(NEEDS) else "sites",
        language=language if language in ("en", "es") else "en",
        q=q.strip()[:100],
        check=bool(check),
        offset=max(0, offset),
        done=done,
    )


@router.get("/directory/template.csv")
def csv_template(request: Request, viewer: Viewer = Depends(signed_in)) -> Response:
    """The flat CSV's columns and one example row (marked demo: importing it unchanged harms nobody)."""
    speak(request)  # the example row's help in the staff member's language (the columns are a format)
    body = template(request.app.state.ctx.clock.now().date(), note=_(TEMPLATE_NOTE))
    return Response(
        body.encode("utf-8-sig"),  # the BOM tells Excel it is UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="directory-template.csv"'},
    )


@router.post("/directory/import")
def import_file(
    request: Request, viewer: Viewer = Depends(admin_only), form: FormData = Depends(verified_form)
) -> Response:
    ctx = request.app.state.ctx
    typed = form.get("source")
    source = typed if isinstance(typed, str) else ""
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid(N_("Choose a file to import."), field=uploads.FIELD)
        options = ImportOptions(
            default_timezone=ctx.settings.default_timezone, source=uploads.source_name(source)
        )
        with tempfile.TemporaryDirectory(prefix="smsbot-import-") as folder:
            path = uploads.save(upload.file, upload.filename, Path(folder))
            with ctx.db.transaction() as conn:
                summary = service.import_file(conn, page_actor(viewer), ctx.clock.now(), path, options)
    except DomainError as err:
        errors = form_errors(request, err, field=uploads.FIELD)
        return _page(request, viewer, status_code=err.status, import_errors=errors, source=source)
    return _page(request, viewer, summary=summary)


@router.get("/directory/remove-demo")
def remove_demo_page(request: Request, viewer: Viewer = Depends(admin_only)) -> Response:
    """Ask first: how many demo services would go."""
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        listing = lookup.browse(conn, page_actor(viewer), ctx.clock.now(), limit=1)
    return render(request, "directory_demo.html", demo=listing.demo)


@router.post("/directory/remove-demo")
def remove_demo(
    request: Request, viewer: Viewer = Depends(admin_only), _: FormData = Depends(verified_form)
) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        removed = service.remove_demo(conn, page_actor(viewer), ctx.clock.now())
    return redirect("/directory?done=" + ("demo-removed" if removed else "no-demo"))
