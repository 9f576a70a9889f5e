"""Changing the directory, whichever door it comes through (API, page, command line): add, edit or
delete one service, import a file, remove the demo data.

Each function takes the caller's connection, the acting staff member and the time; only admins (and
the command line) change the directory; every change writes exactly one audit row, naming the door,
in the caller's transaction. Reads are in lookup.py. Nothing here commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.audit import log as audit
from smsbot.directory import store
from smsbot.directory.hours import from_json
from smsbot.directory.importer import DirectoryImportError, ImportSummary, import_into
from smsbot.directory.lookup import get, load, view
from smsbot.directory.records import ImportOptions, RawService, check, split_phone
from smsbot.directory.validate import FIELDS, check_fields, complete
from smsbot.errors import N_, Forbidden, Invalid

HAND_SOURCE = "local"  # services added by hand (any door); no import file ever uses this source
BY_HAND = N_("set by an admin")  # a category's reason, stored in English; pages translate it
# Changing where it is without new coordinates places it again from its ZIP (the old coordinates
# belong to the old address).
PLACE_FIELDS = ("address", "city", "state", "zip")
ONLY_ADMINS = N_("Only an admin can change the directory. Ask an admin to make this change.")


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden(ONLY_ADMINS)


def _detail(actor: Actor, text: str = "") -> str:
    return f"{actor.door.value}: {text}" if text else actor.door.value


def _raw(values: Mapping[str, Any], source: tuple[str, str], **kept: Any) -> RawService:
    """The checked fields as one row for records.check (which normalises, like every import)."""
    return RawService(
        source=source[0],
        source_id=source[1],
        name=values["name"],
        categories=values["categories"],
        organization=values.get("organization"),
        address=values.get("address"),
        city=values.get("city"),
        state=values.get("state"),
        zip=values.get("zip"),
        latitude=values.get("latitude"),
        longitude=values.get("longitude"),
        phone=values.get("phone"),
        hours_text=values.get("hours"),
        timezone=values.get("timezone"),
        notes=values.get("notes"),
        last_verified=values.get("last_verified"),
        phone_extension=values.get("phone_extension"),
        location_kind=values.get("location_kind"),
        service_area=values.get("service_area"),
        languages=values.get("languages") or [],
        **kept,
    )


def _record(raw: RawService, default_timezone: str):
    checked = check(raw, default_timezone)
    if checked.record is None:  # validate.complete() let through something check() refuses
        raise Invalid(N_("This service cannot be placed on the map: give its ZIP code."), field="zip")
    return checked.record


def create(
    conn: Connection, actor: Actor, now: datetime, values: Mapping[str, Any], *, default_timezone: str
) -> dict[str, Any]:
    """Add one service by hand; without coordinates it sits at its ZIP's centre."""
    _admin(actor)
    cleaned, problems = check_fields(values, now.date())
    fields = {name: None for name in FIELDS} | cleaned
    complete(fields, problems)
    reasons = {c: BY_HAND for c in fields["categories"]}
    raw = _raw(fields, (HAND_SOURCE, uuid.uuid4().hex), category_reasons=reasons)
    service_id = store.save_one(conn, _record(raw, default_timezone), now)
    created = get(conn, actor, now, service_id)
    audit.record(
        conn, now, actor.staff_id, "service_created", "service", service_id, _detail(actor, raw.name)
    )
    return created


def _same(field: str, given: Any, shown: Any) -> bool:
    """Is this what the service already says (as shown on the page or returned by the API)?"""
    if field == "location_kind":  # placed exactly or at its ZIP's centre, both are "a place"
        place = (None, "", "place", "zip_centre")
        return given == shown or (given in place and shown in place)
    if given is None or given == "" or given == []:
        return shown in (None, "", [])
    if isinstance(shown, float) or field in ("latitude", "longitude"):
        try:
            return shown is not None and float(str(given).strip()) == float(shown)
        except ValueError:
            return False
    if isinstance(shown, list):
        items = given if isinstance(given, list) else str(given).replace(";", ",").split(",")
        return sorted(str(i).strip() for i in items if str(i).strip()) == sorted(shown)
    return " ".join(str(given).split()) == (shown if isinstance(shown, str) else str(shown or ""))


def update(
    conn: Connection,
    actor: Actor,
    now: datetime,
    service_id: int,
    changes: Mapping[str, Any],
    *,
    default_timezone: str,
) -> dict[str, Any]:
    """Change the fields given (a whole form, or a JSON PATCH); fields that already say the same are
    left alone (never re-checked). What changed is remembered: a later import keeps it."""
    _admin(actor)
    row = load(conn, service_id)
    current = view(row, store.categories_of(conn, [service_id])[service_id])
    given = {k: v for k, v in changes.items() if k not in current or not _same(k, v, current[k])}
    cleaned, problems = check_fields(given, now.date())
    if cleaned.get("phone"):  # "434-555-0141 ext. 12": the extension has its own field
        cleaned["phone"], extension = split_phone(cleaned["phone"])
        if extension and "phone_extension" not in cleaned:
            cleaned["phone_extension"] = extension
    changed = {k for k, v in cleaned.items() if not _same(k, v, current[k])}
    if not changed and not problems:
        return current
    fields = {name: current[name] for name in FIELDS} | {k: cleaned[k] for k in changed}
    fields["last_verified"] = cleaned.get("last_verified", row.last_verified)
    if changed & set(PLACE_FIELDS) and not changed & {"latitude", "longitude"}:
        fields.update(latitude=None, longitude=None)
        if "timezone" not in changed and "timezone" not in current["edited_fields"]:
            fields["timezone"] = None  # the new ZIP's, unless an admin chose one
    if fields.get("location_kind") in ("place", "zip_centre"):
        fields["location_kind"] = None  # a place, or at its ZIP when it has no coordinates
    complete(fields, problems)
    kept_reasons = current["category_reasons"]
    raw = _raw(
        fields,
        (row.source, row.source_id),
        is_demo=bool(row.is_demo),
        area_zips=(row.area_zips or "").split(),
        category_reasons={c: kept_reasons.get(c, BY_HAND) for c in fields["categories"]},
    )
    if "hours" not in changed and row.hours:
        raw.hours, raw.hours_text = from_json(row.hours), None  # stored rules, even ones text can't say
    edited_fields = set(current["edited_fields"]) | changed
    store.save_one(conn, _record(raw, default_timezone), now, service_id, sorted(edited_fields))
    detail = _detail(actor, ", ".join(sorted(changed)))
    audit.record(conn, now, actor.staff_id, "service_changed", "service", service_id, detail)
    return get(conn, actor, now, service_id)


def delete(conn: Connection, actor: Actor, now: datetime, service_id: int) -> None:
    _admin(actor)
    row = load(conn, service_id)
    # An imported service stays deleted when its source is imported again (the demo can be reloaded).
    from_a_file = row.source not in (HAND_SOURCE, "api") and not row.is_demo
    store.delete_service(conn, service_id, remember_at=now if from_a_file else None)
    audit.record(
        conn, now, actor.staff_id, "service_deleted", "service", service_id, _detail(actor, row.name)
    )


def remove_demo(conn: Connection, actor: Actor, now: datetime) -> int:
    """Delete every demo service; how many went (nothing to remove: no change, no audit row)."""
    _admin(actor)
    removed = store.delete_demo(conn)
    if removed:
        detail = _detail(actor, f"{removed} demo service{'s' if removed != 1 else ''}")
        audit.record(conn, now, actor.staff_id, "directory_demo_removed", None, None, detail)
    return removed


def import_file(
    conn: Connection,
    actor: Actor,
    now: datetime,
    path: Path,
    options: ImportOptions,
    *,
    dry_run: bool = False,
    on_start: Callable[[int | None], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import a file or package (see importer.py): one audit row for the whole import, none for a
    dry run (it writes nothing)."""
    _admin(actor)
    try:
        summary = import_into(conn, now, path, options, dry_run=dry_run, on_start=on_start, on_rows=on_rows)
    except DirectoryImportError as exc:
        raise Invalid(
            N_("This file cannot be imported: %(reason)s"), field="file", values={"reason": str(exc)}
        ) from None
    if not dry_run:
        _look_for_duplicates(conn, summary, now)
        audit.record(
            conn, now, actor.staff_id, "directory_imported", None, None, _detail(actor, summary.line())
        )
    return summary


def _look_for_duplicates(conn: Connection, summary: ImportSummary, now: datetime) -> None:
    """A file imported again under another source name adds every service a second time: say so."""
    if not summary.added or summary.source is None:
        return
    twins = store.twins_elsewhere(conn, summary.source, now)
    for other, count in twins:
        summary.warn(
            "",
            f"{count} of these services have the same name and ZIP as services from the source "
            f"“{other}”: if this is the same list, import it under that source name instead "
            "(re-importing a source updates it; a new source name adds everything again)",
        )
