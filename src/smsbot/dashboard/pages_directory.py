"""The Directory pages (admins): list and search services, edit or delete one, and upload an import
file, read by the same importers as `smsbot directory import`, with the summary and row warnings.

Edits go through the API's functions (api/services.py), so a form and a JSON PATCH check the same way.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import ValidationError
from sqlalchemy import func, or_, select
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from smsbot.api import services as api
from smsbot.audit import log as audit
from smsbot.auth.access import admin_only, verified_form
from smsbot.auth.sessions import Viewer
from smsbot.dashboard.web import PageError, redirect, render
from smsbot.directory.categories import CATEGORIES
from smsbot.directory.importer import DirectoryImportError, import_path
from smsbot.directory.records import ImportOptions
from smsbot.directory.store import categories_of, service, stale_filter

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
STALE_MONTHS = 6  # "needs a check": never verified, or not for this long
WARNINGS_SHOWN = 200
UPLOAD_SUFFIXES = (".csv", ".txt", ".json", ".zip")
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
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
    "notes",
)


def _search(conn, q: str | None, offset: int, stale_on: date | None = None) -> list[dict[str, Any]]:
    query = (
        select(service).order_by(func.lower(service.c.name), service.c.id).limit(PAGE_SIZE + 1).offset(offset)
    )
    if stale_on is not None:
        query = query.where(stale_filter(stale_on, STALE_MONTHS))
    if q:
        like = f"%{q.lower()}%"
        columns = (service.c.name, service.c.organization, service.c.city, service.c.zip, service.c.address)
        query = query.where(or_(*(func.lower(c).like(like) for c in columns)))
    rows = list(conn.execute(query))
    categories = categories_of(conn, [r.id for r in rows])
    return [
        {"row": r, "categories": categories[r.id], "reasons": api._reasons(r.category_reasons)} for r in rows
    ]


@router.get("/directory")
def directory_page(
    request: Request,
    q: str | None = None,
    offset: int = 0,
    done: str | None = None,
    check: str | None = None,
    viewer: Viewer = Depends(admin_only),
) -> Response:
    offset = max(0, offset)
    ctx = request.app.state.ctx
    today = ctx.clock.now().date()
    with ctx.db.transaction() as conn:
        found = _search(conn, (q or "").strip()[:100], offset, today if check else None)
        total = conn.execute(select(func.count()).select_from(service)).scalar_one()
        stale = conn.execute(
            select(func.count()).select_from(service).where(stale_filter(today, STALE_MONTHS))
        ).scalar_one()
    return render(
        request,
        "directory.html",
        services=found[:PAGE_SIZE],
        more=len(found) > PAGE_SIZE,
        q=q or "",
        offset=offset,
        page_size=PAGE_SIZE,
        total=total,
        stale=stale,
        stale_months=STALE_MONTHS,
        check=bool(check),
        done={"deleted": "The service is deleted."}.get(done or ""),
        summary=None,
    )


def _edit_page(
    request: Request, current: dict, errors: list[str], status_code: int = 200, done: str | None = None
) -> Response:
    return render(
        request,
        "service_edit.html",
        status_code=status_code,
        s=current,
        all_categories=CATEGORIES,
        errors=errors,
        done={"saved": "Saved."}.get(done or ""),
    )


@router.get("/directory/{service_id:int}")
def service_page(
    service_id: int, request: Request, done: str | None = None, viewer: Viewer = Depends(admin_only)
) -> Response:
    current = _call(api.get_service, service_id, request.app.state.ctx, viewer.staff)
    return _edit_page(request, current, [], done=done)


def _call(fn, *args):
    try:
        return fn(*args)
    except HTTPException as exc:
        raise PageError(exc.status_code, str(exc.detail)) from None


def _changes(form: FormData, current: dict) -> dict[str, Any]:
    """Only what the form changed, so a field the admin left alone is never re-checked or rewritten."""
    changes: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = form.get(name)
        text = value.strip() if isinstance(value, str) else ""
        if text != (current.get(name) or ""):
            changes[name] = text or None
    for name in ("latitude", "longitude"):
        value = form.get(name)
        text = value.strip() if isinstance(value, str) else ""
        if text != ("" if current.get(name) is None else str(current[name])):
            changes[name] = text or None
    verified = form.get("last_verified")
    verified = verified.strip() if isinstance(verified, str) else ""
    if verified != (current.get("last_verified") or ""):
        changes["last_verified"] = verified or None
    categories = sorted(c for c in form.getlist("categories") if isinstance(c, str))
    if categories != sorted(current.get("categories") or []):
        changes["categories"] = categories
    return changes


@router.post("/directory/{service_id:int}")
def save_service(
    service_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    form: FormData = Depends(verified_form),
) -> Response:
    ctx = request.app.state.ctx
    current = _call(api.get_service, service_id, ctx, viewer.staff)
    changes = _changes(form, current)
    if not changes:
        return redirect(f"/directory/{service_id}?done=saved")
    try:
        api.update_service(service_id, api.ServicePatch.model_validate(changes), ctx, viewer.staff)
    except ValidationError as exc:
        return _edit_page(request, {**current, **changes}, [str(e["msg"]) for e in exc.errors()], 422)
    except HTTPException as exc:
        detail = exc.detail
        errors = (
            [f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in detail]
            if isinstance(detail, list)
            else [str(detail)]
        )
        return _edit_page(request, {**current, **changes}, errors, exc.status_code)
    with ctx.db.transaction() as conn:
        detail = "fields: " + ", ".join(sorted(changes))
        audit.record(conn, ctx.clock.now(), viewer.id, "service_changed", "service", service_id, detail)
    return redirect(f"/directory/{service_id}?done=saved")


@router.post("/directory/{service_id:int}/delete")
def delete_service(
    service_id: int,
    request: Request,
    viewer: Viewer = Depends(admin_only),
    _: FormData = Depends(verified_form),
) -> Response:
    ctx = request.app.state.ctx
    _call(api.remove_service, service_id, ctx, viewer.staff)
    with ctx.db.transaction() as conn:
        audit.record(conn, ctx.clock.now(), viewer.id, "service_deleted", "service", service_id)
    return redirect("/directory?done=deleted")


def _unpack(upload: UploadFile, folder: Path) -> Path:
    """Save the upload under its own (cleaned) name, so warnings name the admin's file and a package
    without a name in datapackage.json gets the same source as on the command line; a .zip (an HSDS
    package) is unpacked, safely."""
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise PageError(
            415, "Upload a .csv file, a .json file (SAMHSA or HSDS), or an HSDS package as a .zip."
        )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(upload.filename or "").stem).strip("._")[:80] or "upload"
    target = folder / f"{stem}{suffix}"
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
    if suffix != ".zip":
        return target
    try:
        with zipfile.ZipFile(target) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES or len(members) > 500:
                raise PageError(413, "That package is too big once unpacked.")
            unpacked = folder / "unpacked" / stem
            for member in members:
                destination = (unpacked / member.filename).resolve()
                if not destination.is_relative_to(unpacked.resolve()):
                    raise PageError(422, "That .zip has paths pointing outside itself.")
            archive.extractall(unpacked)
    except zipfile.BadZipFile:
        raise PageError(422, "That .zip file cannot be read.") from None
    found = sorted(unpacked.rglob("datapackage.json")) or sorted(unpacked.rglob("services.csv"))
    if not found:
        raise PageError(422, "That .zip has no datapackage.json or services.csv (not an HSDS package).")
    return found[0].parent


@router.post("/directory/import")
def import_file(
    request: Request, viewer: Viewer = Depends(admin_only), form: FormData = Depends(verified_form)
) -> Response:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise PageError(422, "Choose a file to import.")
    source = form.get("source")
    # Left blank: the format's default name (the same one the command uses), never "".
    source = source.strip()[:64] if isinstance(source, str) and source.strip() else None
    ctx = request.app.state.ctx
    options = ImportOptions(
        default_timezone=ctx.settings.default_timezone, source=source, today=ctx.clock.now().date()
    )
    with tempfile.TemporaryDirectory(prefix="smsbot-import-") as folder:
        path = _unpack(upload, Path(folder))
        try:
            summary = import_path(ctx, path, options)
        except (DirectoryImportError, ValueError) as exc:
            reason = str(exc).replace(folder + "/", "")  # our temporary folder means nothing to anyone
            raise PageError(422, f"This file cannot be imported: {reason}") from None
    with ctx.db.transaction() as conn:
        detail = (
            f"{summary.format}: added {summary.added}, updated {summary.updated}, skipped {summary.skipped}"
        )
        audit.record(conn, ctx.clock.now(), viewer.id, "directory_imported", None, None, detail)
        found = _search(conn, None, 0)
        total = conn.execute(select(func.count()).select_from(service)).scalar_one()
    return render(
        request,
        "directory.html",
        services=found[:PAGE_SIZE],
        more=len(found) > PAGE_SIZE,
        q="",
        offset=0,
        page_size=PAGE_SIZE,
        total=total,
        stale=None,
        stale_months=STALE_MONTHS,
        check=False,
        done=None,
        summary=summary,
        warnings=summary.warnings[:WARNINGS_SHOWN],
        more_warnings=max(0, len(summary.warnings) - WARNINGS_SHOWN),
    )
