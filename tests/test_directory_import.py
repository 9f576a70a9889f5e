"""Importing a directory: the flat CSV, an HSDS data package (3.0 and 1.x names), SAMHSA locator JSON."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from smsbot.directory.importer import DirectoryImportError, detect_format, import_path
from smsbot.directory.records import ImportOptions
from smsbot.models import Service, ServiceCategory

SAMHSA_SAMPLE = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "samhsa-findtreatment-sample-2019.json"
)

FLAT_HEADER = "id,name,categories,address,city,state,zip,latitude,longitude,phone,hours,notes,last_verified\n"
FLAT_ROWS = (
    "a1,Good Place,naloxone;test_strips,1 Main St,Charlottesville,VA,22902,38.03,-78.48,(434) 555-0100,"
    'Mo-Fr 09:00-17:00; Sa 10:00-14:00,"two\nlines of notes",2026-01-15\n'  # lines 2-3
    "a2,Too Far North,naloxone,,,,22902,100,-78.48,,,,\n"  # line 4: latitude 100
    "a3,,naloxone,,,,22902,38.03,-78.48,,,,\n"  # line 5: no name
    "a4,Pizza Place,pizza,,,,22902,38.03,-78.48,,,,\n"  # line 6: only an unknown category
    "a5,Half Known,drug checking;pizza,,,,22902,38.04,-78.49,,,,\n"  # line 7: imported, warned
    "a6,Odd Hours,syringe_services,,,,22902,38.05,-78.47,,whenever,,\n"  # line 8: imported without hours
    "a7,Only A Zip,drop-in,5 Water St,New York,NY,10001-1234,,,,24/7,,\n"  # line 9: placed at the ZIP
)


def _options(**overrides) -> ImportOptions:
    return ImportOptions(default_timezone="America/New_York", today=date(2026, 3, 4), **overrides)


def _count(ctx, table=Service) -> int:
    with ctx.db.transaction() as conn:
        return conn.execute(select(func.count()).select_from(table.__table__)).scalar_one()


def _service(ctx, name: str):
    with ctx.db.transaction() as conn:
        return conn.execute(select(Service.__table__).where(Service.__table__.c.name == name)).one()


def _categories(ctx, name: str) -> list[str]:
    sc, s = ServiceCategory.__table__, Service.__table__
    with ctx.db.transaction() as conn:
        rows = conn.execute(
            select(sc.c.category)
            .join(s, s.c.id == sc.c.service_id)
            .where(s.c.name == name)
            .order_by(sc.c.category)
        )
        return [r[0] for r in rows]


def test_flat_csv_imports_good_rows_and_names_each_bad_line(ctx, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(FLAT_HEADER + FLAT_ROWS, encoding="utf-8")

    summary = import_path(ctx, path, _options())

    assert (summary.format, summary.added, summary.updated, summary.skipped) == ("csv", 4, 0, 3)
    warnings = "\n".join(summary.warnings)
    assert "line 4: latitude 100 is out of range" in warnings
    assert "line 5: missing name" in warnings
    assert "line 6: unknown category 'pizza'" in warnings and "line 6: no known category" in warnings
    assert "line 7: unknown category 'pizza'" in warnings
    assert "line 8: hours not understood" in warnings
    assert "line 9: no coordinates; placed at the centre of its ZIP" in warnings

    good = _service(ctx, "Good Place")
    assert good.phone == "434-555-0100"
    assert json.loads(good.hours)["sa"] == ["10:00-14:00"]
    assert good.last_verified == date(2026, 1, 15)
    assert good.timezone == "America/New_York"
    assert _categories(ctx, "Good Place") == ["naloxone", "test_strips"]
    assert _categories(ctx, "Half Known") == ["test_strips"]
    assert _service(ctx, "Odd Hours").hours is None
    zip_only = _service(ctx, "Only A Zip")
    assert (zip_only.zip, round(zip_only.latitude, 2), round(zip_only.longitude, 2)) == (
        "10001",
        40.75,
        -74.0,
    )


def test_reimporting_updates_and_never_duplicates(ctx, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(FLAT_HEADER + FLAT_ROWS, encoding="utf-8")
    import_path(ctx, path, _options())
    path.write_text(
        FLAT_HEADER + FLAT_ROWS.replace("Good Place,naloxone;test_strips", "Better Place,naloxone")
    )

    again = import_path(ctx, path, _options())

    assert (again.added, again.updated, again.skipped) == (0, 4, 3)
    assert _count(ctx) == 4
    assert _categories(ctx, "Better Place") == ["naloxone"]
    assert _count(ctx, ServiceCategory) == 1 + 1 + 1 + 1


def test_flat_csv_without_required_columns_is_refused(ctx, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("title,where\nx,y\n")
    with pytest.raises(DirectoryImportError, match="header lacks name, categories"):
        import_path(ctx, path, _options())
    assert _count(ctx) == 0


# --- HSDS -------------------------------------------------------------------------------------


def _write_csv(folder: Path, name: str, rows: list[dict]) -> None:
    with (folder / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def build_hsds3(folder: Path) -> Path:
    """A small HSDS 3.0 package: 5 services, one at a location with latitude 100."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "organizations": [{"id": "o1", "name": "Rivanna Health Collective", "description": ""}],
        "services": [
            {
                "id": "s1",
                "organization_id": "o1",
                "name": "Free naloxone",
                "description": "",
                "status": "active",
                "assured_date": "2026-02-10",
            },
            {
                "id": "s2",
                "organization_id": "o1",
                "name": "Syringe exchange",
                "description": "Sterile supplies",
                "status": "active",
                "assured_date": "",
            },
            {
                "id": "s3",
                "organization_id": "o1",
                "name": "Lost van",
                "description": "naloxone",
                "status": "active",
                "assured_date": "",
            },
            {
                "id": "s4",
                "organization_id": "o1",
                "name": "Food pantry",
                "description": "Groceries",
                "status": "active",
                "assured_date": "",
            },
            {
                "id": "s5",
                "organization_id": "o1",
                "name": "",
                "description": "naloxone",
                "status": "active",
                "assured_date": "",
            },
        ],
        "locations": [
            {
                "id": "l1",
                "organization_id": "o1",
                "name": "Main office",
                "latitude": "38.0300",
                "longitude": "-78.4800",
            },
            {"id": "l2", "organization_id": "o1", "name": "Broken", "latitude": "100", "longitude": "-78.48"},
        ],
        "service_at_location": [
            {"id": "sal1", "service_id": "s1", "location_id": "l1"},
            {"id": "sal2", "service_id": "s2", "location_id": "l1"},
            {"id": "sal3", "service_id": "s3", "location_id": "l2"},
            {"id": "sal4", "service_id": "s4", "location_id": "l1"},
            {"id": "sal5", "service_id": "s5", "location_id": "l1"},
        ],
        "addresses": [
            {
                "id": "a0",
                "location_id": "l1",
                "address_1": "PO Box 9",
                "city": "Charlottesville",
                "state_province": "VA",
                "postal_code": "22906",
                "country": "US",
                "address_type": "postal",
            },
            {
                "id": "a1",
                "location_id": "l1",
                "address_1": "410 E Market St",
                "city": "Charlottesville",
                "state_province": "VA",
                "postal_code": "22902",
                "country": "US",
                "address_type": "physical",
            },
        ],
        "phones": [
            {"id": "p1", "organization_id": "o1", "service_id": "", "number": "434 555 0199"},
            {"id": "p2", "organization_id": "", "service_id": "s1", "number": "434-555-0101"},
        ],
        "schedules": [
            {
                "id": "h1",
                "service_id": "s1",
                "location_id": "",
                "service_at_location_id": "",
                "freq": "WEEKLY",
                "byday": "MO,TU,WE,TH,FR",
                "opens_at": "09:00",
                "closes_at": "17:00",
                "timezone": "-5",
                "valid_from": "",
                "valid_to": "",
            },
            {
                "id": "h2",
                "service_id": "s1",
                "location_id": "",
                "service_at_location_id": "",
                "freq": "WEEKLY",
                "byday": "SA",
                "opens_at": "10:00:00-05:00",
                "closes_at": "14:00:00-05:00",
                "timezone": "-5",
                "valid_from": "",
                "valid_to": "",
            },
            {
                "id": "h3",
                "service_id": "s1",
                "location_id": "",
                "service_at_location_id": "",
                "freq": "MONTHLY",
                "byday": "1SU",
                "opens_at": "12:00",
                "closes_at": "15:00",
                "timezone": "-5",
                "valid_from": "",
                "valid_to": "",
            },
            {
                "id": "h4",
                "service_id": "s1",
                "location_id": "",
                "service_at_location_id": "",
                "freq": "WEEKLY",
                "byday": "SU",
                "opens_at": "08:00",
                "closes_at": "09:00",
                "timezone": "-5",
                "valid_from": "",
                "valid_to": "2025-12-31",
            },
        ],
        "taxonomy_terms": [
            {"id": "t1", "code": "HR-NAL", "name": "Naloxone Distribution", "taxonomy": "local"},
            {"id": "t2", "code": "FOOD", "name": "Food", "taxonomy": "local"},
        ],
        "attributes": [
            {
                "id": "at1",
                "link_id": "s1",
                "link_type": "",
                "link_entity": "service",
                "taxonomy_term_id": "t1",
            },
            {
                "id": "at2",
                "link_id": "s4",
                "link_type": "",
                "link_entity": "service",
                "taxonomy_term_id": "t2",
            },
        ],
    }
    for name, rows in tables.items():
        _write_csv(folder, f"{name}.csv", rows)
    descriptor = {
        "name": "test-hsds",
        "profile": "tabular-data-package",
        "resources": [{"name": name, "path": f"{name}.csv"} for name in tables],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    return folder


def test_hsds3_package_imports_with_categories_hours_and_a_broken_row(ctx, tmp_path):
    folder = build_hsds3(tmp_path / "pkg")
    assert detect_format(folder) == "hsds"

    summary = import_path(ctx, folder, _options())

    assert (summary.added, summary.updated, summary.skipped) == (2, 0, 3)
    warnings = "\n".join(summary.warnings)
    assert "locations.csv line 3: latitude 100 is out of range" in warnings
    assert "'Lost van' skipped" in warnings
    assert "services.csv line 5: no category" in warnings  # the food pantry
    assert "services.csv line 6: missing name" in warnings
    assert "schedules.csv line 4: a MONTHLY schedule is not weekly hours" in warnings

    naloxone = _service(ctx, "Free naloxone")
    assert naloxone.source == "hsds:test-hsds" and naloxone.source_id == "s1@l1"
    assert naloxone.address == "410 E Market St" and naloxone.zip == "22902"  # physical, not the PO box
    assert naloxone.phone == "434-555-0101"  # the service's own line beats the organization's
    assert naloxone.organization == "Rivanna Health Collective"
    assert naloxone.last_verified == date(2026, 2, 10)
    hours = json.loads(naloxone.hours)
    assert hours["mo"] == ["09:00-17:00"] and hours["sa"] == ["10:00-14:00"]
    assert hours["su"] == []  # the Sunday row expired on 2025-12-31
    assert _categories(ctx, "Free naloxone") == ["naloxone"]  # from the taxonomy term
    assert _categories(ctx, "Syringe exchange") == ["syringe_services"]  # from its name
    assert _service(ctx, "Syringe exchange").phone == "434-555-0199"  # the organization's line

    again = import_path(ctx, folder, _options())
    assert (again.added, again.updated) == (0, 2)
    assert _count(ctx) == 2


def test_hsds_category_mapping_can_be_replaced(ctx, tmp_path):
    folder = build_hsds3(tmp_path / "pkg")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('health_clinic = ["food"]\n')

    summary = import_path(ctx, folder, _options(mapping_path=str(mapping)))

    assert summary.added == 3
    assert _categories(ctx, "Food pantry") == ["health_clinic"]


def test_hsds_1x_names_are_accepted(ctx, tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    _write_csv(folder, "services.csv", [{"id": "1", "name": "Needle exchange", "description": ""}])
    _write_csv(
        folder, "locations.csv", [{"id": "9", "name": "Van", "latitude": "40.75", "longitude": "-73.99"}]
    )
    _write_csv(folder, "services_at_location.csv", [{"id": "x", "service_id": "1", "location_id": "9"}])
    _write_csv(
        folder,
        "physical_addresses.csv",
        [
            {
                "id": "a",
                "location_id": "9",
                "address_1": "1 W 31st St",
                "city": "New York",
                "state_province": "NY",
                "postal_code": "10001",
            }
        ],
    )
    _write_csv(
        folder,
        "regular_schedule.csv",
        [
            {"id": "r", "service_id": "1", "weekday": "Tuesday", "opens_at": "18:00", "closes_at": "22:00"},
            {"id": "r2", "service_id": "1", "weekday": "5", "opens_at": "22:00", "closes_at": "02:00"},
        ],
    )

    summary = import_path(ctx, folder, _options())

    assert (summary.format, summary.added, summary.skipped) == ("hsds", 1, 0), summary.warnings
    row = _service(ctx, "Needle exchange")
    assert json.loads(row.hours)["tu"] == ["18:00-22:00"]
    assert json.loads(row.hours)["fr"] == ["22:00-02:00"]
    assert _categories(ctx, "Needle exchange") == ["syringe_services"]


# --- SAMHSA -----------------------------------------------------------------------------------


@pytest.fixture
def samhsa_sample() -> Path:
    if not SAMHSA_SAMPLE.exists():
        pytest.skip("../shared/data/samhsa-findtreatment-sample-2019.json is not here")
    return SAMHSA_SAMPLE


def test_samhsa_sample_imports_substance_use_facilities_as_treatment(ctx, samhsa_sample):
    # The sample is real but stale (May 2019) test data: it is labelled with that date.
    summary = import_path(ctx, samhsa_sample, _options(verified=date(2019, 5, 30)))

    assert (summary.format, summary.added, summary.skipped) == ("samhsa", 14, 16)
    assert all("mental health only" in w for w in summary.warnings)
    otp = _service(ctx, "Addiction Recovery Systems LLC")
    assert otp.notes == "Medications: methadone, buprenorphine."
    assert otp.last_verified == date(2019, 5, 30)
    assert otp.source == "samhsa" and otp.zip == "22911"
    with ctx.db.transaction() as conn:
        categories = {r[0] for r in conn.execute(select(ServiceCategory.__table__.c.category))}
    assert categories == {"treatment"}
    assert import_path(ctx, samhsa_sample, _options()).updated == 14
    assert _count(ctx) == 14


def test_json_that_is_not_samhsa_is_refused(ctx, tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"items": []}')
    with pytest.raises(DirectoryImportError, match='no "rows" list'):
        import_path(ctx, path, _options())


# --- the command ------------------------------------------------------------------------------


def _cli():
    from smsbot import cli

    cli._register_feature_commands()
    return cli.app


def test_import_command_prints_warnings_and_a_summary(ctx, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(FLAT_HEADER + FLAT_ROWS, encoding="utf-8")

    result = CliRunner().invoke(_cli(), ["directory", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert "csv: added 4, updated 0, skipped 3" in result.output
    assert "warning: line 4: latitude 100 is out of range" in result.output


def test_import_command_refuses_an_unknown_format(ctx, tmp_path):
    path = tmp_path / "services.xlsx"
    path.write_bytes(b"PK")
    result = CliRunner().invoke(_cli(), ["directory", "import", str(path)])
    assert result.exit_code == 2
    assert "unknown format" in result.output
