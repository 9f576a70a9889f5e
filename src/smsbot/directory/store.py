"""Writing services: batched upserts keyed on (source, source_id), single edits for the API, deletes.

`service_category` repeats each service's coordinates and latitude band (for the category +
bounding-box index);
every write goes through this module so the two tables never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from smsbot.directory.geo import lat_band
from smsbot.directory.records import ServiceRecord
from smsbot.models import Service, ServiceCategory

service = Service.__table__
service_category = ServiceCategory.__table__


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


def _ids(conn: Connection, records: Sequence[ServiceRecord]) -> dict[tuple[str, str], int]:
    """Ids of the stored services with these (source, source_id) keys."""
    found: dict[tuple[str, str], int] = {}
    by_source: dict[str, list[str]] = defaultdict(list)
    for record in records:
        by_source[record.source].append(record.source_id)
    for source, source_ids in by_source.items():
        rows = conn.execute(
            select(service.c.id, service.c.source_id).where(
                service.c.source == source, service.c.source_id.in_(source_ids)
            )
        )
        found.update(((source, source_id), id_) for id_, source_id in rows)
    return found


def upsert_records(conn: Connection, records: Sequence[ServiceRecord], now: datetime) -> tuple[int, int]:
    """Insert new services and update known ones (same source and source_id). Returns (added, updated).

    Records must have distinct (source, source_id) within one call (the importer de-duplicates).
    """
    if not records:
        return 0, 0
    existing = _ids(conn, records)

    new = [r for r in records if (r.source, r.source_id) not in existing]
    known = [r for r in records if (r.source, r.source_id) in existing]
    category_rows: list[dict] = []
    if new:
        # A plain executemany, then the ids by key: INSERT ... RETURNING for many rows is ~10x
        # slower on psycopg (one huge statement to parse) than a pipelined executemany.
        conn.execute(insert(service), [{**r.row(), "created_at": now, "updated_at": now} for r in new])
        ids = _ids(conn, new)
        for record in new:
            category_rows.extend(_category_rows(ids[(record.source, record.source_id)], record))
    if known:
        ids = [existing[(r.source, r.source_id)] for r in known]
        values = {c: bindparam(f"v_{c}") for c in known[0].row() if c not in ("source", "source_id")}
        conn.execute(
            update(service).where(service.c.id == bindparam("v_id")).values(**values, updated_at=now),
            [
                {"v_id": i, **{f"v_{k}": v for k, v in r.row().items()}}
                for i, r in zip(ids, known, strict=True)
            ],
        )
        conn.execute(delete(service_category).where(service_category.c.service_id.in_(ids)))
        for service_id, record in zip(ids, known, strict=True):
            category_rows.extend(_category_rows(service_id, record))
    if category_rows:
        conn.execute(insert(service_category), category_rows)
    return len(new), len(known)


def save_one(conn: Connection, record: ServiceRecord, now: datetime, service_id: int | None = None) -> int:
    """Create (service_id None) or replace one service; returns its id."""
    if service_id is None:
        service_id = conn.execute(
            insert(service).values(**record.row(), created_at=now, updated_at=now).returning(service.c.id)
        ).scalar_one()
    else:
        values = {k: v for k, v in record.row().items() if k not in ("source", "source_id")}
        conn.execute(update(service).where(service.c.id == service_id).values(**values, updated_at=now))
        conn.execute(delete(service_category).where(service_category.c.service_id == service_id))
    conn.execute(insert(service_category), _category_rows(service_id, record))
    return service_id


def delete_service(conn: Connection, service_id: int) -> bool:
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
