"""The participants and directory pages in Spanish (issue 12): a staff member who chose Spanish enrolls
someone, reads a participant's plan and history, searches the directory and fixes a service form, all
in Spanish (errors beside their fields, input kept); a colleague who did not choose sees English."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from sqlalchemy import update

from smsbot.directory.flat_csv import COLUMNS
from smsbot.directory.importer import import_path
from smsbot.directory.records import ImportOptions
from smsbot.directory.store import DEMO_CSV
from smsbot.models import Staff
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import make_alert, make_enrollment


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _error_beside(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert found, f"no error beside {field}"
    return _text(found.group(1)).strip()


def _speaks_spanish(ctx, browser) -> None:
    """The staff member's own choice (what /account saves)."""
    with ctx.db.transaction() as conn:
        table = Staff.__table__
        conn.execute(update(table).where(table.c.id == browser.staff_id).values(language="es"))


@pytest.fixture
def demo(ctx):
    import_path(ctx, DEMO_CSV, ImportOptions(default_timezone="America/New_York", source="demo"))


ENROLL = {
    "phone": "+44 7700 900123",  # a UK number: the line texts only the United States
    "nickname": "",
    "time": "18:00",
    "days_mode": "every",
    "timezone": "America/New_York",
    "reply_window_minutes": "60",
    "language": "es",
}


def test_a_spanish_speaking_peer_enrolls_with_a_mistake_and_fixes_it(ctx, staff_browser):
    peer = staff_browser("peer", name="Paz Par")
    _speaks_spanish(ctx, peer)
    form = peer.get("/participants/new").text
    assert '<html lang="es">' in form and "<h1>Inscribir a un participante</h1>" in form
    assert "Solo números de Estados Unidos." in _text(form)
    assert ">Este (Nueva York)</option>" in form and '<label for="day-wed">mié</label>' in form

    refused = peer.post("/participants", ENROLL)
    assert refused.status_code == 422
    page = refused.text
    assert _error_beside(page, "phone") == (
        "Error: Esta línea solo puede enviar mensajes a números de Estados Unidos. "
        "Revisa el número o pregúntale a un administrador."
    )
    assert _error_beside(page, "nickname").startswith("Error: Ponle un apodo")
    assert 'href="#phone" autofocus' in page and 'href="#nickname"' in page  # the summary, in order
    assert 'value="+44 7700 900123"' in page  # what was typed is kept
    assert "<title>Error: Inscribir a un participante" in page
    assert "This line can only text" not in page and "Give them a nickname" not in page

    done = peer.post("/participants", {**ENROLL, "phone": "(555) 555-0150", "nickname": "Lupe"})
    assert done.status_code == 303
    shown = _text(peer.get(done.headers["location"]).text)
    assert "Inscrito. La invitación sale ahora; los chequeos empiezan cuando responda JOIN." in shown
    assert "Lupe invitado" in shown and "cuando responda JOIN" in shown  # status, next check-in
    assert "6:00 p. m. todos los días" in shown and "Este (Nueva York)" in shown
    assert "60 minutos, luego un recordatorio" in shown


def test_the_participant_page_reads_in_spanish(ctx, staff_browser):
    peer = staff_browser("peer", name="Paz Par")
    _speaks_spanish(ctx, peer)
    eid = make_enrollment(ctx, peer.staff_id, nickname="Toño")
    make_alert(ctx, eid)  # a check-in at 18:00 in New York that got no reply

    edited = peer.post(
        f"/participants/{eid}/edit",
        {**ENROLL, "nickname": "Toño", "time": "07:30", "days_mode": "some", "days": ["mon", "wed"]},
    )
    assert edited.status_code == 303
    page = _text(peer.get(edited.headers["location"]).text)
    assert "Guardado. Una hora nueva se aplica desde el próximo chequeo." in page
    assert "Toño activo" in page and "7:30 a. m. los lun, mié" in page
    assert "Chequeos" in page and "Su plan" in page and "Qué pasó" in page
    assert "sin respuesta" in page and "no_reply" not in page and "no reply" not in page
    assert re.search(r"mar 3 mar, 6:00 p\. m\.", page)  # the check-in's day, month and time in Spanish

    peer.post(f"/participants/{eid}/pause")
    paused = _text(peer.get(f"/participants/{eid}?done=paused").text)
    assert "Los chequeos están en pausa." in paused and "Toño en pausa" in paused
    assert "ninguno mientras esté en pausa" in paused and "Reanudar los chequeos" in paused
    listing = _text(peer.get("/participants").text)
    assert "1 participante: actuales" in listing and "Próximo chequeo" in listing

    same_day = peer.post(f"/participants/{eid}/edit", {**ENROLL, "nickname": "Toño", "days_mode": "some"})
    assert same_day.status_code == 422  # no day ticked
    assert _error_beside(same_day.text, "days") == "Error: Elige al menos un día, o todos los días."

    choice = _text(peer.get(f"/participants/{eid}/stop").text)
    assert "¿Qué pidió?" in choice and "Ningún mensaje más de la línea" in choice
    stopped = peer.post(f"/participants/{eid}/stop", {"why": "stop"})
    assert stopped.headers["location"] == "/participants?done=stopped"
    listed = _text(peer.get(stopped.headers["location"]).text)
    assert "Los chequeos de este participante están detenidos." in listed
    archived = _text(peer.get(f"/participants/{eid}").text)
    assert "Toño detenido" in archived and "Se detuvieron los chequeos" in archived
    assert "Ya no se envía nada; su historial se queda aquí." in archived


def test_a_directory_search_and_a_service_form_read_in_spanish(ctx, staff_browser, demo):
    peer = staff_browser("peer", name="Paz Par")
    _speaks_spanish(ctx, peer)
    found = peer.get("/directory?zip=22902&need=naloxone&language=en").text
    assert '<h2 id="find-title">Buscar un lugar para alguien</h2>' in found
    assert "en el primer mensaje" in found and "Naloxona" in found  # the need, in the staff's language
    assert '<p class="sms">' in found  # what the texter gets stays in the texter's language
    assert "(indicado en el archivo)" in found  # why a listed service has its categories
    unknown = peer.get("/directory?zip=99999&need=naloxone").text
    assert _error_beside(unknown, "zip") == (
        "Error: Escribe un código ZIP de EE. UU. de 5 dígitos que conozcamos, como 22902."
    )
    assert 'value="99999"' in unknown
    service_id = re.search(r'<h4><a href="/directory/(\d+)">', found).group(1)
    service = _text(peer.get(f"/directory/{service_id}").text)
    assert "Ofrece" in service and "Por qué estas categorías" in service and "naloxona" in service
    assert "¿Algo está mal o cerró? Avísale a un administrador" in service

    admin = staff_browser("admin", name="Ana Admin")
    _speaks_spanish(ctx, admin)
    typed = {"name": "x" * 201, "zip": "99999", "latitude": "38.03", "location_kind": "place"}
    refused = admin.post("/directory/new", typed)
    assert refused.status_code == 422
    page = refused.text
    assert "Este servicio no se guardó" in page
    assert _error_beside(page, "name") == (
        "Error: Para el nombre, usa como máximo 200 caracteres (ahora tiene 201)."
    )
    assert _error_beside(page, "categories") == "Error: Elige al menos una categoría."
    assert _error_beside(page, "zip").startswith("Error: 99999 no es un código ZIP de EE. UU.")
    assert _error_beside(page, "longitude").startswith("Error: Escribe también la longitud")
    assert 'value="38.03"' in page and '<label for="cat-test_strips">tiras reactivas</label>' in page

    # The CSV template: its columns are a file format (English); the example row's help is Spanish.
    rows = list(csv.DictReader(io.StringIO(admin.get("/directory/template.csv").content.decode("utf-8-sig"))))
    assert list(rows[0]) == list(COLUMNS) and rows[0]["notes"].startswith("Cambia esta fila")

    fixed = {**typed, "name": "Café Uno", "zip": "22902", "latitude": "", "categories": ["naloxone"]}
    added = admin.post("/directory/new", fixed)
    assert added.status_code == 303
    shown = _text(admin.get(added.headers["location"]).text)
    assert "El servicio se agregó. Quienes escriben cerca lo reciben desde ahora." in shown
    assert "naloxona: puesto por un administrador" in shown and "agregado a mano" in shown


def test_the_same_pages_stay_english_for_a_colleague(ctx, staff_browser, demo):
    peer = staff_browser("peer", name="Pat Peer")
    refused = peer.post("/participants", ENROLL)
    assert '<html lang="en">' in refused.text
    assert _error_beside(refused.text, "phone").startswith(
        "Error: This line can only text numbers in the United States."
    )
    done = peer.post("/participants", {**ENROLL, "phone": "(555) 555-0150", "nickname": "Lupe"})
    shown = _text(peer.get(done.headers["location"]).text)
    assert "Enrolled. The invitation goes out now" in shown and "6:00 PM every day" in shown
    assert "Lupe invited" in shown and "Eastern (New York)" in shown
    directory = peer.get("/directory?zip=99999").text
    assert "Find a place for someone" in directory and "Give a 5-digit US ZIP code we know" in directory
    assert "Buscar" not in directory and "Escribe" not in directory
