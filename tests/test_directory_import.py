"""Importing a directory: the flat CSV, SAMHSA locator JSON, the command (HSDS: test_directory_hsds.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from smsbot.directory.importer import DirectoryImportError, import_path
from smsbot.directory.records import ImportOptions
from smsbot.models import Service, ServiceCategory
from tests.directory_support import categories_of, service_named

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

    good = service_named(ctx, "Good Place")
    assert good.phone == "434-555-0100"
    assert json.loads(good.hours)["sa"] == ["10:00-14:00"]
    assert good.last_verified == date(2026, 1, 15)
    assert good.timezone == "America/New_York"
    assert categories_of(ctx, "Good Place") == ["naloxone", "test_strips"]
    assert categories_of(ctx, "Half Known") == ["test_strips"]
    assert service_named(ctx, "Odd Hours").hours is None
    zip_only = service_named(ctx, "Only A Zip")
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
    assert categories_of(ctx, "Better Place") == ["naloxone"]
    assert _count(ctx, ServiceCategory) == 1 + 1 + 1 + 1


def test_flat_csv_without_required_columns_is_refused(ctx, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("title,where\nx,y\n")
    with pytest.raises(DirectoryImportError, match="it lacks name and categories"):
        import_path(ctx, path, _options())
    assert _count(ctx) == 0


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
    assert summary.groups() == ["16 mental health only, no substance use treatment"]
    otp = service_named(ctx, "Addiction Recovery Systems LLC")
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
    with pytest.raises(DirectoryImportError, match="neither SAMHSA locator JSON .* nor HSDS 3.0 JSON"):
        import_path(ctx, path, _options())


# --- the command ------------------------------------------------------------------------------


def _cli():
    from smsbot import cli

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


def _facility(irow: int, name: str, street: str, kind: str = "SA", services: list | None = None) -> dict:
    """A row of SAMHSA's current (v2) locator export: same shape, and no `frid` on some rows."""
    return {
        "_irow": irow,
        "name1": name,
        "name2": "",
        "street1": street,
        "street2": "",
        "city": "Charlottesville",
        "state": "VA",
        "zip": "22902",
        "phone": "434-555-0100 x204",
        "typeFacility": kind,
        "latitude": "38.03",
        "longitude": "-78.48",
        "services": services if services is not None else [],
    }


def test_samhsa_export_pages_without_frid_keep_every_facility(ctx, tmp_path):
    pages = [
        [_facility(1, "First Light Recovery", "1 Main St"), _facility(2, "Blue Ridge Detox", "2 Main St")],
        [
            _facility(1, "Market Street OTP", "3 Main St", "OTP"),
            _facility(2, "Dr. Ames", "4 Main St", "BUPREN"),
        ],
    ]
    for number, rows in enumerate(pages, start=1):
        path = tmp_path / f"page{number}.json"
        path.write_text(json.dumps({"page": number, "totalPages": 2, "rows": rows}))
        summary = import_path(ctx, path, _options())
        assert (summary.added, summary.skipped) == (2, 0), summary.warnings

    # `_irow` restarts on every page: had it been the id, page 2 would have overwritten page 1.
    assert _count(ctx) == 4
    otp = service_named(ctx, "Market Street OTP")
    assert categories_of(ctx, "Market Street OTP") == ["treatment"]
    assert json.loads(otp.category_reasons) == {"treatment": "SAMHSA OTP"}
    assert (otp.phone, otp.phone_extension) == ("434-555-0100", "204")
    assert otp.source_id.startswith("h:") and otp.last_verified is None  # no --verified: needs a check
    assert categories_of(ctx, "Dr. Ames") == ["treatment"]  # a buprenorphine practitioner

    # The same facility on another page (or a later export) keeps its id: updated, not added.
    again = tmp_path / "later.json"
    again.write_text(json.dumps({"rows": [_facility(9, "Market Street OTP", "3 Main St", "OTP")]}))
    assert (import_path(ctx, again, _options()).updated, _count(ctx)) == (1, 4)


def test_samhsa_facility_types_without_type_of_care(ctx, tmp_path):
    mental_health = [{"f1": "Type of Care", "f2": "TC", "f3": "Mental health treatment"}]
    both = [{"f1": "Type of Care", "f2": "TC", "f3": "Mental health treatment; Substance use treatment"}]
    rows = [
        _facility(1, "Health Center", "5 Main St", "HRSA"),
        _facility(2, "Counseling Only", "6 Main St", "MH", mental_health),
        _facility(3, "Co-occurring Care", "7 Main St", "MH", both),
    ]
    path = tmp_path / "v2.json"
    path.write_text(json.dumps({"rows": rows}))

    summary = import_path(ctx, path, _options())

    assert (summary.added, summary.skipped) == (2, 1)
    assert summary.warnings == [
        "v2.json rows[1]: mental health only, no substance use treatment (Counseling Only); skipped"
    ]
    # Kept as treatment (and a clinic): not skipped as "mental health only".
    assert categories_of(ctx, "Health Center") == ["health_clinic", "treatment"]
    assert categories_of(ctx, "Co-occurring Care") == ["treatment"]
