"""Every real HSDS package in ../shared/data/hsds imports, or is refused with the real problem named.

None of these packages is about harm reduction, so the shipped mapping rightly files nothing: the
tests that look at phones, places, languages and hours lay an admin's mapping over it
(`--mapping`), as a program importing a general 211 export for a trial would.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from smsbot.directory.hours import from_json
from smsbot.directory.importer import import_path
from smsbot.directory.records import ImportOptions
from smsbot.models import Service
from tests.directory_support import categories_of, service_named

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hsds"
TODAY = date(2026, 3, 4)
MONDAY_NOON = datetime(2026, 3, 2, 12, 0)


def package(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"../shared/data/hsds/{name} is not here")
    return path


def _options(tmp_path: Path | None = None, mapping: str | None = None, **overrides) -> ImportOptions:
    mapping_path = None
    if mapping is not None and tmp_path is not None:
        mapping_path = tmp_path / "mapping.toml"
        mapping_path.write_text(mapping, encoding="utf-8")
    return ImportOptions(
        default_timezone="America/New_York",
        today=TODAY,
        mapping_path=str(mapping_path) if mapping_path else None,
        **overrides,
    )


def _services(ctx) -> list:
    with ctx.db.transaction() as conn:
        return list(conn.execute(select(Service.__table__).order_by(Service.__table__.c.name)))


def _warnings(summary) -> str:
    return "\n".join(summary.warnings)


# --- HSDS 3.0: the specification's own examples -------------------------------------------------


def test_hsds3_csv_example_is_refused_for_its_out_of_range_location(ctx):
    summary = import_path(ctx, package("openreferral-specification-3.0-csv"), _options())

    assert (summary.format, summary.added, summary.skipped) == ("hsds", 0, 1)
    assert summary.warnings == [
        "locations.csv line 2: latitude 100 is out of range (-90 to 90);"
        " service 'Community Counselling' skipped"
    ]
    assert summary.groups() == ["1 latitude … is out of range"]


@pytest.mark.parametrize("name", ["service_full.json", "organization_full.json", "tabular.json"])
def test_hsds3_json_examples_are_read_and_refused_for_the_same_location(ctx, name):
    path = package("openreferral-specification-3.0-json") / name

    summary = import_path(ctx, path, _options())

    assert (summary.format, summary.added, summary.skipped) == ("hsds-json", 0, 1)
    assert "latitude 100 is out of range" in _warnings(summary)
    assert "'Community Counselling' skipped" in _warnings(summary)


def test_hsds3_paged_api_response_is_read(ctx):
    path = package("openreferral-specification-3.0-json") / "service_list.json"

    summary = import_path(ctx, path, _options())

    # The page's one service has no location, address or service area: nothing to send anyone to.
    assert (summary.format, summary.added, summary.skipped) == ("hsds-json", 0, 1)
    assert summary.warnings == [
        "service_list.json contents[0]: no location, address or service area; skipped"
    ]


def _fixed_service_full(tmp_path: Path) -> dict:
    """service_full.json with its location moved onto the map (38.03, -78.48)."""
    data = json.loads((package("openreferral-specification-3.0-json") / "service_full.json").read_text())
    location = data["service_at_locations"][0]["location"]
    location.update(latitude=38.03, longitude=-78.48)
    return data


COUNSELLING = 'treatment = ["counselling"]\n'  # the example is a counselling service


def test_hsds3_service_full_imports_phone_extension_languages_and_area(ctx, tmp_path):
    path = tmp_path / "service_full.json"
    path.write_text(json.dumps(_fixed_service_full(tmp_path)))

    summary = import_path(ctx, path, _options(tmp_path, COUNSELLING))

    assert (summary.added, summary.skipped) == (1, 0), summary.warnings
    row = service_named(ctx, "Community Counselling")
    assert row.source == "hsds" and row.source_id.startswith("ac148810-d857-441c-9679-408f346de14b@3a19ff88")
    assert (row.phone, row.phone_extension) == ("+44 1234 234567", "100")  # quotes in the file dropped
    assert row.languages == "ur"
    assert row.organization == "Example Organization Inc."
    # Its only address is postal: the location's own coordinates place it, the address is never given.
    assert (row.location_kind, row.address) == ("place", None)
    assert row.service_area.startswith("The service is available to all residents of the MyCity area")
    assert row.area_zips is None  # "postcodes starting with AB1": not a US area we can resolve
    assert row.last_verified == date(2005, 1, 1)  # assured_date
    assert json.loads(row.category_reasons) == {"treatment": "words: counselling in name"}
    # Its one schedule row ran out in 2005 (until/valid_to): no hours today.
    assert row.hours is None or not from_json(row.hours).intervals_on(MONDAY_NOON)


def test_hsds3_virtual_location_is_never_a_place(ctx, tmp_path):
    data = _fixed_service_full(tmp_path)
    location = data["service_at_locations"][0]["location"]
    location.update(location_type="virtual", latitude=None, longitude=None, addresses=[])
    data["service_at_locations"][0]["location"] = location
    page = {"total_items": 1, "total_pages": 1, "page_number": 1, "contents": [data]}
    path = tmp_path / "page1.json"
    path.write_text(json.dumps(page))
    mapping = COUNSELLING

    # Without a ZIP or area it cannot be found by anyone: refused, with the reason.
    summary = import_path(ctx, path, _options(tmp_path, mapping))
    assert summary.added == 0
    assert "a virtual service with no ZIP or known service area" in _warnings(summary)

    data["service_areas"] = [{"id": "a1", "name": "Charlottesville and 22903", "description": ""}]
    path.write_text(json.dumps({**page, "contents": [data]}))
    summary = import_path(ctx, path, _options(tmp_path, mapping))
    assert summary.added == 1, summary.warnings
    row = service_named(ctx, "Community Counselling")
    assert (row.location_kind, row.address, row.area_zips) == ("virtual", None, "22903")


# --- HSDS 1.1 / 2.0 sample data ----------------------------------------------------------------

# Words an admin trying the sample data might map (none of these services is about drugs).
SAMPLE_MAPPING = 'drop_in = ["homeless", "soup kitchen", "laundry", "young people"]\n'


def test_sample_data_all_resources_reads_2_0_tables(ctx, tmp_path):
    summary = import_path(
        ctx, package("openreferral-sample-data-all_resources"), _options(tmp_path, SAMPLE_MAPPING)
    )

    warnings = _warnings(summary)
    assert summary.format == "hsds"
    assert [r.name for r in _services(ctx)] == ["Never Homeless Helpline", "Yound Minds"]
    assert "services.csv line 5: service is inactive; skipped" in warnings
    # The kitchen and the laundry have neither coordinates nor any address: named, not dropped silently.
    assert "services.csv line 15: no coordinates and no known ZIP; row skipped" in warnings
    assert "services.csv line 18: no coordinates and no known ZIP; row skipped" in warnings

    helpline = service_named(ctx, "Never Homeless Helpline")
    # physical_addresses gives the street; no coordinates: placed at its ZIP's centre, no distance.
    assert (helpline.address, helpline.zip, helpline.location_kind) == (
        "Address 1, Address 2",
        "10001",
        "zip_centre",
    )
    assert helpline.languages == "en es"  # languages.csv: English, Spanish
    assert helpline.service_area == "Sample service area"
    assert helpline.last_verified == TODAY  # no assured_date: the import date
    week = from_json(helpline.hours)
    assert week.intervals_on(MONDAY_NOON) == [(9 * 60, 17 * 60)]  # regular_schedules: weekday 1 = Monday
    assert week.intervals_on(datetime(2026, 3, 5, 12)) == []  # Thursday: not in the table
    assert json.loads(helpline.category_reasons) == {"drop_in": "words: homeless in name"}

    minds = service_named(ctx, "Yound Minds")
    assert (minds.location_kind, minds.latitude, minds.longitude) == ("place", 39.428192, -119.897426)
    assert minds.timezone == "America/New_York"  # no ZIP, no schedule offset: the program default


def test_sample_data_simple_reads_1_1_names(ctx, tmp_path):
    summary = import_path(ctx, package("openreferral-sample-data-simple"), _options(tmp_path, SAMPLE_MAPPING))

    # No addresses in this package: only the location with coordinates can be sent to.
    assert [r.name for r in _services(ctx)] == ["Yound Minds"]
    assert summary.skipped == 12
    assert summary.groups() == [
        "6 no category: see --dry-run",
        "3 no coordinates and no known ZIP",
        "3 service is inactive",
    ]


def test_hsds_1_0_places_services_through_services_location_id(ctx, tmp_path):
    summary = import_path(
        ctx, package("openreferral-sample-data-1.0-simple"), _options(tmp_path, SAMPLE_MAPPING)
    )

    warnings = _warnings(summary)
    assert summary.added == 0
    # The one location with coordinates has them a column to the left (latitude in `transportation`):
    # the real problem is named instead of a place in the Pacific.
    assert (
        "locations.csv line 3: latitude '-119.897426' and longitude '': one is missing "
        "(a column out of place?); service 'Yound Minds' skipped" in warnings
    )
    assert (
        "services.csv line 2: no coordinates and no known ZIP; row skipped" in warnings
    )  # linked, then placed
    assert "services.csv line 5: service is inactive; skipped" in warnings  # "Inactive"


# --- a transformer's output: CSVs in data/, postal addresses only -----------------------------

LEGAL_MAPPING = 'health_clinic = ["legal", "bankruptcy", "public benefits"]\n'


@pytest.mark.parametrize("entry", ["folder", "datapackage.json"])
def test_transformer_output_follows_data_paths_and_never_sends_anyone_to_a_po_box(ctx, tmp_path, entry):
    folder = package("hsds-transformer-output")
    path = folder if entry == "folder" else folder / "datapackage.json"

    summary = import_path(ctx, path, _options(tmp_path, LEGAL_MAPPING))

    assert (summary.format, summary.added, summary.skipped) == ("hsds", 18, 1), summary.warnings
    # "legal clinic" is one of the mapping's false friends: never filed under a health clinic.
    assert "data/services.csv line 3: no category" in _warnings(summary)
    assert summary.source == "hsds:hsds-transformer-output"
    rows = _services(ctx)
    # Postal addresses only: placed at the ZIP of the organization's mailing address, never a street.
    assert {r.location_kind for r in rows} == {"zip_centre"}
    assert {r.address for r in rows} == {None}
    homewood = [r for r in rows if r.zip == "60430"]
    assert homewood and all("P.O. Box" not in (r.address or "") for r in homewood)
    library = next(r for r in rows if r.source_id == "135836@135831")
    assert (library.phone, library.zip) == ("847-392-0100", "60601")  # the service's own line
    assert from_json(library.hours).intervals_on(MONDAY_NOON) == [(9 * 60, 17 * 60)]  # the location's
    assert summary.reasons["no coordinates; placed at the centre of its ZIP"] == 18
    assert categories_of(ctx, "Free bankruptcy filing") == ["health_clinic"]


def test_a_copy_of_a_package_imports_again_without_duplicates(ctx, tmp_path):
    copy = tmp_path / "hsds-transformer-output"
    shutil.copytree(package("hsds-transformer-output"), copy)
    first = import_path(ctx, copy, _options(tmp_path, LEGAL_MAPPING))
    again = import_path(ctx, copy, _options(tmp_path, LEGAL_MAPPING))

    assert (first.added, again.added, again.updated) == (18, 0, 18)
    assert len(_services(ctx)) == 18
