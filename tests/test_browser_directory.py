"""The Directory for everyone, in Debian's Chromium (issue 12): a peer looks up places near a ZIP for
what someone needs and sees exactly the text the line would send (on a phone, then a desktop); an admin
downloads the CSV template, uploads Excel's Windows-1252 CSV with "Café" in a name, and adds a service
by form with mistakes, then fixes them. axe-core finds nothing on any state; screenshots of each go to
test-artifacts/browser/directory-*.png.
"""

from __future__ import annotations

import csv
import io
import re

from tests.browser_support import (  # noqa: F401  (fixtures: browser_type_launch_args, server)
    Server,
    assert_accessible,
    browser_type_launch_args,
    fits,
    open_page,
    server,
    shot,
    sign_in_admin,
    sign_in_peer,
)

PHONE, DESKTOP = 390, 1280
EXCEL_CSV = (
    "id,name,categories,address,city,state,zip,phone,hours\r\n"
    "x1,Café Esperanza,naloxone;test_strips,12 Main St,Charlottesville,VA,22902,434-555-0150,"
    "Mo-Fr 10:00-18:00\r\n"
    "x2,Niño Outreach,syringe_services,3 Water St,Charlottesville,VA,22902,,\r\n"
)


def _state(page, width: int, name: str, what: str) -> None:
    """Check a page state at this width: nothing scrolls sideways, axe finds nothing; a screenshot."""
    fits(page, width)
    assert_accessible(page, what)
    shot(page, name)


def _find(page, zip_code: str, need: str, language: str = "English") -> None:
    page.get_by_label("Their ZIP code").fill(zip_code)
    page.get_by_label("What they need").select_option(label=need)
    page.get_by_label("Their language").select_option(label=language)
    page.get_by_role("button", name="Find places").click()
    page.wait_for_url(re.compile(r"/directory\?zip="))


def test_a_peer_finds_places_near_a_zip_as_a_texter_would_get_them(browser, server: Server) -> None:
    server.smsbot("directory", "demo")
    context, page = open_page(browser, PHONE)
    sign_in_peer(page, server, "Pat Peer")

    page.get_by_role("link", name="Directory").click()
    page.wait_for_url("**/directory")
    assert page.get_by_role("heading", name="Find a place for someone").is_visible()
    assert page.get_by_text("Import a file").count() == 0  # peers read; admins change it
    _state(page, PHONE, "directory-01-peer-search", "peer: the directory")

    _find(page, "22902", "Naloxone")
    reply = page.locator("p.sms").inner_text()
    assert reply.startswith("DEMO list:") and "Naloxone near you" in reply
    assert reply == page.locator("p.sms").text_content()  # the whole text, as sent
    places = page.locator("ol.places > li")
    assert places.count() >= 3
    first = places.first.locator("h4 a").inner_text()
    assert first in reply
    assert places.first.get_by_text("in the first text").is_visible()
    assert places.first.locator("a[href^='tel:']").count() == 1
    _state(page, PHONE, "directory-02-peer-naloxone-22902", "peer: naloxone near 22902")

    _find(page, "99999", "Treatment")
    error = page.locator("#zip-error")
    assert "Give a 5-digit US ZIP code we know" in error.inner_text()
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#zip"  # the summary's link
    assert page.get_by_label("Their ZIP code").input_value() == "99999"  # kept
    _state(page, PHONE, "directory-03-peer-unknown-zip", "peer: an unknown ZIP")

    page.set_viewport_size({"width": DESKTOP, "height": 900})
    _find(page, "10001", "Harm reduction sites (SITES)", "Spanish")
    assert page.locator("p.sms[lang='es']").inner_text().startswith("Lista DEMO")
    _state(page, DESKTOP, "directory-04-peer-sites-10001-es", "peer: sites near 10001 in Spanish")

    places = page.locator("ol.places > li h4 a")
    name = places.first.inner_text()
    places.first.click()
    page.wait_for_url(re.compile(r"/directory/\d+$"))
    assert page.get_by_role("heading", name=name).is_visible()
    assert page.get_by_text("Why these categories").is_visible()
    assert page.get_by_role("button", name="Save").count() == 0
    _state(page, DESKTOP, "directory-05-peer-service", "peer: one service")
    page.set_viewport_size({"width": PHONE, "height": 844})
    _state(page, PHONE, "directory-06-peer-service-phone", "peer: one service on a phone")
    context.close()


def test_an_admin_gets_the_template_imports_an_excel_csv_and_adds_a_service(
    browser, server: Server, tmp_path
) -> None:
    context, page = open_page(browser, DESKTOP, accept_downloads=True)
    sign_in_admin(page, server)
    page.get_by_role("link", name="Directory").click()
    page.wait_for_url("**/directory")
    _state(page, DESKTOP, "directory-10-admin", "admin: the directory")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="CSV template").click()
    template = downloading.value
    assert template.suggested_filename == "directory-template.csv"
    rows = list(csv.reader(io.StringIO(open(template.path(), encoding="utf-8-sig").read())))  # noqa: SIM115
    assert rows[0][:4] == ["id", "name", "organization", "categories"] and len(rows) == 2

    upload = tmp_path / "Lista de servicios.csv"
    upload.write_bytes(EXCEL_CSV.encode("cp1252"))  # Excel's "CSV (Comma delimited)"
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_label("Source name (optional)").fill("county list")
    page.get_by_role("button", name="Import").click()
    page.locator(".summary").wait_for()
    assert page.locator(".summary").inner_text().startswith("csv: added 2, updated 0, skipped 0")
    assert page.get_by_text("The file was read as Windows-1252 text").is_visible()
    assert page.get_by_role("link", name="Café Esperanza").is_visible()
    _state(page, DESKTOP, "directory-11-admin-imported-windows-1252", "admin: an Excel CSV imported")

    page.get_by_label("File").set_input_files(
        {"name": "services.xlsx", "mimeType": "application/vnd.ms-excel", "buffer": b"PK\x03\x04"}
    )
    page.get_by_role("button", name="Import").click()
    page.locator("#file-error").wait_for()
    assert "save it as CSV first" in page.locator("#file-error").inner_text()
    assert page.locator("h1").inner_text().startswith("Directory")  # the page itself, no "Sorry"
    _state(page, DESKTOP, "directory-12-admin-import-refused", "admin: an import refused")

    page.get_by_role("link", name="Add a service").click()
    page.wait_for_url("**/directory/new")
    _state(page, DESKTOP, "directory-13-admin-new-service", "admin: the empty form")
    page.get_by_label("Name (required)").fill("Rivanna Mobile Outreach")
    page.get_by_label("ZIP code").fill("99999")
    page.get_by_label("Phone", exact=True).fill("4345550199x")
    page.get_by_label("Opening hours").fill("evenings")
    page.get_by_role("button", name="Add the service").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#categories"  # the first
    text = summary.inner_text()
    for words in ("Choose at least one category.", "99999 is not a US ZIP code", "phone number with digits"):
        assert words in text
    assert "We can't read these opening hours" in page.locator("#hours-error").inner_text()
    assert page.get_by_label("Name (required)").input_value() == "Rivanna Mobile Outreach"  # kept
    assert page.get_by_label("Opening hours").input_value() == "evenings"
    _state(page, DESKTOP, "directory-14-admin-form-mistakes", "admin: the form with mistakes")
    page.set_viewport_size({"width": PHONE, "height": 844})
    _state(page, PHONE, "directory-15-admin-form-mistakes-phone", "admin: the form with mistakes, phone")
    page.set_viewport_size({"width": DESKTOP, "height": 900})

    summary.get_by_role("link", name="Choose at least one category.").click()
    assert page.evaluate("document.activeElement.id") == "cat-naloxone"
    page.get_by_label("naloxone").check()
    page.get_by_label("syringe services").check()
    page.get_by_label("ZIP code").fill("22903")
    page.get_by_label("Phone", exact=True).fill("434-555-0199 ext. 4")
    page.get_by_label("Opening hours").fill("Tu-Th 16:00-20:00")
    page.get_by_label("Languages spoken (besides English)").fill("Spanish")
    page.get_by_role("button", name="Add the service").click()
    page.wait_for_url(re.compile(r"/directory/\d+\?done=added"))
    assert page.get_by_text("The service is added.").is_visible()
    assert page.get_by_text("added by hand").is_visible()
    _state(page, DESKTOP, "directory-16-admin-service-added", "admin: the service added")

    page.goto(server.url + "/directory?zip=22903&need=syringe_services")
    assert "Rivanna Mobile Outreach" in page.locator("p.sms").inner_text()
    page.set_viewport_size({"width": PHONE, "height": 844})
    _state(page, PHONE, "directory-17-admin-search-phone", "admin: the new service in a search, phone")
    context.close()
