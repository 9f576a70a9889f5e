"""The Directory for everyone (issue 12): peers search it as a texter would be answered; admins add a
service by form (errors beside their fields, input kept), download the CSV template, upload Excel's
files, see import errors on the page itself, remove the demo data (asked first, audited) and see each
service's source, category reasons and freshness."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from smsbot.directory.flat_csv import COLUMNS
from smsbot.directory.importer import import_path
from smsbot.directory.records import ImportOptions
from smsbot.directory.store import DEMO_CSV
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import audit_rows
from tests.directory_support import service_named

DEVELOPER_WORDS = ("Value error", "String should", "Input should", "codec", "Traceback", "validation error")


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def demo(ctx):
    import_path(ctx, DEMO_CSV, ImportOptions(default_timezone="America/New_York", source="demo"))


def test_a_peer_finds_what_a_texter_near_a_zip_would_get(ctx, sms, staff_browser, demo):
    peer = staff_browser("peer", name="Pat Peer")
    page = peer.get("/directory?zip=22902&need=naloxone&language=en")
    assert page.status_code == 200
    shown = html.unescape(re.search(r'<p class="sms">(.*?)</p>', page.text, re.S).group(1))
    assert shown == sms("NALOXONE 22902")  # exactly the text the line sends
    places = re.findall(r'<li class="card">\s*<h4><a href="/directory/(\d+)">([^<]+)</a>', page.text)
    assert places and all(html.unescape(name) in shown for _, name in places[:3])
    assert "in the first text" in page.text
    spanish = peer.get("/directory?zip=22902&need=sites&language=es").text
    assert '<p class="sms" lang="es">' in spanish
    # Peers read; only admins see the tools that change it.
    listing = peer.get("/directory").text
    assert "Import a file" not in listing and "Add a service" not in listing and "Remove demo" not in listing
    service_id = places[0][0]
    view = peer.get(f"/directory/{service_id}").text
    assert "Why these categories" in view and '<form method="post" action="/directory/' not in view
    assert peer.get("/directory/new").status_code == 403


def test_an_unknown_zip_or_need_is_said_beside_the_field(staff_browser, demo):
    peer = staff_browser("peer")
    page = peer.get("/directory?zip=99999&need=naloxone").text
    assert 'id="zip-error"' in page and "Give a 5-digit US ZIP code we know" in page
    assert 'aria-invalid="true"' in page and 'value="99999"' in page
    assert "Harm reduction sites" in peer.get("/directory?zip=22902&need=pizza").text  # falls back to SITES


def test_the_csv_template_is_what_the_importer_reads(ctx, staff_browser):
    admin = staff_browser("admin")
    response = admin.get("/directory/template.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS) and len(rows) == 2
    example = dict(zip(rows[0], rows[1], strict=True))
    assert example["demo"] == "yes" and example["categories"] == "naloxone;test_strips;syringe_services"

    files = {"file": ("directory-template.csv", response.content, "text/csv")}
    imported = _text(admin.post("/directory/import", {}, files=files).text)
    assert "csv: added 1, updated 0, skipped 0 (0 warnings)" in imported
    assert service_named(ctx, "Example Harm Reduction Center").is_demo is True  # "remove demo" takes it


def test_an_excel_csv_with_accents_imports_from_the_page(ctx, staff_browser):
    admin = staff_browser("admin")
    body = "id,name,categories,zip\nc1,Café Esperanza,naloxone,22902\n".encode("cp1252")
    page = admin.post("/directory/import", {}, files={"file": ("Lista de servicios.csv", body, "text/csv")})
    assert page.status_code == 200
    assert "read as Windows-1252 text (as Excel saves a CSV)" in _text(page.text)
    assert service_named(ctx, "Café Esperanza").zip == "22902"


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (("services.csv", b"title,where\nx,y\n"), "it lacks name and categories"),
        (("services.csv", b"id,name,categories\n\x81\x8d\x00\x00"), "CSV UTF-8"),
        (("services.json", b"{not json"), "it stops making sense at line 1, column 2"),
        (("services.xlsx", b"PK\x03\x04"), "That is a spreadsheet: save it as CSV first"),
        (("services.zip", b"not a zip"), "That .zip file cannot be read"),
        (("services.csv", b""), "That file is empty."),
    ],
)
def test_import_errors_are_shown_on_the_directory_page(ctx, staff_browser, upload, words):
    admin = staff_browser("admin")
    page = admin.post("/directory/import", {"source": "county"}, files={"file": (*upload, "text/csv")})
    assert page.status_code == 422
    assert "<h1>Directory" in page.text and "Sorry" not in page.text  # the page itself, not an error page
    assert "This file was not imported" in page.text and words in _text(page.text)
    assert 'id="file-error"' in page.text and 'href="#file"' in page.text
    assert 'value="county"' in page.text  # what was typed is kept
    assert not any(w in page.text for w in DEVELOPER_WORDS)
    assert audit_rows(ctx, "directory_imported") == []


def test_an_admin_adds_a_service_by_form_with_a_mistake_and_fixes_it(ctx, staff_browser):
    admin = staff_browser("admin")
    assert admin.get("/directory/new").status_code == 200
    typed = {
        "name": "",
        "zip": "99999",
        "phone": "4345550199x",
        "hours": "whenever",
        "city": "Charlottesville",
        "latitude": "38.03",
        "location_kind": "place",
    }
    refused = admin.post("/directory/new", typed)
    assert refused.status_code == 422
    page = refused.text
    summary = page[
        page.index('class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))
    ]
    for field in ("name", "categories", "zip", "phone", "hours", "longitude"):
        assert f'href="#{field}"' in summary, field
        assert f'id="{field}-error"' in page, field
    assert 'id="zip" name="zip" value="99999"' in page and 'value="Charlottesville"' in page  # kept
    assert not any(w in page for w in DEVELOPER_WORDS)
    text = _text(page)
    assert "Give the service a name." in text and "Choose at least one category." in text
    assert "Give the longitude too" in text

    fixed = {
        **typed,
        "name": "Café Uno",
        "zip": "22902",
        "phone": "434-555-0199",
        "hours": "Mo-Fr 09:00-17:00",
    }
    fixed |= {"latitude": "", "categories": ["naloxone", "test_strips"], "languages": "Spanish"}
    saved = admin.post("/directory/new", fixed)
    assert saved.status_code == 303, saved.text
    service_id = int(saved.headers["location"].split("/")[2].split("?")[0])
    row = service_named(ctx, "Café Uno")
    assert (row.id, row.phone, row.languages, row.location_kind) == (
        service_id,
        "434-555-0199",
        "es",
        "zip_centre",
    )
    assert [r.detail for r in audit_rows(ctx, "service_created")] == ["page: Café Uno"]
    shown = _text(admin.get(saved.headers["location"]).text)
    assert (
        "The service is added." in shown and "added by hand" in shown and "naloxone: set by an admin" in shown
    )


def test_removing_the_demo_asks_first_then_is_audited(ctx, staff_browser, demo):
    admin = staff_browser("admin")
    listing = admin.get("/directory").text
    assert "Remove demo data" in listing
    ask = admin.get("/directory/remove-demo").text
    count = int(re.search(r"Remove (\d+) demo services", ask).group(1))
    assert count >= 10 and "Keep them" in ask
    assert admin.post("/directory/remove-demo").headers["location"] == "/directory?done=demo-removed"
    after = admin.get("/directory?done=demo-removed").text
    assert "The demo data is removed." in after and "Remove demo data" not in after
    assert [r.detail for r in audit_rows(ctx, "directory_demo_removed")] == [f"page: {count} demo services"]


def test_each_service_shows_its_source_reasons_and_freshness(ctx, staff_browser, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text("id,name,categories,zip,last_verified\nf1,Fresh Place,naloxone,22902,2026-01-15\n")
    import_path(ctx, path, ImportOptions(default_timezone="America/New_York", source="county list"))
    admin = staff_browser("admin")
    listing = _text(admin.get("/directory").text)
    assert "county list; checked Jan 2026; imported 04 Mar 2026" in listing
    assert "naloxone (given in the file)" in listing
    service_id = service_named(ctx, "Fresh Place").id
    fields = {"name": "Fresh Place", "categories": ["naloxone"], "zip": "22902", "notes": "Side door."}
    assert admin.post(f"/directory/{service_id}", fields).status_code == 303
    page = _text(admin.get(f"/directory/{service_id}").text)
    assert "Source county list" in page and "changed here: notes" in page
    assert "Edited here, kept when the source is imported again: notes." in page


def test_importing_again_keeps_what_was_changed_or_deleted_here_and_adds_nothing_twice(ctx, staff_browser):
    admin = staff_browser("admin")
    rows = "id,name,categories,zip,notes\nk1,Keep Me,naloxone,22902,From the file\n"
    rows += "d1,Delete Me,naloxone,22902,\n"
    files = {"file": ("services.csv", rows.encode("cp1252"), "text/csv")}
    assert "added 2" in _text(admin.post("/directory/import", {}, files=files).text)
    kept, gone = service_named(ctx, "Keep Me").id, service_named(ctx, "Delete Me").id
    assert (
        admin.post(
            f"/directory/{kept}", {"notes": "Ring the side door.", "categories": ["naloxone"]}
        ).status_code
        == 303
    )
    assert admin.post(f"/directory/{gone}/delete").status_code == 303
    by_hand = admin.post("/directory/new", {"name": "Typed In", "categories": ["naloxone"], "zip": "22902"})
    assert by_hand.status_code == 303

    again = _text(admin.post("/directory/import", {}, files=files).text)

    assert "csv: added 0, updated 1, skipped 1, kept 2 edited fields" in again
    assert "line 2: 'Keep Me': kept your edit to notes" in again
    assert "line 3: 'Delete Me': deleted here, so not imported again" in again
    assert service_named(ctx, "Keep Me").notes == "Ring the side door."
    listing = _text(admin.get("/directory").text)
    assert "Delete Me" not in listing and listing.count("Keep Me") == 1 and "Typed In" in listing
