"""Open Referral HSDS tabular data packages (3.0; 1.x/2.0 table and column names too) → services.

A folder with `datapackage.json` and CSVs. Each row of `service_at_location` becomes one service
(source id `SERVICE_ID@LOCATION_ID`), joined with its service, organization, location, address
(physical preferred), phone and schedules. Categories come from taxonomy terms linked through
`attributes` (or `service_attributes` / `services_taxonomy`), else from words in the service's
name and description: see categories.py for the mapping and how to change it.

Schedules: `schedules.csv` WEEKLY rows (`byday` + `opens_at`/`closes_at`), or 1.x
`regular_schedule.csv` (`weekday`). Times are read as local wall-clock time: an offset suffix
(09:00-05:00) is dropped, because a fixed offset is wrong half the year; the service's IANA zone
comes from its ZIP, else from the schedule's numeric `timezone` offset (-5 → America/New_York).
MONTHLY rows ("2nd Monday") cannot be shown as weekly hours and are left out with a warning.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from smsbot.directory.categories import KeywordMapping
from smsbot.directory.geo import valid_coordinates, zip_point
from smsbot.directory.hours import DAY_CODES, HoursError, WeeklyHours, from_weekly_rows, parse_time
from smsbot.directory.records import ImportOptions, Parsed, RawService, parse_date

# Logical table → file/resource names across HSDS versions (3.0 first).
TABLES = {
    "organizations": ("organizations", "organization"),
    "services": ("services", "service"),
    "locations": ("locations", "location"),
    "service_at_location": ("service_at_location", "services_at_location", "service_at_locations"),
    "addresses": ("addresses", "address", "physical_addresses", "physical_address"),
    "phones": ("phones", "phone"),
    "schedules": ("schedules", "schedule"),
    "regular_schedule": ("regular_schedule", "regular_schedules"),
    "attributes": ("attributes", "attribute", "service_attributes", "services_taxonomy", "service_taxonomy"),
    "taxonomy_terms": ("taxonomy_terms", "taxonomy_term", "taxonomy", "taxonomies"),
}
# A numeric UTC offset (schedules.timezone) → the US zone it most likely means, when no ZIP says.
OFFSET_ZONES = {
    -10: "Pacific/Honolulu",
    -9: "America/Anchorage",
    -8: "America/Los_Angeles",
    -7: "America/Denver",
    -6: "America/Chicago",
    -5: "America/New_York",
    -4: "America/Puerto_Rico",
}
_WEEKDAY_NAMES = {name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday"))}
_WEEKDAY_NAMES.update(saturday=5, sunday=6)

Row = dict[str, str]


class HsdsError(ValueError):
    """The folder is not a usable HSDS data package."""


def is_package(path: Path) -> bool:
    return path.is_dir() and ((path / "datapackage.json").exists() or (path / "services.csv").exists())


def _read_csv(path: Path) -> list[tuple[int, Row]]:
    """Rows with the line each starts on, keys lower-cased, values stripped."""
    rows: list[tuple[int, Row]] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        line = reader.line_num
        for row in reader:
            start, line = line + 1, reader.line_num
            rows.append((start, {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}))
    return rows


def _table_files(folder: Path) -> tuple[str, dict[str, Path]]:
    """The package name and the file of each logical table it has."""
    name, paths = folder.name, {}
    descriptor = folder / "datapackage.json"
    if descriptor.exists():
        try:
            meta = json.loads(descriptor.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            raise HsdsError(f"datapackage.json is not JSON ({exc})") from None
        name = str(meta.get("name") or name)
        for resource in meta.get("resources") or []:
            if isinstance(resource, dict) and isinstance(resource.get("path"), str):
                key = str(resource.get("name") or Path(resource["path"]).stem).lower()
                paths[key] = folder / resource["path"]
    files: dict[str, Path] = {}
    for table, names in TABLES.items():
        for candidate in names:
            path = paths.get(candidate) or folder / f"{candidate}.csv"
            if path.exists():
                files[table] = path
                break
    for required in ("services", "locations"):
        if required not in files:
            raise HsdsError(f"the package has no {required}.csv")
    if "service_at_location" not in files:
        raise HsdsError("the package has no service_at_location.csv (services are placed through it)")
    return name, files


def count_rows(folder: Path) -> int | None:
    try:
        _, files = _table_files(folder)
    except HsdsError:
        return None
    with files["service_at_location"].open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def _pick(row: Row, *names: str) -> str:
    for name in names:
        if row.get(name):
            return row[name]
    return ""


def _days(row: Row) -> list[int]:
    if row.get("byday"):
        days = []
        for part in row["byday"].split(","):
            code = re.sub(r"^[+-]?\d+", "", part.strip()).lower()[:2]
            if code not in DAY_CODES:
                raise HoursError(f"byday {part.strip()!r} is not a day (MO..SU)")
            days.append(DAY_CODES.index(code))
        return days
    weekday = row.get("weekday", "").lower()
    if weekday.isdigit() and 1 <= int(weekday) <= 7:
        return [int(weekday) - 1]  # ISO 8601: 1 = Monday
    if weekday in _WEEKDAY_NAMES:
        return [_WEEKDAY_NAMES[weekday]]
    if weekday[:2] in DAY_CODES:
        return [DAY_CODES.index(weekday[:2])]
    raise HoursError(f"no byday or weekday ({weekday!r})")


def _clock_time(text: str) -> int:
    # "09:00-05:00", "09:00:00+01:00", "09:00Z" → local wall-clock 09:00 (see module docstring).
    return parse_time(
        re.sub(r"(?:[zZ]|[+-]\d{2}:?\d{2})$", "", text.strip()) if len(text.strip()) > 5 else text
    )


class _Package:
    """The package's tables, indexed for the joins."""

    def __init__(self, folder: Path, options: ImportOptions) -> None:
        self.name, files = _table_files(folder)
        self.options = options
        self.mapping = KeywordMapping.from_toml(Path(options.mapping_path) if options.mapping_path else None)
        table = {t: _read_csv(p) for t, p in files.items()}
        self.organizations = {r["id"]: r for _, r in table.get("organizations", []) if r.get("id")}
        self.services = {r["id"]: (n, r) for n, r in table["services"] if r.get("id")}
        self.locations = {r["id"]: (n, r) for n, r in table["locations"] if r.get("id")}
        self.links = table["service_at_location"]
        self.addresses: dict[str, list[Row]] = defaultdict(list)
        for _, r in table.get("addresses", []):
            self.addresses[r.get("location_id", "")].append(r)
        self.phones = table.get("phones", [])
        self.schedules = table.get("schedules", []) + table.get("regular_schedule", [])
        terms = {r["id"]: r for _, r in table.get("taxonomy_terms", []) if r.get("id")}
        self.terms_of: dict[str, list[Row]] = defaultdict(list)
        for _, r in table.get("attributes", []):
            entity = r.get("link_entity", "service").lower() or "service"
            service_id = r.get("link_id") if "link_id" in r else r.get("service_id", "")
            term = terms.get(_pick(r, "taxonomy_term_id", "taxonomy_id"))
            if entity == "service" and service_id and term:
                self.terms_of[service_id].append(term)
        self.files = {t: p.name for t, p in files.items()}

    def categories(self, service: Row) -> list[str]:
        terms = self.terms_of.get(service["id"], [])
        found = self.mapping.match(*(f"{_pick(t, 'name', 'term')} {t.get('code', '')}" for t in terms))
        return found or self.mapping.match(service.get("name", ""), service.get("description", ""))

    def phone(self, link: Row, service_id: str, location_id: str, organization_id: str) -> str | None:
        best: tuple[int, str] | None = None
        for _, row in self.phones:
            rank = next(
                (
                    i
                    for i, (column, value) in enumerate(
                        (
                            ("service_at_location_id", link.get("id")),
                            ("service_id", service_id),
                            ("location_id", location_id),
                            ("organization_id", organization_id),
                        )
                    )
                    if value and row.get(column) == value
                ),
                None,
            )
            if rank is not None and row.get("number") and (best is None or rank < best[0]):
                best = (rank, row["number"])
        return best[1] if best else None

    def hours(
        self, link: Row, service_id: str, location_id: str
    ) -> tuple[WeeklyHours | None, str | None, list[str]]:
        """(hours, IANA zone from the schedule's offset, warnings) for one service at one location."""
        tiers: list[list[tuple[int, Row]]] = [[], [], []]
        for line, row in self.schedules:
            if link.get("id") and row.get("service_at_location_id") == link.get("id"):
                tiers[0].append((line, row))
            elif row.get("service_id") == service_id and row.get("location_id", "") in ("", location_id):
                tiers[1].append((line, row))
            elif row.get("location_id") == location_id and not row.get("service_id"):
                tiers[2].append((line, row))
        rows = next((tier for tier in tiers if tier), [])
        weekly, warnings, zone = [], [], None
        today = self.options.today
        table = self.files.get("schedules") or self.files.get("regular_schedule", "schedules.csv")
        for line, row in rows:
            try:
                valid_from, valid_to = parse_date(row.get("valid_from")), parse_date(row.get("valid_to"))
                if today and ((valid_to and valid_to < today) or (valid_from and valid_from > today)):
                    continue  # another period's hours (holidays, a past or future timetable)
                if row.get("freq", "WEEKLY").upper() not in ("", "WEEKLY"):
                    freq = row["freq"]
                    warnings.append(f"{table} line {line}: a {freq} schedule is not weekly hours; left out")
                    continue
                weekly.append((_days(row), _clock_time(row["opens_at"]), _clock_time(row["closes_at"])))
                if row.get("timezone") and zone is None:
                    zone = OFFSET_ZONES.get(round(float(row["timezone"])))
            except (HoursError, KeyError, ValueError) as exc:
                reason = str(exc) if not isinstance(exc, KeyError) else f"no {exc.args[0]}"
                warnings.append(f"{table} line {line}: schedule not understood ({reason}); left out")
        return from_weekly_rows(weekly), zone, warnings


def read(folder: Path, options: ImportOptions) -> Iterator[Parsed]:
    package = _Package(folder, options)
    source = options.source or f"hsds:{package.name}"[:64]
    bad_locations: dict[str, str] = {}
    for location_id, (line, row) in package.locations.items():
        try:
            lat, lon = float(row["latitude"]), float(row["longitude"])
            problem = valid_coordinates(lat, lon)
        except (KeyError, ValueError):
            problem = (
                None if not (row.get("latitude") or row.get("longitude")) else "coordinates are not numbers"
            )
        if problem:
            bad_locations[location_id] = f"{package.files['locations']} line {line}: {problem}"
    sal_file = package.files["service_at_location"]
    for line, link in package.links:
        service_id, location_id = link.get("service_id", ""), link.get("location_id", "")
        where = f"{sal_file} line {line}"
        if service_id not in package.services:
            yield Parsed(where, None, [f"unknown service_id {service_id!r}; skipped"])
            continue
        service_line, service = package.services[service_id]
        if location_id not in package.locations:
            yield Parsed(where, None, [f"unknown location_id {location_id!r}; skipped"])
            continue
        if location_id in bad_locations:
            yield Parsed(
                bad_locations[location_id], None, [f"service {service.get('name') or service_id!r} skipped"]
            )
            continue
        if service.get("status", "active").lower() in ("inactive", "defunct"):
            yield Parsed(
                f"{package.files['services']} line {service_line}", None, ["service is inactive; skipped"]
            )
            continue
        _, location = package.locations[location_id]
        yield _service_at(package, source, link, service_line, service, location)


def _service_at(
    package: _Package, source: str, link: Row, service_line: int, service: Row, location: Row
) -> Parsed:
    where = f"{package.files['services']} line {service_line}"
    service_id, location_id = service["id"], location["id"]
    organization = package.organizations.get(service.get("organization_id", ""), {})
    addresses = package.addresses.get(location_id, [])
    address = next((a for a in addresses if a.get("address_type", "physical") in ("", "physical")), None) or (
        addresses[0] if addresses else {}
    )
    hours, offset_zone, warnings = package.hours(link, service_id, location_id)
    categories = package.categories(service)
    if not categories:
        return Parsed(
            where, None, ["no category: no taxonomy term, name or description matched the mapping; skipped"]
        )
    try:
        verified = parse_date(_pick(service, "assured_date", "last_modified")[:10])
    except ValueError:
        verified = None
    return Parsed(
        where,
        RawService(
            source=source,
            source_id=f"{service_id}@{location_id}",
            name=service.get("name") or None,
            categories=categories,
            organization=organization.get("name"),
            address=", ".join(p for p in (address.get("address_1"), address.get("address_2")) if p) or None,
            city=address.get("city"),
            state=address.get("state_province"),
            zip=address.get("postal_code"),
            latitude=location.get("latitude"),
            longitude=location.get("longitude"),
            phone=package.phone(link, service_id, location_id, service.get("organization_id", "")),
            hours=hours,
            # The ZIP's IANA zone knows DST; the schedule's fixed offset is only a fallback.
            timezone=None if zip_point(address.get("postal_code")) else offset_zone,
            notes=service.get("description") or None,
            last_verified=verified or package.options.verified,
        ),
        warnings,
    )
