"""Alert areas as ZIPs: a ZIP's name ("22902, Charlottesville VA"), and the ZIPs within N miles of a point,
offline from the `zipcodes` package (the directory's data; it sits in a layer this package cannot import).
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass

import zipcodes

from smsbot.errors import N_, Invalid

EARTH_RADIUS_MILES = 3958.7613
MAX_RADIUS_MILES = 100.0  # past this an "area" is a region: pick ZIPs instead
MAX_AREA_ZIPS = 400
_ZIP = re.compile(r"^\s*(\d{5})(?:\s*-?\s*\d{4})?\s*$")


@dataclass(frozen=True)
class Place:
    zip_code: str
    latitude: float
    longitude: float
    city: str
    state: str

    @property
    def name(self) -> str:
        """How a text names the area: "22902 (Charlottesville, VA)"."""
        where = ", ".join(part for part in (self.city.title(), self.state) if part)
        return f"{self.zip_code} ({where})" if where else self.zip_code


_index: dict[str, Place] | None = None
_lock = threading.Lock()


def _places() -> dict[str, Place]:
    """Every ZIP with a place, built once per process."""
    global _index
    with _lock:
        if _index is None:
            _index = {
                row["zip_code"]: Place(
                    row["zip_code"],
                    float(row["lat"]),
                    float(row["long"]),
                    row.get("city") or "",
                    row["state"],
                )
                for row in zipcodes.list_all()
                if row.get("zip_code_type") != "MILITARY" and row.get("lat") and row.get("long")
            }
    return _index


def zip5(text: str | None) -> str | None:
    """ "22902", "22902-1234" -> "22902"; anything else -> None."""
    match = _ZIP.match(text or "")
    return match.group(1) if match else None


def place(text: str | None) -> Place | None:
    """The place of a US ZIP, or None when it is not one we know."""
    code = zip5(text)
    return _places().get(code) if code else None


def _miles(a: Place, b: Place) -> float:
    phi1, phi2 = math.radians(a.latitude), math.radians(b.latitude)
    dphi, dlambda = phi2 - phi1, math.radians(b.longitude - a.longitude)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def within(center_zip: str, miles: float) -> list[str]:
    """The ZIPs whose centre is within `miles` of this ZIP's centre (itself included), sorted."""
    center = place(center_zip)
    if center is None:
        raise Invalid(N_("that is not a US ZIP code we know"), field="center_zip")
    return _around(center, miles)


def around(latitude: float, longitude: float, miles: float) -> list[str]:
    """The ZIPs whose centre is within `miles` of a point, and the ZIP nearest it (the one the point is
    most likely in, even when no centre is that close), sorted."""
    center = Place("", latitude, longitude, "", "")
    nearest = min(_places().values(), key=lambda p: _miles(center, p))
    return sorted({nearest.zip_code, *_around(center, miles)})


def _around(center: Place, miles: float) -> list[str]:
    if not (0 < miles <= MAX_RADIUS_MILES) or not math.isfinite(miles):
        raise Invalid(
            N_("the radius must be more than 0 and at most %(most)s miles"),
            field="radius",
            values={"most": f"{MAX_RADIUS_MILES:g}"},
        )
    found = sorted(p.zip_code for p in _places().values() if _miles(center, p) <= miles)
    if len(found) > MAX_AREA_ZIPS:
        raise Invalid(
            N_("that area has %(count)s ZIPs; keep it under %(most)s"),
            field="radius",
            values={"count": len(found), "most": MAX_AREA_ZIPS},
        )
    return found


def zip_list(raw: str | list[str]) -> list[str]:
    """A list of ZIPs typed by staff ("22902, 22903 22904"): each one known, no repeats, sorted."""
    items = raw if isinstance(raw, list) else re.split(r"[\s,;]+", raw)
    codes, unknown = set(), []
    for item in (i.strip() for i in items):
        if not item:
            continue
        if place(item) is None:
            unknown.append(item[:10])
        else:
            codes.add(zip5(item))
    if unknown:
        raise Invalid(
            N_("not US ZIP codes we know: %(zips)s"), field="zips", values={"zips": ", ".join(unknown[:5])}
        )
    if not codes:
        raise Invalid(N_("give at least one ZIP code"), field="zips")
    if len(codes) > MAX_AREA_ZIPS:
        raise Invalid(N_("at most %(most)s ZIPs in one alert"), field="zips", values={"most": MAX_AREA_ZIPS})
    return sorted(codes)  # type: ignore[arg-type]


# A point as maps give it: latitude first, then longitude ("40.7128,-74.0060", "40.7128, -74.006").
_DEGREES = r"([-+]?\d{1,3}(?:\.\d{1,10})?)"
_POINT = re.compile(rf"^\s*\(?\s*{_DEGREES}\s*(?:,|;|\s)\s*{_DEGREES}\s*\)?\s*$")
# A point farther than this from every ZIP centre we know is outside the program's ZIP data (or typed
# longitude first: "-74.0060,40.7128" lands in Antarctica).
NEAREST_ZIP_MILES = 30.0


def point(text: str | None) -> tuple[float, float]:
    """A point typed by staff, checked: its range, and that it lies among the US ZIPs we know."""
    match = _POINT.match((text or "")[:80])
    if match is None:
        raise Invalid(N_("give the point as latitude,longitude, like 38.0293,-78.4767"), field="center_point")
    latitude, longitude = float(match.group(1)), float(match.group(2))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Invalid(
            N_("a latitude is from -90 to 90 and a longitude from -180 to 180: give the latitude first"),
            field="center_point",
        )
    here = Place("", latitude, longitude, "", "")
    if not any(_miles(here, p) <= NEAREST_ZIP_MILES for p in _places().values()):
        raise Invalid(
            N_("that point is not near any US ZIP code we know: check the latitude comes first"),
            field="center_point",
        )
    return latitude, longitude


def point_text(latitude: float | None, longitude: float | None) -> str | None:
    """How a point is shown and given back: "40.7128,-74.006" (5 decimals at most, about a metre)."""
    if latitude is None or longitude is None:
        return None
    return f"{round(latitude, 5):g},{round(longitude, 5):g}"
