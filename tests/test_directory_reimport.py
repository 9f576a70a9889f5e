"""Importing again without surprises: (source, id) identity, an admin's edits kept and listed,
coordinates that follow an address, freshness (`directory stale`, "needs a check"), the dry run."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from smsbot.directory.importer import DirectoryImportError, import_path
from smsbot.directory.records import ImportOptions
from smsbot.models import Service
from tests.dashboard_fixtures import *  # noqa: F403
from tests.directory_support import form_fields, service_named

HEADER = "id,name,categories,address,city,state,zip,latitude,longitude,phone,hours,notes,last_verified\n"
ROWS = (
    "a1,Riverside Naloxone Point,naloxone,1 Main St,Charlottesville,VA,22902,38.03,-78.48,"
    "434-555-0100,Mo-Fr 09:00-17:00,From the file,2026-01-15\n"
    "a2,Old Drop-In,drop_in,2 Water St,Charlottesville,VA,22902,38.04,-78.47,,,,2025-01-10\n"
)


def _options(**overrides) -> ImportOptions:
    return ImportOptions(default_timezone="America/New_York", today=date(2026, 3, 4), **overrides)


def _cli():
    from smsbot import cli

    return cli.app


@pytest.fixture
def admin(staff_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(role='admin', name='Ada Admin')}"}


def test_an_api_edit_survives_a_reimport_and_is_listed_as_a_conflict(ctx, client, admin, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(HEADER + ROWS)
    import_path(ctx, path, _options())
    service_id = service_named(ctx, "Riverside Naloxone Point").id

    edit = {"notes": "Ring the side door.", "hours": "Mo-Sa 08:00-20:00"}
    patched = client.patch(f"/api/services/{service_id}", json=edit, headers=admin)
    assert patched.status_code == 200, patched.text
    assert patched.json()["edited_fields"] == ["hours", "notes"]

    path.write_text(
        HEADER + ROWS.replace("434-555-0100,Mo-Fr 09:00-17:00,From the file", "434-555-0111,,New")
    )
    summary = import_path(ctx, path, _options())

    assert (summary.added, summary.updated) == (0, 2)
    assert summary.conflicts == ["line 2: 'Riverside Naloxone Point': kept your edits to hours, notes"]
    assert "kept 1 edited field" in summary.line()
    shown = client.get(f"/api/services/{service_id}", headers=admin).json()
    assert (shown["notes"], shown["hours"]) == ("Ring the side door.", "Mo-Sa 08:00-20:00")
    assert shown["phone"] == "434-555-0111"  # a field nobody edited follows the file


def test_a_dashboard_edit_survives_a_reimport_from_the_dashboard(ctx, staff_browser):
    admin = staff_browser("admin")
    files = {"file": ("services.csv", (HEADER + ROWS).encode(), "text/csv")}
    assert admin.post("/directory/import", {}, files=files).status_code == 200
    service_id = service_named(ctx, "Old Drop-In").id
    page = admin.get(f"/directory/{service_id}").text
    fields = form_fields(page)  # as a browser sends it
    assert {"name", "zip", "latitude", "last_verified"} <= set(fields)
    saved = admin.post(f"/directory/{service_id}", {**fields, "notes": "Closed on Mondays."})
    assert saved.headers["location"] == f"/directory/{service_id}?done=saved"

    again = admin.post("/directory/import", {}, files=files).text

    assert "Your edits kept (1)" in again and "kept your edit to notes" in again
    assert service_named(ctx, "Old Drop-In").notes == "Closed on Mondays."
    assert (
        "Edited here, kept when the source is imported again: notes"
        in admin.get(f"/directory/{service_id}").text
    )


def test_coordinates_follow_an_address_change(ctx, client, admin, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(HEADER + ROWS)
    import_path(ctx, path, _options())
    service_id = service_named(ctx, "Old Drop-In").id

    # The API: a new ZIP without coordinates places it at that ZIP, not at the old spot.
    moved = client.patch(
        f"/api/services/{service_id}",
        json={"address": "5 W 31st St", "city": "New York", "state": "NY", "zip": "10001"},
        headers=admin,
    ).json()
    assert abs(moved["latitude"] - 40.75) < 0.05 and abs(moved["longitude"] + 74.0) < 0.05
    assert moved["location_kind"] == "zip_centre"

    # A file that moves a service and gives no coordinates: re-placed from its new ZIP.
    path.write_text(
        HEADER
        + ROWS.replace("1 Main St,Charlottesville,VA,22902,38.03,-78.48", "9 Oak St,Staunton,VA,24401,,")
    )
    import_path(ctx, path, _options())
    row = service_named(ctx, "Riverside Naloxone Point")
    assert (row.zip, row.location_kind, round(row.latitude, 1)) == ("24401", "zip_centre", 38.2)
    # ... while the one moved by hand keeps the admin's address and its coordinates.
    kept = service_named(ctx, "Old Drop-In")
    assert kept.zip == "10001" and abs(kept.latitude - 40.75) < 0.05


def test_a_blank_source_is_refused(ctx, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(HEADER + ROWS)
    with pytest.raises(DirectoryImportError, match="source name is blank"):
        import_path(ctx, path, _options(source="  "))
    result = CliRunner().invoke(_cli(), ["directory", "import", str(path), "--source", ""])
    assert result.exit_code == 2 and "source name is blank" in result.output


def test_stale_services_are_listed_by_the_command_and_the_dashboard(ctx, staff_browser, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(
        HEADER + ROWS + "a3,Never Checked,naloxone,3 Main St,Charlottesville,VA,22902,38.05,-78.46,,,,\n"
    )
    import_path(ctx, path, _options())

    result = CliRunner().invoke(_cli(), ["directory", "stale", "--months", "6", "--today", "2026-03-04"])

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split("\t")[3] for line in lines[:-1]] == ["Never Checked", "Old Drop-In"]
    assert lines[0].split("\t")[1] == "never" and lines[1].split("\t")[1] == "2025-01-10"
    assert lines[-1] == "2 services not checked for 6 months or more"
    assert "Riverside" not in result.output  # checked 2026-01-15, seven weeks before "today"

    page = staff_browser("admin").get("/directory?check=1").text
    assert "Never Checked" in page and "Old Drop-In" in page and "Riverside Naloxone Point" not in page
    assert "not verified for 6 months: 2" in page


def test_dry_run_prints_categories_with_samples_and_reasons_and_writes_nothing(ctx, tmp_path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "services.csv").write_text(
        "id,name,description\n"
        "s1,Rivanna Harm Reduction,Syringes and naloxone for people who use drugs\n"
        "s2,Adult Day Respite,Respite for caregivers\n"
        "s3,Market Street Methadone,\n"
    )
    (folder / "locations.csv").write_text("id,latitude,longitude\nl1,38.03,-78.48\n")
    (folder / "service_at_location.csv").write_text(
        "id,service_id,location_id\nx1,s1,l1\nx2,s2,l1\nx3,s3,l1\n"
    )

    result = CliRunner().invoke(_cli(), ["directory", "import", str(folder), "--dry-run"])

    assert result.exit_code == 0, result.output
    out = result.output
    assert "dry run: nothing was written" in out
    assert re.search(r"treatment: 1\n\s+- Market Street Methadone \(words: methadone in name\)", out)
    assert "(no category): 1" in out and "- Adult Day Respite" in out
    assert "1 no category: see --dry-run" in out
    assert "hsds: would add 2, would update 0, would skip 1" in out
    with ctx.db.transaction() as conn:
        assert conn.execute(update(Service.__table__).values(name="x")).rowcount == 0


def test_hsds_warnings_count_the_header_as_line_1(ctx, tmp_path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "services.csv").write_text(
        "id,name,description\ns1,,naloxone\ns2,Free naloxone,Naloxone kits\n"
    )
    (folder / "locations.csv").write_text("id,latitude,longitude\nl1,38.03,-78.48\n")
    (folder / "service_at_location.csv").write_text("id,service_id,location_id\nx1,s1,l1\nx2,s2,l1\n")

    summary = import_path(ctx, folder, _options())

    assert summary.warnings == ["services.csv line 2: missing name; row skipped"]  # the first data row
    assert json.loads(service_named(ctx, "Free naloxone").category_reasons) == {
        "naloxone": "words: naloxone in name"
    }


def test_the_directory_page_shows_why_each_service_has_its_categories(ctx, staff_browser, tmp_path):
    from tests.test_directory_hsds import build_211

    import_path(ctx, build_211(tmp_path / "export"), _options())
    admin = staff_browser("admin")

    listing = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", admin.get("/directory").text))
    assert "treatment (AIRS RX-8450.5000)" in listing
    assert "syringe services (term: Harm Reduction Programs)" in listing
    assert "Serves Miami-Dade County" in listing  # an area service has no street to show
    page = admin.get(f"/directory/{service_named(ctx, 'Opioid Treatment Program').id}").text
    assert "Why these categories" in page and "treatment: AIRS RX-8450.5000" in page
