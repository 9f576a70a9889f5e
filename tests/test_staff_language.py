"""The staff interface in English or Spanish (issue 12): each staff member picks their language on their
account page (saved, audited, applied on the next page), the sign-in pages take a language before
anyone signs in (a cookie), the browser's language counts when nobody chose, and one person's choice
never changes what another sees."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from smsbot.dashboard import i18n
from smsbot.models import Staff
from smsbot.worker.tick import Worker
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import PASSWORD, audit_rows, make_alert, make_enrollment

staff_t = Staff.__table__


def _lang(html: str) -> str:
    found = re.search(r'<html lang="(\w+)"', html)
    assert found, "the page names no language"
    return found.group(1)


def _choose(person, language: str):
    return person.post("/account/language", {"language": language})


@pytest.fixture
def ana(ctx, staff_browser):
    """A peer with a participant whose check-in went unanswered (an open alert)."""
    person = staff_browser("peer", name="Ana Par")
    make_alert(ctx, make_enrollment(ctx, person.staff_id, nickname="Lupe"), minutes_ago=12)
    return person


def test_a_peer_picks_spanish_and_the_next_page_is_in_spanish_while_another_peer_stays_in_english(
    ctx, ana, staff_browser
):
    bob = staff_browser("peer", name="Bob Peer")
    account = ana.get("/account").text
    assert 'value="es"' in account and 'lang="es">Español</label>' in account  # each in its own words
    chosen = _choose(ana, "es")
    assert (chosen.status_code, chosen.headers["location"]) == (303, "/account?done=language")
    assert f"{i18n.COOKIE}=es" in chosen.headers["set-cookie"]

    done = ana.get("/account?done=language").text
    assert _lang(done) == "es" and "Tu idioma quedó guardado." in done and "Tu cuenta" in done
    alerts = ana.get("/").text
    assert _lang(alerts) == "es"
    for spanish in ("<title>(1) Avisos", "Pendientes", "abiertos: 1", "Sin respuesta", "hace 12 min"):
        assert spanish in alerts, spanish
    assert "Lupe</span>: sin respuesta desde las 18:00" in alerts
    assert "To do" not in alerts and "Acknowledge with this note" not in alerts

    other = bob.get("/").text
    assert _lang(other) == "en" and "To do" in other and "Pendientes" not in other

    [row] = audit_rows(ctx, "language_changed")
    assert (row.actor_id, row.object_type, row.object_id, row.detail) == (
        ana.staff_id,
        "staff",
        ana.staff_id,
        "page; es",
    )
    with ctx.db.transaction() as conn:
        saved = dict(conn.execute(select(staff_t.c.id, staff_t.c.language)).all())
    assert (saved[ana.staff_id], saved[bob.staff_id]) == ("es", None)
    # The same choice again changes nothing and writes no second row.
    assert _choose(ana, "es").status_code == 303 and len(audit_rows(ctx, "language_changed")) == 1


def test_in_spanish_a_form_error_and_a_done_message(ctx, ana):
    _choose(ana, "es")
    [alert_id] = re.findall(r'id="alert-(\d+)"', ana.get("/").text)
    refused = ana.post(f"/alerts/{alert_id}/ack", {"outcome": "other", "note": ""})
    assert refused.status_code == 422
    assert "Hay un problema" in refused.text and "Cuenta en pocas palabras lo que pasó." in refused.text
    phone = ana.post(f"/alerts/{alert_id}/ack", {"outcome": "other", "note": "call 434 555 0100"})
    assert "No pongas números de teléfono en la nota." in phone.text  # a domain error, translated

    acked = ana.post(f"/alerts/{alert_id}/ack", {"outcome": "reached"})
    assert (acked.status_code, acked.headers["location"]) == (303, "/?done=acked")
    page = ana.get("/?done=acked").text
    assert '<p class="notice" role="status">Aviso confirmado.</p>' in page
    assert "Confirmado por Ana Par" in page and "Hablé con la persona" in page and "Recién hechos" in page


def test_an_unknown_language_is_refused_in_words_and_nothing_changes(ctx, ana):
    refused = _choose(ana, "fr")
    assert refused.status_code == 422 and "Choose English or Español." in refused.text
    assert 'id="language-error"' in refused.text  # beside its field
    assert audit_rows(ctx, "language_changed") == []
    assert _lang(ana.get("/").text) == "en"


def test_the_sign_in_pages_take_a_language_before_signing_in(ctx, anonymous, staff_browser):
    staff_browser("peer", name="Carla Par", sign_in=False)
    stranger = anonymous()
    page = stranger.get("/signin?next=/participants").text
    assert _lang(page) == "en" and 'action="/language"' in page
    assert '<button type="submit" name="language" value="es" lang="es" class="link">Español</button>' in page

    picked = stranger.post("/language", {"language": "es", "next": "/signin?next=%2Fparticipants"})
    assert (picked.status_code, picked.headers["location"]) == (303, "/signin?next=%2Fparticipants")
    spanish = stranger.get("/signin?next=/participants").text
    assert _lang(spanish) == "es" and "<h1>Iniciar sesión</h1>" in spanish and "Contraseña" in spanish
    assert 'value="en" lang="en" class="link">English</button>' in spanish  # the way back
    wrong = stranger.post("/signin", {"login": "Carla Par", "password": "not it", "next": "/"})
    assert wrong.status_code == 401 and "Ese nombre o esa contraseña no son correctos." in wrong.text

    assert stranger.post("/language", {"language": "es"}, csrf=None).status_code == 403  # a form like any
    nonsense = stranger.post("/language", {"language": "xx", "next": "//elsewhere.example"})
    assert nonsense.status_code == 422 and "Elige English o Español." in nonsense.text
    offsite = stranger.post("/language", {"language": "en", "next": "//elsewhere.example"})
    assert offsite.headers["location"] == "/"  # only a path on this site


def test_the_browsers_language_counts_until_someone_chooses(ctx, staff_browser):
    dee = staff_browser("peer", name="Dee Par", sign_in=False)
    dee.client.headers["Accept-Language"] = "es-MX,es;q=0.9,en;q=0.5"
    assert _lang(dee.get("/signin").text) == "es"
    dee.sign_in("Dee Par")
    assert "Pendientes" in dee.get("/").text

    eli = staff_browser("peer", name="Eli Peer", sign_in=False)
    eli.client.headers["Accept-Language"] = "es-MX,es;q=0.9"
    with ctx.db.transaction() as conn:  # Eli chose English (say, on another computer)
        conn.execute(update(staff_t).where(staff_t.c.id == eli.staff_id).values(language="en"))
    signed_in = eli.sign_in("Eli Peer")
    assert f"{i18n.COOKIE}=en" in signed_in.headers["set-cookie"]  # from the first page on
    assert _lang(eli.get("/").text) == "en"


def test_a_staff_members_choice_follows_them_to_another_browser(ctx, ana, anonymous):
    _choose(ana, "es")
    elsewhere = anonymous()
    elsewhere.client.headers["Accept-Language"] = "en-US,en;q=0.9"
    signed_in = elsewhere.sign_in("Ana Par")
    assert signed_in.status_code == 303 and f"{i18n.COOKIE}=es" in signed_in.headers["set-cookie"]
    assert "Pendientes" in elsewhere.get("/").text
    # Picking English on the sign-in page of a signed-in browser does not undo the account's choice.
    elsewhere.post("/language", {"language": "en"})
    assert _lang(elsewhere.get("/").text) == "es"


def test_an_admin_works_in_spanish_on_staff_audit_and_numbers_and_a_peer_is_refused_in_spanish(
    ctx, ana, staff_browser
):
    ada = staff_browser("admin", name="Ada Admin")
    _choose(ada, "es")
    staff = ada.get("/staff").text
    assert _lang(staff) == "es" and "Agregar a alguien del personal" in staff and "Par de apoyo" in staff
    assert "Último inicio de sesión ahora mismo" in staff and "1 participante ·" in staff
    refused = ada.post("/staff", {"name": " ", "role": "peer"})
    assert refused.status_code == 422 and "Escribe su nombre (con él inicia sesión)." in refused.text

    audit = ada.get("/audit").text
    assert "<h1>Registro de auditoría</h1>" in audit
    assert "cambió su idioma" in audit and "inició sesión" in audit and "Quién" in audit
    numbers = ada.get("/numbers?days=30")
    assert numbers.status_code == 200 and "Últimos 30 días" in numbers.text
    assert "Mensajes de seguimiento enviados" in numbers.text and "todavía no hay suficientes" in numbers.text
    wrong = ada.get("/numbers?from=2026-02-30")
    assert wrong.status_code == 422 and "Escribe el primer día como fecha" in wrong.text

    _choose(ana, "es")
    forbidden = ana.get("/staff")
    assert forbidden.status_code == 403 and "Esta página es para administradores." in forbidden.text


def test_a_new_password_refused_in_spanish_says_why(ctx, ana):
    _choose(ana, "es")
    short = ana.post("/account/password", {"current": PASSWORD, "new": "corta", "again": "corta"})
    assert short.status_code == 422 and "Elige otra contraseña: usa al menos 12 caracteres." in short.text
    weak = ana.post(
        "/account/password", {"current": PASSWORD, "new": "password1234", "again": "password1234"}
    )
    assert weak.status_code == 422 and "es mejor juntar algunas palabras poco comunes." in weak.text
    assert "Elige otra contraseña: " in weak.text and "easy to guess" not in weak.text


def test_the_banner_about_a_silent_worker_in_spanish(ctx, clock, ana):
    Worker(ctx).tick(send=False)
    _choose(ana, "es")
    clock.advance(minutes=6)
    banner = ana.get("/").text.split('<p class="notice warn" role="alert">')[1].split("</p>")[0]
    assert banner.startswith("Los mensajes de seguimiento y los avisos no están saliendo")
    assert "Avísale a quien administra el servidor." in banner and "worker" not in banner


@pytest.mark.parametrize(
    ("path", "language"), [("/participants/7/resume", "es"), ("/api/enrollments/7", "es")]
)
def test_a_refusal_no_page_catches_is_worded_in_the_viewers_language_and_the_api_keeps_english(
    ctx, client, path, language
):
    # A refusal with values that reaches the app's one error answer (api/errors.py): a page shows it in
    # the viewer's language with the values filled in afterwards; the API answers the same in English.
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from starlette.requests import Request

    from smsbot.api.errors import domain_error
    from smsbot.errors import IllegalTransition

    cookie = f"{i18n.COOKIE}={language}".encode()
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(b"cookie", cookie)],
        "app": client.app,
    }
    refusal = IllegalTransition("enrollment", "invited", "paused")
    # In its own thread: after the browser tests, pytest-playwright keeps a loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        answer = thread.submit(asyncio.run, domain_error(Request(scope), refusal)).result()
    body = answer.body.decode()
    assert answer.status_code == 409
    if path.startswith("/api"):
        assert "this enrollment is invited and cannot become paused" in body
    else:
        assert _lang(body) == "es" and "no puede pasar a «paused»" in body and "cannot become" not in body
