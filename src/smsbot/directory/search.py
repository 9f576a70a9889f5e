"""The nearest services: the database narrows to a bounding box (indexed), Python measures exactly.

1. SQL: rows of the wanted categories inside the box around the point (a range scan on the
   covering index service_category(category, latitude, longitude, service_id)), the nearest
   `CANDIDATES` by a flat-earth distance the database can compute cheaply;
2. Python: great-circle distance, drop what lies outside the radius (the box's corners),
   then open-now first, then nearest first. "Open now" uses each service's own timezone.
Open-now ordering therefore applies among the nearest `CANDIDATES` inside the radius.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row

from smsbot.directory.geo import bounding_box, miles_between
from smsbot.directory.hours import HoursError, WeeklyHours, from_json, local_time
from smsbot.models import Service, ServiceCategory

service = Service.__table__
service_category = ServiceCategory.__table__
CANDIDATES = 60  # nearest rows the database hands over; open-now ordering happens among these
RESULTS = 30  # at most this many places per search (10 MORE pages of 3)

_COLUMNS = (
    service.c.id,
    service.c.name,
    service.c.address,
    service.c.city,
    service.c.state,
    service.c.zip,
    service.c.phone,
    service.c.latitude,
    service.c.longitude,
    service.c.hours,
    service.c.timezone,
    service.c.last_verified,
    service.c.is_demo,
)


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    address: str | None
    city: str | None
    state: str | None
    zip: str | None
    phone: str | None
    latitude: float
    longitude: float
    hours: WeeklyHours | None
    timezone: str
    last_verified: date | None
    is_demo: bool
    miles: float
    open_now: bool | None  # None: hours unknown
    local: datetime  # the service's wall-clock time at the search


def _place(row: Row, lat: float, lon: float, now: datetime) -> Place:
    try:
        hours = from_json(row.hours) if row.hours else None
        local = local_time(now, row.timezone)
    except (HoursError, ValueError):
        hours, local = None, now
    return Place(
        id=row.id,
        name=row.name,
        address=row.address,
        city=row.city,
        state=row.state,
        zip=row.zip,
        phone=row.phone,
        latitude=row.latitude,
        longitude=row.longitude,
        hours=hours,
        timezone=row.timezone,
        last_verified=row.last_verified,
        is_demo=bool(row.is_demo),
        miles=miles_between(lat, lon, row.latitude, row.longitude),
        open_now=hours.is_open_at(local) if hours else None,
        local=local,
    )


def _order(places: list[Place]) -> list[Place]:
    return sorted(places, key=lambda p: (not p.open_now, p.miles, p.id))


def nearest(
    conn: Connection,
    lat: float,
    lon: float,
    categories: Sequence[str] | None,
    now: datetime,
    radius_miles: float,
    limit: int = RESULTS,
) -> list[Place]:
    """Places of any of `categories` (None = all) within `radius_miles`: open now first, then nearest."""
    box = bounding_box(lat, lon, radius_miles)
    shrink = math.cos(math.radians(lat))  # a degree of longitude is this many degrees of latitude here
    if categories:
        table = service_category
        where = [table.c.category.in_(list(categories))]
    else:
        table = service
        where = []
    dy = table.c.latitude - lat
    dx = (table.c.longitude - lon) * shrink
    where += [
        table.c.latitude.between(box.min_lat, box.max_lat),
        table.c.longitude.between(box.min_lon, box.max_lon),
    ]
    if categories:
        distance = func.min(dy * dy + dx * dx)
        near = (
            select(table.c.service_id.label("id"), distance.label("d2"))
            .where(*where)
            .group_by(table.c.service_id)
            .order_by(distance)
            .limit(CANDIDATES)
            .subquery()
        )
        stmt = select(*_COLUMNS).join_from(near, service, service.c.id == near.c.id)
    else:
        stmt = select(*_COLUMNS).where(*where).order_by(dy * dy + dx * dx).limit(CANDIDATES)
    places = [_place(row, lat, lon, now) for row in conn.execute(stmt)]
    return _order([p for p in places if p.miles <= radius_miles])[:limit]


def places_by_id(conn: Connection, ids: Sequence[int], lat: float, lon: float, now: datetime) -> list[Place]:
    """These services (in the order given; ones deleted since are left out), measured from (lat, lon)."""
    if not ids:
        return []
    rows = {row.id: row for row in conn.execute(select(*_COLUMNS).where(service.c.id.in_(list(ids))))}
    return [_place(rows[i], lat, lon, now) for i in ids if i in rows]
