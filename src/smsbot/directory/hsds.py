"""Open Referral HSDS (3.0; 1.0/1.1/2.0 names too) → services, from tables however they were shipped.

Each service-at-location link becomes one service (source id `SERVICE_ID@LOCATION_ID`; HSDS 1.0
links through `services.location_id`); a service with no location but a service area becomes an
`area` service (source id `SERVICE_ID`). Joined per service: organization, location, address,
phone, schedules, languages, service areas and taxonomy codes (through `attributes`, or 1.x
`services_taxonomy` / `taxonomy_ids`).
  - address: the physical one; a postal address (`address_type` postal, `postal_addresses`, a
    `postal` location) only places the service at its ZIP's centre, never as where to go;
  - `location_type` virtual → a `virtual` service (by phone/online);
  - phone: the most specific (link, service, location, organization) voice line; fax, TTY,
    textphone and pager numbers are never the one given; the extension is kept;
  - last checked: `assured_date`, else `last_modified`, else `--verified`, else the import date.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from smsbot.directory.areas import area_zips
from smsbot.directory.datapackage import HsdsError, Row, Table
from smsbot.directory.geo import valid_coordinates, zip_point
from smsbot.directory.languages import language_codes
from smsbot.directory.records import NO_CATEGORY, ImportOptions, Parsed, RawService, parse_date

__all__ = ["HsdsError", "read_tables"]

NOT_VOICE = {"fax", "tty", "textphone", "text", "sms", "pager", "tdd", "minicom"}
_AIRS = re.compile(r"^[A-Z]{1,2}(?:-\d{4}(?:\.\d{3,4}){0,3}(?:-\d{2,4})?)?(?:\*[A-Z-]+)?$")
_WEEKDAYS = {"monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH", "friday": "FR"}
_WEEKDAYS.update(saturday="SA", sunday="SU")
_ISO_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
OFFSET_ZONES = {
    -10: "Pacific/Honolulu",
    -9: "America/Anchorage",
    -8: "America/Los_Angeles",
    -7: "America/Denver",
    -6: "America/Chicago",
    -5: "America/New_York",
    -4: "America/Puerto_Rico",
}


def _index(table: Table | None, column: str) -> dict[str, list[tuple[str, Row]]]:
    found: dict[str, list[tuple[str, Row]]] = defaultdict(list)
    for where, row in table.rows if table else []:
        if row.get(column):
            found[row[column]].append((where, row))
    return found


def _weekday(text: str) -> str:
    key = text.strip().lower()
    if key.isdigit() and 1 <= int(key) <= 7:
        return _ISO_DAYS[int(key) - 1]  # HSDS 1.x/2.0 weekday: ISO 8601, 1 = Monday
    return _WEEKDAYS.get(key) or key[:2].upper()


def _schedule_rows(tables: dict[str, Table]) -> Table:
    """3.0 `schedules`, plus 1.x/2.0 regular and holiday schedules written with 3.0 keys."""
    merged = Table("schedules", list(tables["schedules"].rows) if "schedules" in tables else [])
    for where, row in tables["regular_schedules"].rows if "regular_schedules" in tables else []:
        weekly = {k: row.get(k, "") for k in ("service_id", "location_id", "service_at_location_id")}
        day = _weekday(row.get("weekday", "")) if row.get("weekday") else row.get("byday", "")
        weekly.update(
            freq="WEEKLY", byday=day, opens_at=row.get("opens_at", ""), closes_at=row.get("closes_at", "")
        )
        merged.rows.append((where, weekly))
    for where, row in tables["holiday_schedules"].rows if "holiday_schedules" in tables else []:
        holiday = {k: row.get(k, "") for k in ("service_id", "location_id", "service_at_location_id")}
        closed = row.get("closed", "").lower() in ("true", "1", "yes", "y")
        holiday.update(
            valid_from=row.get("start_date", ""),
            valid_to=row.get("end_date", ""),
            opens_at="" if closed else row.get("opens_at", ""),
            closes_at="" if closed else row.get("closes_at", ""),
            description="closed (holiday)" if closed else "holiday hours",
            closed="true" if closed else "false",
        )
        merged.rows.append((where, holiday))
    if merged.rows:
        merged.label = tables.get("schedules", tables.get("regular_schedules", merged)).label
    return merged


class _Package:
    """The package's tables, indexed once (the joins then cost O(1) per service)."""

    def __init__(self, tables: dict[str, Table], options: ImportOptions) -> None:
        self.options = options
        self.tables = tables
        self.organizations = {
            r["id"]: r for _, r in tables.get("organizations", Table("")).rows if r.get("id")
        }
        self.services = {r["id"]: (w, r) for w, r in tables["services"].rows if r.get("id")}
        self.locations = {r["id"]: (w, r) for w, r in tables.get("locations", Table("")).rows if r.get("id")}
        self.links = list(tables["service_at_location"].rows) if "service_at_location" in tables else []
        if not self.links:  # HSDS 1.0: the location is a column of the service
            self.links = [
                (w, {"service_id": r["id"], "location_id": r["location_id"]})
                for w, r in tables["services"].rows
                if r.get("id") and r.get("location_id")
            ]
        self.addresses: dict[str, list[tuple[str, Row]]] = defaultdict(list)
        self.org_addresses: dict[str, list[tuple[str, Row]]] = defaultdict(list)
        for logical, kind in (
            ("addresses", ""),
            ("physical_addresses", "physical"),
            ("postal_addresses", "postal"),
        ):
            for where, row in tables[logical].rows if logical in tables else []:
                row["address_type"] = row.get("address_type") or kind
                if row.get("location_id"):
                    self.addresses[row["location_id"]].append((where, row))
                elif row.get("organization_id"):  # only ever a ZIP to place the service by
                    self.org_addresses[row["organization_id"]].append((where, row))
        phones = tables.get("phones")
        self.phones = {
            c: _index(phones, c)
            for c in ("service_at_location_id", "service_id", "location_id", "organization_id")
        }
        schedules = _schedule_rows(tables)
        self.schedule_label = schedules.label
        self.schedules = {
            c: _index(schedules, c) for c in ("service_at_location_id", "service_id", "location_id")
        }
        languages = tables.get("languages")
        self.languages = {c: _index(languages, c) for c in ("service_id", "location_id", "phone_id")}
        self.areas = _index(tables.get("service_areas"), "service_id")
        terms = {r["id"]: r for _, r in tables.get("taxonomy_terms", Table("")).rows if r.get("id")}
        self.terms = terms
        self.codes_of: dict[str, list[str]] = defaultdict(list)
        for _, row in tables.get("attributes", Table("")).rows:
            entity = (row.get("link_entity") or "service").lower()
            service_id = row.get("link_id") or row.get("service_id", "")
            if entity == "service" and service_id:
                term_id = row.get("taxonomy_term_id") or row.get("taxonomy_id", "")
                self.codes_of[service_id].extend(self._term_codes(term_id, row.get("value", "")))

    def _term_codes(self, term_id: str, value: str = "") -> list[str]:
        """A term's code and name as the package writes them (an AIRS code may be the term's id)."""
        term = self.terms.get(term_id)
        codes = []
        if term is not None:
            codes = [term.get("code", ""), term.get("name", "") or term.get("term", "")]
            if not term.get("code") and _AIRS.match(term_id):
                codes.insert(0, term_id)
        elif _AIRS.match(term_id):
            codes = [term_id]
        if value and _AIRS.match(value):
            codes.append(value)
        return [c for c in codes if c]

    def codes(self, service: Row) -> list[str]:
        codes = list(self.codes_of.get(service["id"], []))
        for term_id in re.split(r"[;,|\s]+", service.get("taxonomy_ids", "")):
            if term_id:
                codes.extend(self._term_codes(term_id))
        return list(dict.fromkeys(codes))

    def phone(self, keys: dict[str, str]) -> Row | None:
        """The most specific voice line: link, then service, then location, then organization."""
        for column in ("service_at_location_id", "service_id", "location_id", "organization_id"):
            if not keys.get(column):
                continue
            for _, row in self.phones[column].get(keys[column], []):
                if row.get("number") and row.get("type", "").lower() not in NOT_VOICE:
                    return row
        return None

    def schedule(self, link_id: str, service_id: str, location_id: str) -> list[tuple[str, Row]]:
        """The most specific schedule rows: the link's, the service's (here), the location's."""
        if link_id and self.schedules["service_at_location_id"].get(link_id):
            return self.schedules["service_at_location_id"][link_id]
        rows = [
            (w, r)
            for w, r in self.schedules["service_id"].get(service_id, [])
            if r.get("location_id", "") in ("", location_id)
        ]
        if rows:
            return rows
        return [
            (w, r) for w, r in self.schedules["location_id"].get(location_id, []) if not r.get("service_id")
        ]

    def language_list(self, service_id: str, location_id: str, phone: Row | None) -> list[str]:
        rows = self.languages["service_id"].get(service_id, []) + self.languages["location_id"].get(
            location_id, []
        )
        if phone is not None and phone.get("id"):
            rows = rows + self.languages["phone_id"].get(phone["id"], [])
        names = [r.get("code") or r.get("name") or r.get("language", "") for _, r in rows]
        return language_codes([*names, phone.get("language", "") if phone else ""])


def _location_problems(package: _Package) -> dict[str, tuple[str, str]]:
    """location id → (where, why it cannot be a place: "latitude 100 is out of range")."""
    bad: dict[str, tuple[str, str]] = {}
    for location_id, (where, row) in package.locations.items():
        lat, lon = row.get("latitude", ""), row.get("longitude", "")
        if not lat and not lon:
            continue
        try:
            if not lat or not lon:
                problem = f"latitude {lat!r} and longitude {lon!r}: one is missing (a column out of place?)"
            else:
                problem = valid_coordinates(float(lat), float(lon))
        except ValueError:
            problem = f"coordinates {lat!r}, {lon!r} are not numbers"
        if problem:
            bad[location_id] = (where, problem)
    return bad


def read_tables(
    tables: dict[str, Table], source: str, options: ImportOptions, classifier=None
) -> Iterator[Parsed]:
    """Parsed services; with a `classifier`, a service that gets no category is skipped before
    the joins (most of a general 211 export: they are read once and cost little)."""
    package = _Package(tables, options)
    bad_locations = _location_problems(package)
    placed: set[str] = set()
    classified: dict[str, dict[str, str]] = {}

    def reasons(service: Row) -> dict[str, str] | None:
        if classifier is None:
            return None
        if service["id"] not in classified:
            codes = package.codes(service)
            classified[service["id"]] = classifier.classify(
                codes, service.get("name", ""), service.get("description", "")
            )
        return classified[service["id"]]

    for where, link in package.links:
        service_id, location_id = link.get("service_id", ""), link.get("location_id", "")
        if service_id not in package.services:
            yield Parsed(where, None, [f"unknown service_id {service_id!r}; skipped"])
            continue
        service_where, service = package.services[service_id]
        placed.add(service_id)
        if location_id not in package.locations:
            yield Parsed(where, None, [f"unknown location_id {location_id!r}; skipped"])
            continue
        if location_id in bad_locations:
            name = service.get("name") or service_id
            location_where, problem = bad_locations[location_id]
            yield Parsed(location_where, None, [f"{problem}; service {name!r} skipped"])
            continue
        yield _service(
            package, source, service_where, service, package.locations[location_id][1], link, reasons
        )
    for service_id, (where, service) in package.services.items():
        if service_id not in placed:  # offered in an area, by phone or online: not silently dropped
            yield _service(package, source, where, service, None, {}, reasons)


def _address(package: _Package, location: Row | None, organization_id: str) -> tuple[Row, bool]:
    """(address row, is it a street address one can walk to). A postal address (the location's,
    else its organization's mailing address) only ever gives a ZIP to place the service by."""
    rows = [r for _, r in package.addresses.get(location["id"], [])] if location else []
    postal_location = bool(location) and location.get("location_type", "").lower() == "postal"
    if not postal_location:
        physical = [r for r in rows if r.get("address_type", "").lower() in ("", "physical")]
        if physical:
            return physical[0], True
    owners = ((location or {}).get("organization_id", ""), organization_id)
    fallback = rows or [r for owner in owners if owner for _, r in package.org_addresses.get(owner, [])]
    return (fallback[0] if fallback else {}), False


def _offset_zone(rows: list[tuple[str, Row]]) -> str | None:
    """A schedule's numeric UTC offset → the US zone it most likely means (only when no ZIP says)."""
    for _, row in rows:
        try:
            return OFFSET_ZONES.get(round(float(row.get("timezone") or "x")))
        except ValueError:
            continue
    return None


def _service(
    package: _Package, source: str, where: str, service: Row, location: Row | None, link: Row, classify
) -> Parsed:
    if service.get("status", "active").lower() in ("inactive", "defunct"):
        return Parsed(where, None, ["service is inactive; skipped"])
    if location is None and not package.areas.get(service["id"]):
        owner = service.get("organization_id", "")
        if not (owner and package.org_addresses.get(owner)):
            return Parsed(where, None, ["no location, address or service area; skipped"])
    categories = classify(service)
    if categories == {} and service.get("name"):
        return Parsed(where, None, [NO_CATEGORY], name=service["name"])
    service_id, location_id = service["id"], location["id"] if location else ""
    organization_id = service.get("organization_id", "") or (location or {}).get("organization_id", "")
    organization = package.organizations.get(organization_id, {})
    address, walkable = _address(package, location, organization_id)
    kind = "virtual" if location and location.get("location_type", "").lower() == "virtual" else None
    area_rows = [r for _, r in package.areas.get(service_id, [])]
    area_text = next((r.get("name") or r.get("service_area") or "" for r in area_rows if r), "")
    zips: list[str] = []
    for row in area_rows:
        for text in (row.get("name") or row.get("service_area", ""), row.get("description", "")):
            zips.extend(area_zips(text, address.get("state_province")))
            if zips:
                break
    if location is None:
        kind = "area" if area_rows else None
        if not area_rows and not address:
            return Parsed(where, None, ["no location, address or service area; skipped"])
    phone = package.phone(
        {
            "service_at_location_id": link.get("id", ""),
            "service_id": service_id,
            "location_id": location_id,
            "organization_id": organization_id,
        }
    )
    schedule = package.schedule(link.get("id", ""), service_id, location_id)
    problems: list[str] = []
    try:
        verified = parse_date(service.get("assured_date") or service.get("last_modified", "")[:10])
    except ValueError:
        problems.append("assured_date/last_modified is not a date; using the import date")
        verified = None
    street = (
        ", ".join(p for p in (address.get("address_1"), address.get("address_2")) if p) if walkable else ""
    )
    raw = RawService(
        source=source,
        source_id=f"{service_id}@{location_id}" if location else service_id,
        name=service.get("name") or None,
        categories=[],
        organization=organization.get("name"),
        address=street or None,
        city=address.get("city"),
        state=address.get("state_province"),
        zip=address.get("postal_code"),
        latitude=location.get("latitude") if location else None,
        longitude=location.get("longitude") if location else None,
        phone=phone.get("number") if phone else None,
        phone_extension=phone.get("extension") if phone else None,
        notes=service.get("description") or None,
        last_verified=verified or package.options.verified or package.options.today,
        location_kind=kind,
        service_area=area_text[:200] or None,
        area_zips=zips,
        languages=package.language_list(service_id, location_id, phone),
        taxonomy_codes=package.codes(service),
        category_reasons=categories,
        # The ZIP's IANA zone knows DST; the schedule's fixed offset is only a fallback.
        timezone=None if zip_point(address.get("postal_code")) else _offset_zone(schedule),
        schedule_rows=[r for _, r in schedule],
        schedule_where=[w for w, _ in schedule],
    )
    return Parsed(where, raw, problems)
