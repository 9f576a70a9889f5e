"""The drug-alert writer in Spanish in Debian's Chromium at 390 px: a peer whose own language is Spanish
(Staff.language, as the account page saves it) ticks a report, writes an alert that quotes it (the live
check's problem and numbers appear in Spanish as they type), saves it (the check's problems in Spanish,
nothing can be sent), fixes it and reads the preview; an admin whose language is Spanish checks a reply
in the wording editor (live and with the Check button). axe-core finds no violation on any state
(html lang="es"); screenshots in test-artifacts/browser/supply-es-*.png.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

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

PHONE = 390
PEER, REPORTER, WHAT = "Rosa Revisora", "+15555550361", "white rocks sold as pressed pills"
FIXED_EN = "Pills sold as oxycodone near downtown have fentanyl. Go slow, carry naloxone, do not use alone."
FIXED_ES = "Pastillas vendidas como oxicodona en el centro tienen fentanilo. Ve despacio, lleva naloxona."


def _state(page, name: str, what: str) -> None:
    assert page.locator("html").get_attribute("lang") == "es", what
    fits(page, PHONE)
    assert_accessible(page, what)
    shot(page, name)


def test_a_spanish_reading_peer_writes_an_alert_at_phone_width(browser, server: Server) -> None:
    for text in ("REPORT", WHAT, "two people were hard to wake", "22902", "last night"):
        server.text_in(text, sender=REPORTER)
    server.add_staff(PEER, "peer")
    context, page = open_page(browser, PHONE)
    sign_in_peer(page, server, PEER)
    server.choose_language(PEER, "es")  # the staff member's own choice, as the account page saves it

    page.goto(server.url + "/supply")
    assert page.get_by_role("heading", name=re.compile("^Reportes por revisar")).is_visible()
    card = page.locator("li.supply-report", has_text=WHAT)
    assert card.get_by_text("Qué pasó").is_visible()
    _state(page, "supply-es-01-queue", "the queue in Spanish")

    card.get_by_role("checkbox").check()
    page.get_by_role("button", name="Escribir una alerta con los reportes marcados").click()
    page.wait_for_url(re.compile(r"/supply/alerts/\d+\?done=drafted"))
    assert page.get_by_role("heading", name="Lo que se reportó").is_visible()
    page.get_by_label("Texto en inglés").fill(f"{WHAT.capitalize()} have fentanyl. Go slow.")
    expect(page.locator("#text_en-problems")).to_contain_text("Repite un reporte palabra por palabra")
    expect(page.locator("#text_en-hint")).to_contain_text("segmentos")
    _state(page, "supply-es-02-live-check", "the live check in Spanish")

    page.locator("#area-radius").check()  # the area's labels are checked in English by test_browser_supply
    page.locator("#center_zip").fill("22902")
    page.get_by_label("Millas alrededor (hasta 100)").fill("5")
    page.get_by_label("Texto en español").fill(FIXED_ES)
    page.get_by_role("button", name="Guardar y revisar").click()
    page.wait_for_url(re.compile(r"\?done=saved"))
    problems = page.locator("ul.supply-problems").inner_text()
    assert "Inglés: Repite un reporte palabra por palabra" in problems
    assert page.get_by_role("button", name=re.compile("^Enviar a")).count() == 0
    _state(page, "supply-es-03-check-refuses", "the check's problems in Spanish")

    page.get_by_label("Texto en inglés").fill(FIXED_EN)
    with page.expect_navigation():  # the same address as now: wait for the new page itself
        page.get_by_role("button", name="Guardar y revisar").click()
    expect(page.get_by_text("La revisión no encontró problemas.")).to_be_visible()
    assert page.get_by_role("button", name=re.compile(r"^Enviar a (<5|\d+) suscriptores$")).is_visible()
    assert FIXED_EN in page.locator("p.sms[lang='en']").inner_text()  # the subscribers' text as written
    _state(page, "supply-es-04-preview", "the preview in Spanish")
    context.close()


def test_an_admin_checks_a_reply_in_spanish_at_phone_width(browser, server: Server) -> None:
    context, page = open_page(browser, PHONE)
    sign_in_admin(page, server)
    server.choose_language("Ada Admin", "es")

    page.goto(server.url + "/wording/naloxone")
    assert page.get_by_role("heading", name="Editar la respuesta naloxone").is_visible()
    first = page.locator("#en-0")
    first.fill(first.input_value() + " ’")
    # The live check (static/wording.js) shows what the server says, in the admin's language.
    expect(page.locator("#en-0-problems")).to_contain_text("no es un carácter simple de mensaje de texto")
    expect(page.locator("#en-0-meta")).to_contain_text("UCS-2")
    expect(page.locator("#en-0-meta")).to_contain_text("caracteres")
    _state(page, "supply-es-05-wording-live-check", "the wording editor's live check in Spanish")

    page.get_by_role("button", name="Revisar").click()
    page.locator("#error-summary").wait_for()
    assert "no es un carácter simple" in page.locator("#error-summary").inner_text()
    _state(page, "supply-es-06-wording-checked", "the wording editor's check in Spanish")
    context.close()
