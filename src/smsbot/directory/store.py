"""Writing services: batched upserts keyed on (source, source_id), single edits for the API, deletes.

`service_category` repeats each service's coordinates and latitude band (for the category +
bounding-box index); every write goes through this module so the two tables never disagree.
Fields an admin edited (`edited_fields`, written by directory/service.py) are kept when a file is
imported again, and each one the file would have changed is reported as a conflict; an imported
service an admin deleted (`service_removed`) is not imported again.
"""

from __future__ import annotations

import calendar
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from smsbot.directory.geo import lat_band
from smsbot.directory.records import ServiceRecord
from smsbot.models import Service, ServiceCategory
from smsbot.models.directory import ServiceRemoved

service = Service.__table__
service_category = ServiceCategory.__table__
removed = ServiceRemoved.__table__
# The shipped DEMO directory (invented places): `smsbot directory demo` loads it, delete_demo removes it.
DEMO_CSV = Path(__file__).parent / "demo" / "services.csv"


def _category_rows(service_id: int, record: ServiceRecord) -> list[dict]:
    band = lat_band(record.latitude)
    return [
        {
            "service_id": service_id,
            "category": c,
            "lat_band": band,
            "latitude": record.latitude,
            "longitude": record.longitude,
        }
        for c in record.categories
    ]


# An edited field → the columns kept with it. Coordinates follow an edited address: the file's
# coordinates belong to the file's address.
EDIT_COLUMNS = {
    "name": ("name",),
    "organization": ("organization",),
    "address": ("address", "latitude", "longitude", "location_kind"),
    "city": ("city", "latitude", "longitude", "location_kind"),
    "state": ("state",),
    "zip": ("zip", "latitude", "longitude", "location_kind"),
    "latitude": ("latitude", "longitude", "location_kind"),
    "longitude": ("latitude", "longitude", "location_kind"),
    "phone": ("phone", "phone_extension"),
    "phone_extension": ("phone_extension",),
    "hours": ("hours",),
    "timezone": ("timezone",),
    "notes": ("notes",),
    "last_verified": ("last_verified",),
    "categories": ("category_reasons",),
    "languages": ("languages",),
    "location_kind": ("location_kind",),
    "service_area": ("service_area", "area_zips"),
}


@dataclass
class BatchResult:
    added: int = 0
    updated: int = 0
    conflicts: list[str] = field(default_factory=list)
    deleted_here: list[str] = field(default_factory=list)  # rows of services an admin deleted: skipped


def edited(value: str | None) -> list[str]:
    try:
        fields = json.loads(value) if value else []
    except ValueError:
        return []
    return [f for f in fields if isinstance(f, str)] if isinstance(fields, list) else []


def _existing(
    conn: Connection, records: Sequence[ServiceRecord]
) -> dict[tuple[str, str], tuple[int, list[str]]]:
    """(id, edited fields) of the stored services with these (source, source_id) keys."""
    found: dict[tuple[str, str], tuple[int, list[str]]] = {}
    by_source: dict[str, list[str]] = defaultdict(list)
    for record in records:
        by_source[record.source].append(record.source_id)
    for source, source_ids in by_source.items():
        rows = conn.execute(
            select(service.c.id, service.c.source_id, service.c.edited_fields).where(
                service.c.source == source, service.c.source_id.in_(source_ids)
            )
        )
        found.update(((source, source_id), (id_, edited(fields))) for id_, source_id, fields in rows)
    return found


def _ids(conn: Connection, records: Sequence[ServiceRecord]) -> dict[tuple[str, str], int]:
    return {key: id_ for key, (id_, _) in _existing(conn, records).items()}


def _keep_edits(
    conn: Connection, pending: list[tuple[int, str, dict, list[str], ServiceRecord]]
) -> list[str]:
    """Put the edited columns' stored values back into each row; the conflicts, for the summary."""
    if not pending:
        return []
    stored = {r.id: r for r in conn.execute(select(service).where(service.c.id.in_([p[0] for p in pending])))}
    kept_categories = categories_of(conn, [p[0] for p in pending])
    conflicts = []
    for service_id, where, values, fields, record in pending:
        old = stored[service_id]._mapping
        changed = []
        for name in fields:
            columns = EDIT_COLUMNS.get(name, ())
            if name == "categories":
                if sorted(record.categories) != sorted(kept_categories[service_id]):
                    changed.append(name)
                record.categories = kept_categories[service_id] or record.categories
            elif columns and values[columns[0]] != old[columns[0]]:
                changed.append(name)
            for column in columns:
                values[column] = old[column]
        record.latitude, record.longitude = values["latitude"], values["longitude"]
        if changed:
            plural = "s" if len(changed) > 1 else ""
            conflicts.append(f"{where}: {record.name!r}: kept your edit{plural} to {', '.join(changed)}")
    return conflicts


def upsert_batch(
    conn: Connection, rows: Sequence[tuple[str, ServiceRecord]], now: datetime, write: bool = True
) -> BatchResult:
    """Insert new services and update known ones (same source and source_id), keeping edited fields.

    `rows` are (where in the file, record) with distinct (source, source_id); `write=False` only counts.
    """
    result = BatchResult()
    gone = _deleted_here(conn, [r for _, r in rows])
    if gone:
        result.deleted_here = [
            f"{w}: {r.name!r}: deleted here, so not imported again" for w, r in rows if _key(r) in gone
        ]
        rows = [(w, r) for w, r in rows if _key(r) not in gone]
    if not rows:
        return result
    records = [r for _, r in rows]
    existing = _existing(conn, records)
    new = [r for r in records if (r.source, r.source_id) not in existing]
    known = [(w, r) for w, r in rows if (r.source, r.source_id) in existing]
    result.added, result.updated = len(new), len(known)
    values_of = {id(r): r.row() for _, r in known}
    pending = [
        (existing[(r.source, r.source_id)][0], w, values_of[id(r)], existing[(r.source, r.source_id)][1], r)
        for w, r in known
        if existing[(r.source, r.source_id)][1]
    ]
    result.conflicts = _keep_edits(conn, pending)
    if not write:
        return result
    category_rows: list[dict] = []
    if new:
        # A plain executemany, then the ids by key: INSERT ... RETURNING for many rows is ~10x
        # slower on psycopg (one huge statement to parse) than a pipelined executemany.
        stamps = {"created_at": now, "updated_at": now, "imported_at": now}
        conn.execute(insert(service), [{**r.row(), **stamps} for r in new])
        ids = _ids(conn, new)
        for record in new:
            category_rows.extend(_category_rows(ids[(record.source, record.source_id)], record))
    if known:
        ids = [existing[(r.source, r.source_id)][0] for _, r in known]
        first = values_of[id(known[0][1])]
        values = {c: bindparam(f"v_{c}") for c in first if c not in ("source", "source_id")}
        conn.execute(
            update(service)
            .where(service.c.id == bindparam("v_id"))
            .values(**values, updated_at=now, imported_at=now),
            [
                {"v_id": i, **{f"v_{k}": v for k, v in values_of[id(r)].items()}}
                for i, (_, r) in zip(ids, known, strict=True)
            ],
        )
        conn.execute(delete(service_category).where(service_category.c.service_id.in_(ids)))
        for service_id, (_, record) in zip(ids, known, strict=True):
            category_rows.extend(_category_rows(service_id, record))
    if category_rows:
        conn.execute(insert(service_category), category_rows)
    return result


def _key(record: ServiceRecord) -> tuple[str, str]:
    return record.source, record.source_id


def _deleted_here(conn: Connection, records: Sequence[ServiceRecord]) -> set[tuple[str, str]]:
    """The (source, id) keys among these that an admin deleted (delete_service remembered them)."""
    found: set[tuple[str, str]] = set()
    by_source: dict[str, list[str]] = defaultdict(list)
    for record in records:
        by_source[record.source].append(record.source_id)
    for source, source_ids in by_source.items():
        query = select(removed.c.source_id).where(
            removed.c.source == source, removed.c.source_id.in_(source_ids)
        )
        found.update((source, source_id) for (source_id,) in conn.execute(query))
    return found


def upsert_records(conn: Connection, records: Sequence[ServiceRecord], now: datetime) -> tuple[int, int]:
    """Insert or update (see upsert_batch). Returns (added, updated)."""
    result = upsert_batch(conn, [("", r) for r in records], now)
    return result.added, result.updated


def save_one(
    conn: Connection,
    record: ServiceRecord,
    now: datetime,
    service_id: int | None = None,
    edited_fields: Sequence[str] | None = None,
) -> int:
    """Create (service_id None) or replace one service; returns its id. `edited_fields`: what an
    admin changed by hand (kept by later imports)."""
    extra = {"edited_fields": json.dumps(sorted(set(edited_fields)))} if edited_fields else {}
    if service_id is None:
        service_id = conn.execute(
            insert(service)
            .values(**record.row(), **extra, created_at=now, updated_at=now)
            .returning(service.c.id)
        ).scalar_one()
    else:
        values = {k: v for k, v in record.row().items() if k not in ("source", "source_id")} | extra
        conn.execute(update(service).where(service.c.id == service_id).values(**values, updated_at=now))
        conn.execute(delete(service_category).where(service_category.c.service_id == service_id))
    conn.execute(insert(service_category), _category_rows(service_id, record))
    return service_id


def delete_service(conn: Connection, service_id: int, remember_at: datetime | None = None) -> bool:
    """Delete one service; `remember_at`: keep its (source, id) so importing its source again skips it."""
    if remember_at is not None:
        row = conn.execute(
            select(service.c.source, service.c.source_id, service.c.name).where(service.c.id == service_id)
        ).first()
        if row is not None:
            conn.execute(
                insert(removed).values(
                    source=row.source, source_id=row.source_id, name=row.name, removed_at=remember_at
                )
            )
    # Categories first: no reliance on ON DELETE CASCADE being enabled on every connection.
    conn.execute(delete(service_category).where(service_category.c.service_id == service_id))
    return conn.execute(delete(service).where(service.c.id == service_id)).rowcount > 0


def delete_demo(conn: Connection) -> int:
    """Remove every demo service; returns how many went."""
    demo_ids = select(service.c.id).where(service.c.is_demo.is_(True)).scalar_subquery()
    conn.execute(delete(service_category).where(service_category.c.service_id.in_(demo_ids)))
    return conn.execute(delete(service).where(service.c.is_demo.is_(True))).rowcount


def categories_of(conn: Connection, service_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if service_ids:
        rows = conn.execute(
            select(service_category.c.service_id, service_category.c.category)
            .where(service_category.c.service_id.in_(list(service_ids)))
            .order_by(service_category.c.service_id, service_category.c.category)
        )
        for service_id, category in rows:
            found[service_id].append(category)
    return found


def stale_before(today: date, months: int) -> date:
    """The date `months` months before today (the 31st → the month's last day)."""
    month = today.month - months
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def stale_filter(today: date, months: int):
    """Services never verified, or verified before `months` months ago (a WHERE clause)."""
    return or_(service.c.last_verified.is_(None), service.c.last_verified < stale_before(today, months))


def stale_services(conn: Connection, today: date, months: int) -> list:
    """The services that need a check, oldest first (never checked before all)."""
    query = (
        select(service.c.id, service.c.name, service.c.source, service.c.last_verified)
        .where(stale_filter(today, months))
        .order_by(service.c.last_verified.is_not(None), service.c.last_verified, service.c.name)
    )
    return list(conn.execute(query))


def twins_elsewhere(conn: Connection, source: str, added_since: datetime) -> list[tuple[str, int]]:
    """(other source, how many) of the services `source` added since then that share a name and ZIP
    with a service from another source: the same list imported under two names."""
    key = (func.lower(service.c.name), func.coalesce(service.c.zip, ""))
    added = {
        (name, zip5)
        for name, zip5 in conn.execute(
            select(*key).where(service.c.source == source, service.c.created_at >= added_since)
        )
    }
    found: Counter[str] = Counter()
    if added:
        others = select(service.c.source, *key).where(service.c.source != source)
        for other, name, zip5 in conn.execute(others):
            if (name, zip5) in added:
                found[other] += 1
    return found.most_common()
