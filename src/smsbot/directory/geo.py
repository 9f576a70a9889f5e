"""ZIP → latitude/longitude offline (the `zipcodes` package, GeoNames data, CC BY 4.0), distances, boxes.

A ZIP the package does not know (or a military APO/FPO code, which has no place) gives None:
callers answer "I don't know that ZIP" rather than guessing a location.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass

import zipcodes

EARTH_RADIUS_MILES = 3958.7613  # mean Earth radius (IUGG), in statute miles
# Latitude bands of a quarter degree (about 17 miles): the index looks up a handful of bands,
# then a longitude range inside each, instead of one latitude stripe across the whole country.
LAT_BAND_DEGREES = 0.25
_ZIP = re.compile(r"^\s*(\d{5})(?:\s*-?\s*\d{4})?\s*$")


@dataclass(frozen=True)
class ZipPoint:
    zip_code: str
    latitude: float
    longitude: float
    timezone: str | None  # IANA name, e.g. America/New_York; None when the package has none
    city: str
    state: str


@dataclass(frozen=True)
class Box:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


_index: dict[str, ZipPoint] | None = None
_lock = threading.Lock()


def _load_index() -> dict[str, ZipPoint]:
    """All ZIPs in one dict, built once per process (~0.4 s): lookups are then O(1)."""
    global _index
    with _lock:
        if _index is None:
            index: dict[str, ZipPoint] = {}
            for row in zipcodes.list_all():
                if row.get("zip_code_type") == "MILITARY" or not row.get("lat") or not row.get("long"):
                    continue
                index[row["zip_code"]] = ZipPoint(
                    zip_code=row["zip_code"],
                    latitude=float(row["lat"]),
                    longitude=float(row["long"]),
                    timezone=row.get("timezone") or None,
                    city=row.get("city") or "",
                    state=row.get("state") or "",
                )
            _index = index
    return _index


def normalize_zip(text: str | None) -> str | None:
    """ "22902", "22902-1234", "229021234" → "22902"; anything else → None."""
    if not text:
        return None
    match = _ZIP.match(text)
    return match.group(1) if match else None


def zip_point(text: str | None) -> ZipPoint | None:
    """Where a US ZIP (or ZIP+4) is, or None when it is not a ZIP we know."""
    zip5 = normalize_zip(text)
    if zip5 is None:
        return None
    index = _index if _index is not None else _load_index()
    return index.get(zip5)


def all_zip_points() -> list[ZipPoint]:
    """Every known ZIP (the benchmark draws from these)."""
    return list(_load_index().values())


def miles_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles (haversine: stable for short distances)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, miles: float) -> Box:
    """A lat/lon box that contains every point within `miles` of (lat, lon)."""
    dlat = math.degrees(miles / EARTH_RADIUS_MILES)
    # Longitude degrees shrink towards the poles: size the box at its edge nearest a pole.
    widest = min(89.9, abs(lat) + dlat)
    dlon = min(180.0, math.degrees(miles / (EARTH_RADIUS_MILES * math.cos(math.radians(widest)))))
    return Box(
        min_lat=max(-90.0, lat - dlat),
        max_lat=min(90.0, lat + dlat),
        min_lon=max(-180.0, lon - dlon),
        max_lon=min(180.0, lon + dlon),
    )


def lat_band(latitude: float) -> int:
    """The LAT_BAND_DEGREES-high band a latitude falls in (the directory index's first narrowing)."""
    return math.floor(latitude / LAT_BAND_DEGREES)


def lat_bands(box: Box) -> list[int]:
    """Every band a box touches (about 4 for a 25-mile radius)."""
    return list(range(lat_band(box.min_lat), lat_band(box.max_lat) + 1))


def valid_coordinates(latitude: float, longitude: float) -> str | None:
    """Why a coordinate pair cannot be a place, or None when it can."""
    if not math.isfinite(latitude) or not -90 <= latitude <= 90:
        return f"latitude {latitude:g} is out of range (-90 to 90)"
    if not math.isfinite(longitude) or not -180 <= longitude <= 180:
        return f"longitude {longitude:g} is out of range (-180 to 180)"
    if latitude == 0 and longitude == 0:
        return "coordinates 0,0 are a placeholder, not a place"
    return None
