"""A Spanish-speaking peer's shift in a real browser (Debian's Chromium) at phone (390 px) and desktop
(1280 px) width: they switch the sign-in page to Spanish, sign in, keep Spanish as their own choice on
their account page, see the alerts list in Spanish (kinds, ages and the open count as the page script
writes them, the count in the tab title) and acknowledge an alert with an outcome. axe-core finds no
violation on any state (html lang="es"); screenshots in test-artifacts/browser/spanish-*.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_support import (  # noqa: F401  (fixtures: browser_type_launch_args, server)
    NEW_PASSWORD,
    Server,
    assert_accessible,
    browser_type_launch_args,
    fits,
    open_page,
    server,
    shot,
)

WIDTHS = [390, 1280]


def _in_spanish(page, what: str, width: int) -> None:
    assert page.locator("html").get_attribute("lang") == "es", what
    assert_accessible(page, f"{what} at {width}px")
    fits(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_spanish_speaking_peer_signs_in_and_acknowledges_an_alert(browser, server: Server, width: int):
    peer, nickname = f"Lucía Par {width}", f"Chuy {width}"
    # A new peer (one-time password in server.passwords) whose participant JOINs, then texts CALL.
    server.asks_for_a_call(server.add_staff(peer, "peer"), f"+1555558{width:04d}", nickname)
    context, page = open_page(browser, width, clock=True)  # the page's timers run when the test says

    page.goto(server.url + "/")
    assert page.url.endswith("/signin") and page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_be_visible()  # the way back, in its own words
    _in_spanish(page, "the sign-in page", width)
    shot(page, f"spanish-{width}-01-sign-in")

    page.get_by_label("Tu nombre o número de personal").fill(peer)
    page.get_by_label("Contraseña").fill(server.passwords[peer])
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/account/password")
    expect(page.get_by_role("heading", name="Elige tu contraseña")).to_be_visible()
    page.get_by_label("Contraseña actual").fill(server.passwords[peer])
    page.get_by_label("Contraseña nueva (al menos 12 caracteres)").fill(NEW_PASSWORD)
    page.get_by_label("Repite la contraseña nueva").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Guardar contraseña").click()
    page.wait_for_url("**/?done=password")
    expect(page.get_by_role("status").filter(has_text="Tu contraseña nueva quedó guardada.")).to_be_visible()

    page.get_by_role("link", name=peer).click()  # their account: Spanish becomes their own choice
    page.get_by_label("Español").check()
    page.get_by_role("button", name="Guardar idioma").click()
    expect(page.get_by_role("status")).to_have_text("Tu idioma quedó guardado.")
    _in_spanish(page, "the account page", width)
    shot(page, f"spanish-{width}-02-account")

    page.get_by_role("link", name="Avisos", exact=True).click()
    card = page.locator("li.alert.open", has_text=nickname)
    expect(card.locator(".badge")).to_have_text("Pidió una llamada")
    expect(card.locator(".age")).to_have_text("ahora mismo")  # alerts.js rewrites it on load, through t()
    expect(page.locator("#open-heading")).to_contain_text("Pendientes")
    assert page.title().startswith("(1) Avisos")
    _in_spanish(page, "the alerts list", width)
    shot(page, f"spanish-{width}-03-alerts")

    if width < 600:  # on the phone: another outcome, with a note
        card.get_by_text("Otro, o agregar una nota").click()
        card.get_by_label("Nota (sin números de teléfono)").fill("Hablamos en el centro, está bien")
        _in_spanish(page, "the note open", width)
        card.get_by_role("button", name="Confirmar con esta nota").click()
        outcome = "Otro"
    else:
        card.get_by_role("button", name="Hablé con la persona").click()
        outcome = "Hablé con la persona"
    done = page.locator("li.alert.acked", has_text=nickname)
    expect(done.locator(".done")).to_contain_text(f"Confirmado por {peer}")
    expect(done.locator(".done")).to_contain_text(outcome)
    expect(page.locator("#open-heading .count")).to_have_text("abiertos: 0")
    assert page.title().startswith("Avisos")
    _in_spanish(page, "the alert acknowledged", width)
    shot(page, f"spanish-{width}-04-acknowledged")
    context.close()
