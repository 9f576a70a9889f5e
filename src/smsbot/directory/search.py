"""The nearest services: the database narrows to a bounding box (indexed), Python measures exactly.

1. SQL: rows of the wanted categories inside the box around the point (short range scans on the
   covering index service_category(category, lat_band, longitude, latitude, service_id): one
   longitude range per category and quarter-degree latitude band), the nearest `CANDIDATES` by a
   flat-earth distance the database can compute cheaply;
2. Python: great-circle distance, drop what lies outside the radius (the box's corners),
   then open-now first, then nearest first. "Open now" uses each service's own timezone.
   Only id, coordinates and hours travel for ranking; the shown rows are fetched by id after.
Open-now ordering therefore applies among the nearest `CANDIDATES` inside the radius.

Services that serve an area (or work by phone/online) are also found when the texter's ZIP is in
their `area_zips`; they come after the places one can walk to. For a Spanish-speaking texter,
places that offer Spanish come first among equally near ones (the same rounded mile).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection, Row

from smsbot.directory.geo import bounding_box, lat_bands, miles_between
from smsbot.directory.hours import HoursError, WeeklyHours, from_json, local_time
from smsbot.models import Service, ServiceCategory

service = Service.__table__
service_category = ServiceCategory.__table__
CANDIDATES = 20  # nearest rows the database hands over; open-now ordering happens among these
RESULTS = 30  # at most this many places per search (10 MORE pages of 3)
RINGS = (0.25, 1.0)  # parts of the radius searched in turn, until one holds CANDIDATES places

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
    service.c.location_kind,
    service.c.service_area,
    service.c.phone_extension,
    service.c.languages,
)
# Where a service is: only a `place` has an address to walk to and a distance to show.
PLACE, ZIP_CENTRE, VIRTUAL, AREA = "place", "zip_centre", "virtual", "area"
REACHED = (VIRTUAL, AREA)  # reached by phone or serving an area, not walked to


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
    location_kind: str = PLACE
    service_area: str | None = None
    phone_extension: str | None = None
    languages: tuple[str, ...] = ()

    @property
    def speaks_spanish(self) -> bool:
        return "es" in self.languages


def _hours_at(hours_json: str | None, timezone: str, now: datetime) -> tuple[WeeklyHours | None, datetime]:
    try:
        return (from_json(hours_json) if hours_json else None), local_time(now, timezone)
    except (HoursError, ValueError):
        return None, now


def _languages(text: str | None) -> tuple[str, ...]:
    return tuple((text or "").lower().split())


def _place(row: Row, lat: float, lon: float, now: datetime) -> Place:
    hours, local = _hours_at(row.hours, row.timezone, now)
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
        open_now=hours.open_at(local) if hours else None,
        local=local,
        location_kind=row.location_kind or PLACE,
        service_area=row.service_area,
        phone_extension=row.phone_extension,
        languages=_languages(row.languages),
    )


_RANKING = (
    service.c.id,
    service.c.latitude,
    service.c.longitude,
    service.c.hours,
    service.c.timezone,
    service.c.location_kind,
    service.c.languages,
)


def _candidates_statement(by_category: bool):
    """Built once: the box query with bound parameters (the hot path skips building SQL each time)."""
    table = service_category if by_category else service
    dy = table.c.latitude - bindparam("lat")
    dx = (table.c.longitude - bindparam("lon")) * bindparam("shrink")
    where = [
        table.c.latitude.between(bindparam("min_lat"), bindparam("max_lat")),
        table.c.longitude.between(bindparam("min_lon"), bindparam("max_lon")),
    ]
    if by_category:
        where.insert(0, table.c.lat_band.in_(bindparam("bands", expanding=True)))
    ranking = _RANKING
    if not by_category:
        return select(*ranking).where(*where).order_by(dy * dy + dx * dx).limit(CANDIDATES)
    distance = func.min(dy * dy + dx * dx)
    near = (
        select(table.c.service_id.label("id"), distance.label("d2"))
        .where(table.c.category.in_(bindparam("categories", expanding=True)), *where)
        .group_by(table.c.service_id)
        .order_by(distance)
        .limit(CANDIDATES)
        .subquery()
    )
    return select(*ranking).join_from(near, service, service.c.id == near.c.id)


def _area_statement(by_category: bool):
    """Built once: services reached by phone or serving an area whose ZIP list holds the texter's ZIP."""
    statement = select(*_RANKING).where(
        service.c.location_kind.in_(REACHED), service.c.area_zips.like(bindparam("zip_pattern"))
    )
    if by_category:
        in_category = select(service_category.c.service_id).where(
            service_category.c.service_id == service.c.id,
            service_category.c.category.in_(bindparam("categories", expanding=True)),
        )
        statement = statement.where(in_category.exists())
    return statement.limit(CANDIDATES)


_BY_CATEGORY = _candidates_statement(True)
_ANY_CATEGORY = _candidates_statement(False)
_AREA_BY_CATEGORY = _area_statement(True)
_AREA_ANY_CATEGORY = _area_statement(False)
_BY_IDS = select(*_COLUMNS).where(service.c.id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True)
class Ranked:
    id: int
    miles: float
    open_now: bool | None
    location_kind: str = PLACE
    speaks_spanish: bool = False

    def key(self, language: str | None) -> tuple:
        """Walkable places first, open now first, then nearest; Spanish first among equally near."""
        reached = self.location_kind in REACHED
        if language == "es":
            return (
                reached,
                not self.open_now,
                round(self.miles),
                not self.speaks_spanish,
                self.miles,
                self.id,
            )
        return (reached, not self.open_now, self.miles, self.id)


Candidate = tuple[float, int, str | None, str, str | None, str | None]  # miles, id, hours, tz, kind, langs


def _within(
    conn: Connection, lat: float, lon: float, categories: Sequence[str] | None, radius_miles: float
) -> list[Candidate]:
    """(miles, id, hours, timezone, kind, languages) of the nearest CANDIDATES inside the radius."""
    box = bounding_box(lat, lon, radius_miles)
    params = {
        "lat": lat,
        "lon": lon,
        "shrink": math.cos(math.radians(lat)),  # a degree of longitude is this many degrees of latitude here
        "min_lat": box.min_lat,
        "max_lat": box.max_lat,
        "min_lon": box.min_lon,
        "max_lon": box.max_lon,
    }
    if categories:
        rows = conn.execute(_BY_CATEGORY, {**params, "categories": list(categories), "bands": lat_bands(box)})
    else:
        rows = conn.execute(_ANY_CATEGORY, params)
    found = []
    for id_, s_lat, s_lon, hours_json, timezone, kind, languages in rows:
        miles = miles_between(lat, lon, s_lat, s_lon)
        if miles <= radius_miles:  # the box's corners lie outside the circle
            found.append((miles, id_, hours_json, timezone, kind, languages))
    return found


def _serving_zip(
    conn: Connection, lat: float, lon: float, categories: Sequence[str] | None, zip_code: str
) -> list[Candidate]:
    """Services (by phone or serving an area) whose area lists this ZIP, wherever their centre is."""
    params: dict = {"zip_pattern": f"%{zip_code}%"}
    if categories:
        rows = conn.execute(_AREA_BY_CATEGORY, {**params, "categories": list(categories)})
    else:
        rows = conn.execute(_AREA_ANY_CATEGORY, params)
    return [
        (miles_between(lat, lon, s_lat, s_lon), id_, hours_json, timezone, kind, languages)
        for id_, s_lat, s_lon, hours_json, timezone, kind, languages in rows
    ]


def rank(
    conn: Connection,
    lat: float,
    lon: float,
    categories: Sequence[str] | None,
    now: datetime,
    radius_miles: float,
    limit: int = RESULTS,
    zip_code: str | None = None,
    language: str | None = None,
) -> list[Ranked]:
    """Services of any of `categories` (None = all) within `radius_miles` (or serving `zip_code`):
    walkable places before the rest, open now first, then nearest (see the module docstring)."""
    for fraction in RINGS:
        # Where places are dense, a small circle already holds the nearest CANDIDATES: anything
        # outside it is farther than all of them, so the wide search is not needed.
        found = _within(conn, lat, lon, categories, radius_miles * fraction)
        if len(found) >= CANDIDATES:
            break
    if zip_code:
        seen = {candidate[1] for candidate in found}
        found += [c for c in _serving_zip(conn, lat, lon, categories, zip_code) if c[1] not in seen]
    ranked = []
    for miles, id_, hours_json, timezone, kind, languages in found:
        hours, local = _hours_at(hours_json, timezone, now)
        open_now = hours.open_at(local) if hours else None
        ranked.append(Ranked(id_, miles, open_now, kind or PLACE, "es" in _languages(languages)))
    ranked.sort(key=lambda r: r.key(language))
    return ranked[:limit]


def places_by_id(conn: Connection, ids: Sequence[int], lat: float, lon: float, now: datetime) -> list[Place]:
    """These services (in the order given; ones deleted since are left out), measured from (lat, lon)."""
    if not ids:
        return []
    rows = {row.id: row for row in conn.execute(_BY_IDS, {"ids": list(ids)})}
    return [_place(rows[i], lat, lon, now) for i in ids if i in rows]


def nearest(
    conn: Connection,
    lat: float,
    lon: float,
    categories: Sequence[str] | None,
    now: datetime,
    radius_miles: float,
    limit: int = RESULTS,
    zip_code: str | None = None,
    language: str | None = None,
) -> list[Place]:
    """The `limit` best places (see `rank`), with everything a reply shows."""
    ranked = rank(conn, lat, lon, categories, now, radius_miles, limit, zip_code, language)
    return places_by_id(conn, [r.id for r in ranked], lat, lon, now)
