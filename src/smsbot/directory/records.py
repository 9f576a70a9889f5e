"""One service as every importer (and the API) hands it over, and the checks each row must pass.

Importers turn their own format into `RawService`; `check()` turns that into a `ServiceRecord`
or a reason to skip the row, plus warnings for what was fixed up. The rules, for every format:
  - a name is required; at least one known category is required: given by name (flat CSV, API),
    else classified from taxonomy codes, then words (categories.py; the reason is kept);
  - where it is (`location_kind`): a `place` has valid coordinates; without them a row is placed
    at its ZIP's centre (`zip_centre`, warned); `virtual` and `area` services are anchored at their
    ZIP or area and never shown with a distance; a row with none of these is skipped;
  - hours that cannot be read are warned and left out (the service still imports);
  - the timezone is the one given, else the ZIP's (from `zipcodes`), else the program default.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from smsbot.directory import categories as cats
from smsbot.directory.geo import normalize_zip, valid_coordinates, zip_point
from smsbot.directory.hours import HoursError, WeeklyHours, parse_hours, zone
from smsbot.errors import N_

LOCATION_KINDS = ("place", "zip_centre", "virtual", "area")
# A category's reason when the file named it (stored in English; the pages translate it)
GIVEN_IN_FILE = N_("given in the file")
NO_CATEGORY = "no category (no taxonomy code, term or words matched); row skipped"


@dataclass
class RawService:
    """Strings as found in a source file (None/"" = not given)."""

    source: str
    source_id: str
    name: str | None
    categories: list[str]  # category names as written (checked against the list)
    organization: str | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    latitude: str | float | None = None
    longitude: str | float | None = None
    phone: str | None = None
    hours_text: str | None = None
    hours: WeeklyHours | None = None  # already parsed (HSDS schedules); wins over hours_text
    timezone: str | None = None
    notes: str | None = None
    last_verified: date | None = None
    is_demo: bool = False
    phone_extension: str | None = None
    location_kind: str | None = None  # None: `place` with coordinates, else `zip_centre`
    service_area: str | None = None
    area_zips: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)  # ISO 639-1 codes
    taxonomy_codes: list[str] = field(default_factory=list)  # codes and term names, as given
    description: str | None = None  # for the word fallback of the classifier (notes if None)
    schedule_rows: list[dict[str, str]] = field(default_factory=list)  # HSDS 3.0 keys
    schedule_where: list[str] = field(default_factory=list)  # where each schedule row is (warnings)
    category_reasons: dict[str, str] | None = None  # category → why (set by the classifier)


@dataclass
class ServiceRecord:
    source: str
    source_id: str
    name: str
    categories: list[str]
    latitude: float
    longitude: float
    timezone: str
    organization: str | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    phone: str | None = None
    hours: WeeklyHours | None = None
    notes: str | None = None
    last_verified: date | None = None
    is_demo: bool = False
    phone_extension: str | None = None
    location_kind: str = "place"
    service_area: str | None = None
    area_zips: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    category_reasons: dict[str, str] = field(default_factory=dict)

    def row(self) -> dict:
        """The `service` table values (without id and timestamps)."""
        return {
            "source": self.source,
            "source_id": self.source_id,
            "name": self.name,
            "organization": self.organization,
            "address": self.address,
            "city": self.city,
            "state": self.state,
            "zip": self.zip,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "phone": self.phone,
            "hours": self.hours.to_json() if self.hours else None,
            "timezone": self.timezone,
            "notes": self.notes,
            "last_verified": self.last_verified,
            "is_demo": self.is_demo,
            "phone_extension": self.phone_extension,
            "location_kind": self.location_kind,
            "service_area": self.service_area,
            "area_zips": " ".join(self.area_zips) or None,
            "languages": " ".join(self.languages) or None,
            "category_reasons": json.dumps(self.category_reasons, sort_keys=True)
            if self.category_reasons
            else None,
        }


@dataclass
class Checked:
    record: ServiceRecord | None  # None = the row is skipped
    warnings: list[str] = field(default_factory=list)


def _clean(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None


def _number(value: str | float | None) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return float(value)


EXTENSION = re.compile(r"(?i)[\s,;]*(?:x|ext\.?|extension|#)\s*(\d{1,8})\s*$")


def split_phone(value: str | None) -> tuple[str | None, str | None]:
    """(display number, extension): "(434) 555-0142 ext. 12" → ("434-555-0142", "12")."""
    text = _clean(str(value).strip().strip("\"'") if value is not None else None, 60)
    if not text:
        return None, None
    extension = None
    match = EXTENSION.search(text)
    if match and len(re.sub(r"\D", "", text[: match.start()])) >= 7:
        text, extension = text[: match.start()], match.group(1)
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10 and (not text.startswith("+") or text.startswith("+1")):  # a US number
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}", extension
    return text[:40], extension


def clean_phone(value: str | None) -> str | None:
    """A display form of a US phone number (434-555-0142); other text kept as written."""
    return split_phone(value)[0]


def _clean_extension(value: str | float | None) -> str | None:
    text = re.sub(r"\.0+$", "", str(value).strip()) if value is not None else ""
    return text[:20] or None


def _categories(raw: RawService, classifier) -> tuple[list[str], dict[str, str], list[str]]:
    """(categories, reason for each, warnings): names given win; otherwise the classifier decides."""
    warnings: list[str] = []
    if raw.categories:
        known: list[str] = []
        unknown: list[str] = []
        for written in raw.categories:
            category = cats.normalize_category(written)
            if category is None:
                unknown.append(written.strip())
            elif category not in known:
                known.append(category)
        if unknown:
            listed = ", ".join(repr(u) for u in unknown)
            warnings.append(f"unknown category {listed} (known: {', '.join(cats.CATEGORIES)})")
        given = raw.category_reasons or {}
        return known, {c: given.get(c, GIVEN_IN_FILE) for c in known}, warnings
    if raw.category_reasons:
        reasons = {c: r for c, r in raw.category_reasons.items() if c in cats.CATEGORIES}
        return list(reasons), reasons, warnings
    if classifier is None:
        return [], {}, warnings
    reasons = classifier.classify(raw.taxonomy_codes, raw.name or "", raw.description or raw.notes or "")
    return list(reasons), dict(reasons), warnings


def _where(raw: RawService, zip5: str | None) -> tuple[str, float, float, list[str]] | str:
    """(location kind, latitude, longitude, warnings), or why the row cannot be placed at all."""
    place = zip_point(zip5) if zip5 else None
    try:
        latitude, longitude = _number(raw.latitude), _number(raw.longitude)
    except (TypeError, ValueError):
        return f"coordinates {raw.latitude!r}, {raw.longitude!r} are not numbers"
    if latitude is not None and longitude is not None:
        problem = valid_coordinates(latitude, longitude)
        if problem:
            return problem
        return raw.location_kind or "place", latitude, longitude, []
    if raw.location_kind in ("virtual", "area"):
        # Anchored where it is found (its ZIP, else the middle of its area); never shown as a distance.
        points = [place] if place else [p for p in map(zip_point, raw.area_zips[:200]) if p]
        if not points:
            return f"a {raw.location_kind} service with no ZIP or known service area to find it by"
        lat = sum(p.latitude for p in points) / len(points)
        lon = sum(p.longitude for p in points) / len(points)
        return raw.location_kind, lat, lon, []
    if place is not None:
        return (
            "zip_centre",
            place.latitude,
            place.longitude,
            ["no coordinates; placed at the centre of its ZIP"],
        )
    if raw.area_zips:
        return _where(RawService(**{**raw.__dict__, "location_kind": "area"}), zip5)
    return "no coordinates and no known ZIP"


def check(raw: RawService, default_timezone: str, classifier=None) -> Checked:
    """Validate and normalise one row (see the module docstring for the rules).

    `classifier` (categories.py) files rows that carry no category names (HSDS, SAMHSA).
    """
    name = _clean(raw.name, 200)
    if not name:
        return Checked(None, ["missing name; row skipped"])
    known, reasons, warnings = _categories(raw, classifier)
    if not known:
        if raw.categories:
            return Checked(None, [*warnings, "no known category; row skipped"])
        return Checked(
            None, [*warnings, "no category (no taxonomy code, term or words matched); row skipped"]
        )

    zip5 = normalize_zip(raw.zip)
    placed = _where(raw, zip5)
    if isinstance(placed, str):
        return Checked(None, [*warnings, f"{placed}; row skipped"])
    kind, latitude, longitude, placed_warnings = placed
    warnings.extend(placed_warnings)

    point = zip_point(zip5) if zip5 else None
    timezone = _clean(raw.timezone, 64) or (point.timezone if point else None) or default_timezone
    try:
        zone(timezone)
    except HoursError as exc:
        warnings.append(f"{exc}; using {default_timezone}")
        timezone = default_timezone

    hours = raw.hours
    if hours is None and raw.hours_text:
        try:
            hours = parse_hours(raw.hours_text)
        except HoursError as exc:
            warnings.append(f"hours not understood ({exc}); imported without hours")

    phone, extension = split_phone(raw.phone)
    record = ServiceRecord(
        source=raw.source,
        source_id=raw.source_id,
        name=name,
        categories=known,
        latitude=latitude,
        longitude=longitude,
        timezone=timezone,
        organization=_clean(raw.organization, 200),
        # Only a place you can walk to has a street address to give.
        address=_clean(raw.address, 200) if kind in ("place", "zip_centre") else None,
        city=_clean(raw.city, 100),
        state=_clean(raw.state, 32),
        zip=zip5 or _clean(raw.zip, 10),
        phone=phone,
        phone_extension=_clean_extension(raw.phone_extension) or extension,
        hours=hours,
        notes=_clean(raw.notes, 2000),
        last_verified=raw.last_verified,
        is_demo=raw.is_demo,
        location_kind=kind,
        service_area=_clean(raw.service_area, 200),
        area_zips=list(dict.fromkeys(raw.area_zips)),
        languages=list(dict.fromkeys(raw.languages)),
        category_reasons={c: reasons.get(c, "")[:200] for c in known},
    )
    return Checked(record, warnings)


def parse_date(value: str | None) -> date | None:
    """ "2026-01-15", "2026-01-15T10:00:00Z" or "2026-01" → a date; blank → None; else ValueError."""
    text = (value or "").strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    return date.fromisoformat(text[:10])


@dataclass
class Parsed:
    """One row out of a reader: `raw` to check and store, or None with the reason it is skipped."""

    where: str  # "line 7" / "locations.csv line 3": what a warning names
    raw: RawService | None
    problems: list[str] = field(default_factory=list)
    name: str | None = None  # of a skipped service, for the dry run's samples


@dataclass(frozen=True)
class ImportOptions:
    default_timezone: str = "America/New_York"
    source: str | None = None  # overrides each reader's default source name
    verified: date | None = None  # last_verified for rows that carry none (e.g. --verified 2019-05-30)
    today: date | None = None  # HSDS schedules valid only before/after today are left out
    mapping_path: str | None = None  # TOML overriding the HSDS keyword mapping (categories.py)
