"""Finding an HSDS package's tables, wherever the publisher put them, under one set of names.

A folder with `datapackage.json` (its resources' `path`s are followed, e.g. `data/services.csv`;
a path that does not exist is looked for beside the descriptor and in `data/`), or a folder of CSVs
(also in `data/`). HSDS 1.x/2.0 table names are read as their 3.0 equivalents. Every row keeps
where it came from ("services.csv line 7": the header is line 1) for warnings.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from smsbot.directory.encoding import read_text

Row = dict[str, str]

# Logical table → file/resource names across HSDS versions (3.0 first). `taxonomies` (3.0) is the
# list of vocabularies, not terms: it is deliberately absent.
TABLES = {
    "organizations": ("organizations", "organization"),
    "services": ("services", "service"),
    "locations": ("locations", "location"),
    "service_at_location": ("service_at_location", "services_at_location", "service_at_locations"),
    "addresses": ("addresses", "address"),
    "physical_addresses": ("physical_addresses", "physical_address"),
    "postal_addresses": ("postal_addresses", "postal_address"),
    "phones": ("phones", "phone"),
    "schedules": ("schedules", "schedule"),
    "regular_schedules": ("regular_schedules", "regular_schedule"),
    "holiday_schedules": ("holiday_schedules", "holiday_schedule"),
    "attributes": ("attributes", "attribute", "service_attributes", "services_taxonomy", "service_taxonomy"),
    "taxonomy_terms": ("taxonomy_terms", "taxonomy_term", "taxonomy"),
    "languages": ("languages", "language"),
    "service_areas": ("service_areas", "service_area"),
}
_BLANK = {"null", "none", "nil", "n/a"}  # the specification's own figures write `null` in cells


class HsdsError(ValueError):
    """The data cannot be read as an HSDS package at all."""


@dataclass
class Table:
    label: str  # the file as a user knows it: "services.csv", "data/phones.csv"
    rows: list[tuple[str, Row]] = field(default_factory=list)  # (where, row)


def cell(value: object) -> str:
    """One value as text: stripped, with JSON null / "null" as blank and 3.0 as "3.0"."""
    if value.__class__ is not str:
        if value is None or isinstance(value, (dict, list)):
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        value = str(value)
    text = value.strip()  # type: ignore[union-attr]
    return "" if len(text) <= 4 and text.lower() in _BLANK else text


def text(value: str) -> str:
    """A cell as found in a CSV: stripped, `null` as blank."""
    text = value.strip()
    return "" if len(text) <= 4 and text.lower() in _BLANK else text


_NULL_WORD = re.compile(r"null|none|nil|n/a", re.I)


def _needs_cleaning(body: str) -> bool:
    """Could `text` change any cell: a space or tab at a cell's edge, or a null word?"""
    edges = (", ", " ,", ",\t", "\t,", "\n ", " \n", " \r", "\n\t", "\t\n", "\t\r")
    return body[:1] in (" ", "\t") or any(e in body for e in edges) or bool(_NULL_WORD.search(body))


def read_csv(path: Path, label: str) -> Table:
    """Rows with the line each starts on (header = line 1), keys lower-cased, values cleaned."""
    table = Table(label)
    body, _ = read_text(path)  # UTF-8, else Windows-1252 (as Excel saves), never a guess
    reader = csv.reader(io.StringIO(body, newline=""))
    try:
        header = [h.strip().lower().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        return table
    # Most exports are clean: then each row is one C-level dict(zip()); else every cell is cleaned.
    clean = not _needs_cleaning(body)
    append = table.rows.append
    last = reader.line_num  # a quoted cell may span lines: each row starts after the last one
    for cells in reader:
        start, last = last + 1, reader.line_num
        row = dict(zip(header, cells if clean else map(text, cells), strict=False))
        if any(row.values()):
            append((f"{label} line {start}", row))
    return table


def is_package(path: Path) -> bool:
    return path.is_dir() and any(
        (base / name).exists()
        for base in (path, path / "data")
        for name in ("datapackage.json", "services.csv", "service.csv")
    )


def _resource_files(folder: Path) -> tuple[str, dict[str, Path]]:
    """The package name and every CSV it has, by resource name and file stem (lower case)."""
    name, found = folder.name, {}
    descriptor = folder / "datapackage.json"
    if descriptor.exists():
        try:
            meta = json.loads(descriptor.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HsdsError(f"datapackage.json is not JSON ({exc})") from None
        if not isinstance(meta, dict):
            raise HsdsError("datapackage.json is not a data package descriptor (expected an object)")
        name = str(meta.get("name") or name)
        for resource in meta.get("resources") or []:
            if not (isinstance(resource, dict) and isinstance(resource.get("path"), str)):
                continue
            written = Path(resource["path"])
            # Publishers' tools often write the path they built the package in (tmp/x/data/y.csv).
            for candidate in (folder / written, folder / "data" / written.name, folder / written.name):
                if candidate.is_file() and candidate.resolve().is_relative_to(folder.resolve()):
                    for key in (str(resource.get("name") or ""), written.stem):
                        if key:
                            found.setdefault(key.lower(), candidate)
                    break
    for base in (folder, folder / "data"):
        if base.is_dir():
            for path in sorted(base.glob("*.csv")):
                found.setdefault(path.stem.lower(), path)
    return name, found


def load_folder(folder: Path) -> tuple[str, dict[str, Table]]:
    """(package name, logical table → rows) for a package folder; HsdsError when it has no services."""
    name, files = _resource_files(folder)
    tables: dict[str, Table] = {}
    for logical, names in TABLES.items():
        path = next((files[n] for n in names if n in files), None)
        if path is not None:
            tables[logical] = read_csv(path, path.relative_to(folder).as_posix())
    if "services" not in tables:
        listed = ", ".join(sorted(files)) or "no CSV files"
        raise HsdsError(
            f"the package has no services table (services.csv, here or in data/); it has: {listed}"
        )
    return name, tables


def tables_from_json(label: str, data: dict) -> dict[str, Table]:
    """HSDS 3.0 `tabular.json`: {"services.csv": [rows...], ...} → tables."""
    files = {Path(key).stem.lower(): rows for key, rows in data.items() if isinstance(rows, list)}
    tables: dict[str, Table] = {}
    for logical, names in TABLES.items():
        key = next((n for n in names if n in files), None)
        if key is None:
            continue
        table = Table(f"{label} {key}")
        for index, row in enumerate(files[key]):
            if isinstance(row, dict):
                table.rows.append((f"{label} {key}[{index}]", {k.lower(): cell(v) for k, v in row.items()}))
        tables[logical] = table
    if "services" not in tables:
        raise HsdsError(f"{label} has no services table")
    return tables
