"""Drug alerts and the wording editor for a staff member who reads Spanish (Staff.language "es"), through
the real pages on SQLite and PostgreSQL: the queue, an alert whose check fails (its problems in Spanish,
on the page and in the live check), fixed, sent, and its progress; the wording editor's checker. The texts
subscribers get are not the staff interface: they stay as written. An English staff member sees English."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import update

from smsbot.models import Staff
from smsbot.replies import published
from smsbot.replies.wording import load_packs
from tests.checkins_fixtures import fake, run_tick, worker  # noqa: F401  (fixtures)
from tests.dashboard_fixtures import *  # noqa: F403
from tests.test_supply_pages import FIXED_EN, FIXED_ES, FRAME_EN, QUOTE, _draft, _form, _queued_ids, _report

ANA = "+15555550101"


def _in_spanish(ctx, person) -> None:
    """What the account page's picker saves: the staff member's own language."""
    with ctx.db.transaction() as conn:
        conn.execute(
            update(Staff.__table__).where(Staff.__table__.c.id == person.staff_id).values(language="es")
        )


def _text(page: str) -> str:
    return html.unescape(page)


def test_a_spanish_reader_writes_checks_and_sends_an_alert(ctx, sms, clock, staff_browser, worker, fake):  # noqa: F811
    sms("ALERTS 22902", from_=ANA)
    _report(sms, clock, "blue pills sold as oxy 30s")
    pat, lee = staff_browser("peer", name="Pat Peer"), staff_browser("peer", name="Lee Peer")
    _in_spanish(ctx, pat)

    queue = _text(pat.get("/supply").text)
    assert '<html lang="es"' in queue
    assert "Reportes por revisar" in queue and "Escribir una alerta con los reportes marcados" in queue
    assert "Qué pasó" in queue and "people hard to wake" in queue  # the labels, not the texter's words
    assert "Reports to review" not in queue
    english = _text(lee.get("/supply").text)
    assert "Reports to review" in english and "Reportes por revisar" not in english

    alert_id = _draft(pat, _queued_ids(pat.get("/supply").text))
    done = _text(pat.get(f"/supply/alerts/{alert_id}?done=drafted").text)
    assert "Se empezó un borrador" in done and "Escribir la alerta" in done and "Texto en inglés" in done

    # The live check (the page's script) answers in the staff member's language.
    typed = {"text_en": QUOTE + " ’", "text_es": FIXED_ES, "languages": ["en", "es"]}
    parts = pat.post(f"/supply/alerts/{alert_id}/check", typed).json()["parts"]
    problems = " ".join(parts["text_en"]["problems"])
    assert "Repite un reporte palabra por palabra ('blue pills sold as')" in problems
    assert "Carácter no GSM '’' (U+2019) en un texto en inglés" in problems
    assert "unidades" in parts["text_en"]["meta"] and "segmentos" in parts["text_es"]["meta"]
    lee_sees = lee.post(f"/supply/alerts/{alert_id}/check", typed).json()["parts"]["text_en"]["problems"]
    assert any(p.startswith("Repeats a report word for word") for p in lee_sees)

    # Refused beside the field in Spanish; saved with the quote, the check's problems read in Spanish.
    refused = _text(pat.post(f"/supply/alerts/{alert_id}", _form(ctx, QUOTE, text_es="")).text)
    assert "Escribe el texto en español o desmarca Español abajo." in refused
    assert pat.post(f"/supply/alerts/{alert_id}", _form(ctx, QUOTE)).status_code == 303
    page = _text(pat.get(f"/supply/alerts/{alert_id}").text)
    assert "Corrige esto antes de que se pueda enviar:" in page
    assert (
        "Inglés: Repite un reporte palabra por palabra ('blue pills sold as'): dilo con tus propias" in page
    )
    assert "Repeats a report" not in page

    assert pat.post(f"/supply/alerts/{alert_id}", _form(ctx, FIXED_EN)).status_code == 303
    page = _text(pat.get(f"/supply/alerts/{alert_id}?done=saved").text)
    assert "Guardada y revisada." in page and "La revisión no encontró problemas." in page
    assert "Enviar a <5 suscriptores" in page and "(menos de 5: no se muestra el número exacto)" in page
    assert "50.000 mensajes tardan 14 horas a 1/s, 4,6 horas a 3/s, 8 minutos a 100/s" in page
    body_en = FRAME_EN.format(FIXED_EN)
    assert f'<p class="sms" lang="en">{body_en}</p>' in page  # what subscribers get: not translated

    assert pat.post(f"/supply/alerts/{alert_id}/send").status_code == 303
    run_tick(worker, clock)
    run_tick(worker, clock)
    assert fake.to(ANA) == [body_en]  # a Spanish-reading peer sent it; the subscriber's language holds
    page = _text(pat.get(f"/supply/alerts/{alert_id}").text)
    assert "Avance" in page and "Terminado: se intentó enviar cada mensaje." in page
    progress = _text(pat.get(f"/supply/alerts/{alert_id}/progress").text)
    assert "<dt>Enviado</dt><dd><5</dd>" in progress and "<dt>Faltan</dt>" in progress
    english = _text(lee.get(f"/supply/alerts/{alert_id}").text)
    assert "Done: every text has been tried." in english and "<dt>Sent</dt>" in english


def test_spanish_numbers_and_cancel_pages(ctx, staff_browser):
    pat = staff_browser("peer", name="Pat Peer")
    _in_spanish(ctx, pat)
    numbers = _text(pat.get("/supply/numbers").text)
    assert "Cifras de las alertas de drogas" in numbers and "Últimos 30 días" in numbers
    started = pat.post("/supply/alerts", {"without_reports": "yes"})
    alert_id = int(re.fullmatch(r"/supply/alerts/(\d+)\?done=drafted", started.headers["location"]).group(1))
    cancel = _text(pat.get(f"/supply/alerts/{alert_id}/cancel").text)
    assert f"¿Cancelar la alerta {alert_id}?" in cancel and "Sí, cancelarla" in cancel


@pytest.fixture
def _fresh_published(settings) -> Iterator[None]:
    """PostgreSQL tests share one URL: no test sees another's published wording."""
    published.for_database(settings.database_url).changed()
    yield
    published.for_database(settings.database_url).changed()


def test_the_wording_editor_checks_in_spanish(ctx, staff_browser, _fresh_published):
    packs = load_packs()
    shipped, es = packs["en"].entries["naloxone"].parts, packs["es"].entries["naloxone"].parts
    form = {f"en-{i}": text for i, text in enumerate(shipped)} | {
        f"es-{i}": text for i, text in enumerate(es)
    }
    form |= {"en-0": shipped[0] + " ’", "base_version": "0", "action": "check"}
    ada, ann = staff_browser("admin", name="Ada Admin"), staff_browser("admin", name="Ann Admin")
    _in_spanish(ctx, ada)

    editor = _text(ada.get("/wording/naloxone").text)
    assert "Editar la respuesta" in editor and "Publicar" in editor and "caracteres" in editor
    checked = ada.post("/wording/naloxone", form)
    assert checked.status_code == 422
    page = _text(checked.text)
    assert re.search(r"Inglés(, parte 1)?: “’” no es un carácter simple de mensaje de texto", page)
    assert "not a plain text-message character" not in page
    live = ada.post("/wording/naloxone/check", form).json()
    assert "no es un carácter simple" in live["problems"][0]["message"]
    assert re.search(r"caracteres · \d+ de \d+ segmentos", live["parts"]["en-0"]["meta"])

    english = _text(ann.post("/wording/naloxone", form).text)
    assert re.search(r"English(, part 1)?: “’” is not a plain text-message character", english)
    assert "Publish" in english and "no es un carácter" not in english
