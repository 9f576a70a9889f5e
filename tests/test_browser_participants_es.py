"""A Spanish-speaking peer in a real browser (Debian's Chromium) at phone width (390 px): enrolls someone
with a mistake and fixes it, reads the participant's plan, and looks up a ZIP in the directory, every
page in Spanish (html lang="es") with axe-core finding nothing; screenshots in
test-artifacts/browser/participants-es-*.png.
"""

from __future__ import annotations

import re

from tests.browser_support import (  # noqa: F401  (fixtures: browser_type_launch_args, server)
    Server,
    assert_accessible,
    browser_type_launch_args,
    fits,
    open_page,
    server,
    shot,
    sign_in_peer,
)

WIDTH = 390
PEER = "Pat Peer"


def test_a_spanish_speaking_peer_enrolls_and_looks_up_a_zip_on_a_phone(browser, server: Server) -> None:
    context, page = open_page(browser, WIDTH)
    sign_in_peer(page, server, PEER)
    server.choose_language(PEER, "es")  # the staff member's own choice, as /account saves it

    page.goto(server.url + "/participants")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("link", name="Inscribir a un participante").click()
    page.wait_for_url("**/participants/new")
    assert_accessible(page, "the enroll form in Spanish")
    shot(page, "participants-es-01-form")

    page.get_by_label("Su número de celular").fill("4345550199x")  # a stray letter
    page.get_by_label("Apodo").fill("Rosa")
    page.get_by_label("Hora del chequeo").fill("18:30")
    page.get_by_label("Su zona horaria").select_option(label="Centro (Chicago)")
    page.get_by_role("button", name="Inscribir y enviar la invitación").click()
    summary_link = page.locator(".error-summary a[href='#phone']")
    summary_link.wait_for()
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#phone"
    assert "sin letras" in summary_link.inner_text()
    assert "sin letras" in page.locator("#phone-error").inner_text()  # beside the field too
    assert page.get_by_label("Su número de celular").input_value() == "4345550199x"  # kept as typed
    assert page.title().startswith("Error: Inscribir a un participante")
    fits(page, WIDTH)
    assert_accessible(page, "the enroll form with an error, in Spanish")
    shot(page, "participants-es-02-error")

    page.get_by_label("Su número de celular").fill("(434) 555-0390")
    page.get_by_role("button", name="Inscribir y enviar la invitación").click()
    page.wait_for_url(re.compile(r"/participants/\d+\?done=enrolled"))
    assert page.get_by_role("status").inner_text().startswith("Inscrito. La invitación sale ahora")
    assert page.locator("h1 .status").inner_text() == "invitado"
    facts = " ".join(page.locator("dl.facts").inner_text().split())
    assert "6:30 p. m. todos los días" in facts and "Centro (Chicago)" in facts
    assert "cuando responda JOIN" in facts
    fits(page, WIDTH)
    assert_accessible(page, "a participant just enrolled, in Spanish")
    shot(page, "participants-es-03-enrolled")

    page.goto(server.url + "/directory")
    page.get_by_label("Su código ZIP").fill("99999")
    page.get_by_role("button", name="Buscar lugares").click()
    page.wait_for_url(re.compile(r"zip=99999"))
    assert "código ZIP de EE. UU. de 5 dígitos" in page.locator("#zip-error").inner_text()
    assert page.get_by_label("Su código ZIP").input_value() == "99999"
    fits(page, WIDTH)
    assert_accessible(page, "the directory with a ZIP it does not know, in Spanish")
    shot(page, "participants-es-04-directory")
    context.close()
