"""One service as every importer (and the API) hands it over, and the checks each row must pass.

Importers turn their own format into `RawService`; `check()` turns that into a `ServiceRecord`
or a reason to skip the row, plus warnings for what was fixed up. The rules, for every format:
  - a name is required; at least one known category is required (unknown names are warned);
  - latitude/longitude must be in range; a row without them is placed at its ZIP's centre
    (warned), and a row with neither is skipped;
  - hours that cannot be read are warned and left out (the service still imports);
  - the timezone is the one given, else the ZIP's (from `zipcodes`), else the program default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from smsbot.directory import categories as cats
from smsbot.directory.geo import normalize_zip, valid_coordinates, zip_point
from smsbot.directory.hours import HoursError, WeeklyHours, parse_hours, zone


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


def clean_phone(value: str | None) -> str | None:
    """A display form of a US phone number (434-555-0142); other text kept as written."""
    text = _clean(value, 40)
    if not text:
        return None
    main = re.split(r"(?i)\s*(?:x|ext\.?|extension)\s*\d+$", text)[0]
    digits = re.sub(r"\D", "", main)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return text


def check(raw: RawService, default_timezone: str) -> Checked:
    """Validate and normalise one row (see the module docstring for the rules)."""
    warnings: list[str] = []
    name = _clean(raw.name, 200)
    if not name:
        return Checked(None, ["missing name; row skipped"])
    known: list[str] = []
    unknown: list[str] = []
    for written in raw.categories:
        category = cats.normalize_category(written)
        if category is None:
            unknown.append(written.strip())
        elif category not in known:
            known.append(category)
    if unknown:
        warnings.append(
            f"unknown category {', '.join(repr(u) for u in unknown)} (known: {', '.join(cats.CATEGORIES)})"
        )
    if not known:
        return Checked(None, [*warnings, "no known category; row skipped"])

    zip5 = normalize_zip(raw.zip)
    place = zip_point(zip5) if zip5 else None
    try:
        latitude, longitude = _number(raw.latitude), _number(raw.longitude)
    except (TypeError, ValueError):
        return Checked(
            None, [*warnings, f"coordinates {raw.latitude!r}, {raw.longitude!r} are not numbers; row skipped"]
        )
    if latitude is None or longitude is None:
        if place is None:
            return Checked(None, [*warnings, "no coordinates and no known ZIP; row skipped"])
        latitude, longitude = place.latitude, place.longitude
        warnings.append("no coordinates; placed at the centre of its ZIP")
    else:
        problem = valid_coordinates(latitude, longitude)
        if problem:
            return Checked(None, [*warnings, f"{problem}; row skipped"])

    timezone = _clean(raw.timezone, 64) or (place.timezone if place else None) or default_timezone
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

    record = ServiceRecord(
        source=raw.source,
        source_id=raw.source_id,
        name=name,
        categories=known,
        latitude=latitude,
        longitude=longitude,
        timezone=timezone,
        organization=_clean(raw.organization, 200),
        address=_clean(raw.address, 200),
        city=_clean(raw.city, 100),
        state=_clean(raw.state, 32),
        zip=zip5 or _clean(raw.zip, 10),
        phone=clean_phone(raw.phone),
        hours=hours,
        notes=_clean(raw.notes, 2000),
        last_verified=raw.last_verified,
        is_demo=raw.is_demo,
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


@dataclass(frozen=True)
class ImportOptions:
    default_timezone: str = "America/New_York"
    source: str | None = None  # overrides each reader's default source name
    verified: date | None = None  # last_verified for rows that carry none (e.g. --verified 2019-05-30)
    today: date | None = None  # HSDS schedules valid only before/after today are left out
    mapping_path: str | None = None  # TOML overriding the HSDS keyword mapping (categories.py)
