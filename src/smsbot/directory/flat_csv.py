"""The flat CSV format: one row per service, the simplest way for a program to keep its directory.

Header (first line; names are case-insensitive, order is free, only `name` and `categories` are
required, unknown columns are ignored):

    id,name,organization,categories,address,city,state,zip,latitude,longitude,phone,hours,timezone,notes,last_verified,demo

- id: the row's stable id in your own list (re-importing updates the row with the same id).
  Without it, a row is known by name + address + ZIP, so changing any of those adds a new row.
- categories: `;`-separated, from naloxone, test_strips, syringe_services, overdose_prevention,
  drop_in, treatment, health_clinic (common other names such as "drug checking" are accepted).
- latitude/longitude: decimal degrees; left empty, the row is placed at its ZIP's centre.
- hours: e.g. `Mo-Fr 09:00-17:00; Sa 10:00-14:00` (format in hours.py); empty = unknown.
- timezone: IANA name (America/Chicago); empty = the ZIP's timezone.
- last_verified: YYYY-MM-DD (or YYYY-MM), shown to texters as "checked Mar 2026".
- demo: yes/true/1 marks an invented row: replies that show it say it is demo data.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from smsbot.directory.encoding import read_text
from smsbot.directory.records import ImportOptions, Parsed, RawService, parse_date
from smsbot.errors import N_

COLUMNS = (
    "id",
    "name",
    "organization",
    "categories",
    "address",
    "city",
    "state",
    "zip",
    "latitude",
    "longitude",
    "phone",
    "hours",
    "timezone",
    "notes",
    "last_verified",
    "demo",
)
REQUIRED = ("name", "categories")
# Other header names people use for the same columns.
HEADER_ALIASES = {
    "lat": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "long": "longitude",
    "zip_code": "zip",
    "zipcode": "zip",
    "postal_code": "zip",
    "category": "categories",
    "street": "address",
    "address_1": "address",
    "phone_number": "phone",
    "verified": "last_verified",
}
DEFAULT_SOURCE = "csv"
_TRUE = {"yes", "y", "true", "1", "x"}


class FlatCsvError(ValueError):
    """The file as a whole cannot be read as the flat CSV format."""


def _column(name: str) -> str:
    key = name.strip().lower().replace(" ", "_").lstrip("\ufeff")
    return HEADER_ALIASES.get(key, key)


def count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


NO_ID = (
    "the file has no id column: a row is known by its name, address and ZIP, so changing one of "
    "them in the file adds a new service next to the old one (add an id column to avoid that)"
)


def _delimiter(text: str) -> str:
    """Comma; a tab (Excel's "Unicode Text") or a semicolon (Excel in many European languages) when
    the header has no comma."""
    header = text.split("\n", 1)[0]
    if "," in header:
        return ","
    return "\t" if "\t" in header else ";" if ";" in header else ","


def read(path: Path, options: ImportOptions, text: str | None = None) -> Iterator[Parsed]:
    """The rows of a flat CSV; `text` is the file already decoded (encoding.py), else it is read."""
    source = options.source or DEFAULT_SOURCE
    if text is None:
        text, _ = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = [_column(h) for h in next(reader)]
    except StopIteration:
        raise FlatCsvError(f"{path.name} is empty") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FlatCsvError(
            f"{path.name}: the first line must name the columns, and it lacks {' and '.join(missing)} "
            f"(the columns are: {','.join(COLUMNS)})"
        )
    position = {name: i for i, name in enumerate(header) if name in COLUMNS}
    line = reader.line_num
    first = True
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str | None:
            i = position.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else None

        parsed = _parsed(f"line {start}", cell, source, options)
        if first and "id" not in position:
            parsed.problems.append(NO_ID)
        first = False
        yield parsed


def _parsed(where: str, cell, source: str, options: ImportOptions) -> Parsed:
    problems: list[str] = []
    try:
        verified = parse_date(cell("last_verified"))
    except ValueError:
        problems.append(f"last_verified {cell('last_verified')!r} is not a date (YYYY-MM-DD); left empty")
        verified = None
    source_id = cell("id") or _derived_id(cell("name"), cell("address"), cell("zip"))
    raw = RawService(
        source=source,
        source_id=source_id,
        name=cell("name"),
        categories=[c for c in (cell("categories") or "").replace("|", ";").split(";") if c.strip()],
        organization=cell("organization"),
        address=cell("address"),
        city=cell("city"),
        state=cell("state"),
        zip=cell("zip"),
        latitude=cell("latitude"),
        longitude=cell("longitude"),
        phone=cell("phone"),
        hours_text=cell("hours"),
        timezone=cell("timezone"),
        notes=cell("notes"),
        last_verified=verified or options.verified,
        is_demo=(cell("demo") or "").lower() in _TRUE,
    )
    return Parsed(where, raw, problems)


def _derived_id(*parts: str | None) -> str:
    key = "|".join(" ".join((p or "").lower().split()) for p in parts)
    return "h:" + hashlib.sha1(key.encode()).hexdigest()[:20]


# The example row's help (the page gives it in the staff member's language; the columns stay English)
TEMPLATE_NOTE = N_(
    "Replace this row with your own services. Empty latitude and longitude: placed at the ZIP."
)


def template(today: date, note: str = TEMPLATE_NOTE) -> str:
    """The header and one example row (marked demo, so importing the file unchanged harms nobody:
    texters would be told it is demo data, and "remove demo data" takes it away); `note` is its help."""
    example = {
        "id": "example-1",
        "name": "Example Harm Reduction Center",
        "organization": "Example Health Collective",
        "categories": "naloxone;test_strips;syringe_services",
        "address": "410 E Market St",
        "city": "Charlottesville",
        "state": "VA",
        "zip": "22902",
        "latitude": "38.0309",
        "longitude": "-78.4778",
        "phone": "434-555-0100",
        "hours": "Mo-Fr 09:00-17:00; Sa 10:00-14:00",
        "timezone": "America/New_York",
        "notes": note,
        "last_verified": today.isoformat(),
        "demo": "yes",
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # as Excel writes it
    writer.writerow(COLUMNS)
    writer.writerow([example[c] for c in COLUMNS])
    return out.getvalue()
