"""Drug-supply alerts, the texter's side, through signed texts into /twilio/sms: subscribing by ZIP,
STOP ALERTS (alerts only) and STOP (everything), HELP, in English and Spanish."""

from __future__ import annotations

from sqlalchemy import select

from smsbot.models import ConsentRecord, Contact, SupplySubscriber, SupplySubscription, Suppression
from tests.conftest import TEXTER

OTHER = "+15555550199"
SUB, ZIPS = SupplySubscriber.__table__, SupplySubscription.__table__
CONSENT, CONTACT = ConsentRecord.__table__, Contact.__table__


def _rows(ctx, table, *where):
    with ctx.db.transaction() as conn:
        return conn.execute(select(table).where(*where)).all()


def _zips(ctx, number=TEXTER) -> list[str]:
    index = ctx.vault.index(number)
    with ctx.db.transaction() as conn:
        return sorted(
            conn.execute(
                select(ZIPS.c.zip_code)
                .select_from(
                    ZIPS.join(SUB, SUB.c.id == ZIPS.c.subscriber_id).join(
                        CONTACT, CONTACT.c.id == SUB.c.contact_id
                    )
                )
                .where(CONTACT.c.phone_index == index)
            ).scalars()
        )


def _consent(ctx, number=TEXTER) -> list[tuple[str, str | None]]:
    rows = _rows(ctx, CONSENT, CONSENT.c.phone_index == ctx.vault.index(number))
    return [(row.kind, row.source) for row in sorted(rows, key=lambda r: r.id)]


def test_alerts_then_the_zip_when_asked(ctx, sms, clock):
    asked = sms("ALERTS")
    assert "ZIP" in asked and "rarely" in asked
    clock.advance(minutes=1)
    joined = sms("22902")
    assert "22902 (Charlottesville, VA)" in joined  # the area, named
    assert "rarely" in joined and "STOP ALERTS" in joined and "STOP to opt out of all texts" in joined
    assert _zips(ctx) == ["22902"]
    assert _consent(ctx) == [("alerts_join", "sms")]
    (row,) = _rows(ctx, SUB)
    # Nothing else about the subscriber: their contact (the keyed index, the number encrypted since we
    # text first), the language, when.
    assert set(row._mapping) == {"id", "contact_id", "language", "created_at"}
    assert row.language == "en"
    (texter,) = _rows(ctx, CONTACT, CONTACT.c.id == row.contact_id)
    assert TEXTER.encode() not in bytes(texter.phone_ciphertext) and texter.phone_index != TEXTER
    assert ctx.vault.decrypt(bytes(texter.phone_ciphertext), texter.phone_index) == TEXTER


def test_alerts_with_a_zip_in_one_text_up_to_three_zips(ctx, sms, clock):
    assert "22902 (Charlottesville, VA)" in sms("ALERTS 22902")
    for zip_code in ("22903-1234", "alerts 10001"):
        clock.advance(minutes=1)
        body = f"alerts {zip_code}" if zip_code[0].isdigit() else zip_code
        assert "You will get drug alerts" in sms(body)
    clock.advance(minutes=1)
    assert "already get drug alerts for 22902" in sms("alerts 22902")
    clock.advance(minutes=1)
    full = sms("ALERTS 94110")
    assert "3 ZIPs: 10001, 22902, 22903" in full and "STOP ALERTS" in full
    assert _zips(ctx) == ["10001", "22902", "22903"]
    clock.advance(minutes=1)
    status = sms("alerts")
    assert "You get drug alerts for 10001, 22902, 22903" in status
    assert [kind for kind, _ in _consent(ctx)] == ["alerts_join"] * 3


def test_an_unknown_zip_is_asked_again(ctx, sms, clock):
    sms("ALERTS")
    clock.advance(minutes=1)
    assert "don't know that ZIP" in sms("99999")
    clock.advance(minutes=1)
    assert "22902" in sms("22902")
    assert _zips(ctx) == ["22902"]


def test_stop_alerts_ends_alerts_only_and_says_so(ctx, sms, clock):
    sms("ALERTS 22902")
    clock.advance(minutes=1)
    stopped = sms("STOP ALERTS")
    assert "no more drug alerts" in stopped and "STOP to opt out of all texts" in stopped
    assert _zips(ctx) == [] and _rows(ctx, SUB) == []
    assert _consent(ctx) == [("alerts_join", "sms"), ("alerts_stop", "sms")]
    assert _rows(ctx, Suppression.__table__) == []  # not an opt-out of everything
    (texter,) = _rows(ctx, CONTACT)
    assert texter.phone_ciphertext is None and texter.opted_out_at is None  # no number kept for alerts
    clock.advance(minutes=1)
    assert "Naloxone" in sms("naloxone")  # the line still answers
    clock.advance(hours=1)  # a compliance word's reply: once an hour (inbound/flood.py)
    assert "do not get drug alerts" in sms("stop alerts please")


def test_plain_stop_ends_everything_alerts_included(ctx, sms, clock):
    sms("ALERTS 22902")
    clock.advance(minutes=1)
    assert "You will not get any more texts" in sms("STOP")
    assert _rows(ctx, SUB) == [] and _zips(ctx) == []
    assert _consent(ctx) == [("alerts_join", "sms"), ("opt_out", "sms"), ("alerts_stop", "sms")]
    clock.advance(minutes=1)
    assert sms("STOP ALERTS") is None  # opted out of everything: carried out, never answered
    assert sms("ALERTS 22902") is None
    assert _rows(ctx, SUB) == []


def test_spanish_alertas_and_parar_alertas(ctx, sms, clock):
    asked = sms("ALERTAS")
    assert "código postal" in asked
    clock.advance(minutes=1)
    joined = sms("22902")
    assert "Recibirás alertas de droga para 22902 (Charlottesville, VA)" in joined
    assert "pocas veces" in joined and "PARAR ALERTAS" in joined
    (row,) = _rows(ctx, SUB)
    assert row.language == "es"
    clock.advance(minutes=1)
    stopped = sms("PARAR ALERTAS")
    assert stopped.startswith("Ya no recibirás alertas de droga")
    assert _rows(ctx, SUB) == []
    assert _consent(ctx) == [("alerts_join", "sms"), ("alerts_stop", "sms")]
    with ctx.db.transaction() as conn:
        assert conn.execute(select(Contact.__table__.c.opted_out_at)).scalar() is None


def test_alerta_with_a_zip_subscribes_alone_it_starts_a_report(ctx, sms, clock):
    assert "Recibirás alertas" in sms("ALERTA 22902")
    clock.advance(minutes=1)
    assert "1 de 4" in sms("ALERTA", from_=OTHER)
    clock.advance(minutes=1)
    assert "ZIP" in sms("alert", from_="+15555550142")  # English singular: subscribe (asks the ZIP)
    clock.advance(minutes=1)
    assert "código postal" in sms("alertas", from_="+15555550143")


def test_help_names_both_ways_to_stop(sms, clock):
    help_en = sms("HELP")
    assert "Reply STOP to opt out of all texts" in help_en and "STOP ALERTS" in help_en
    assert "Msg&data rates may apply" in help_en and "911" in help_en
    clock.advance(minutes=1)
    ayuda = sms("AYUDA", from_=OTHER)
    assert "Responde STOP para salir" in ayuda and "PARAR ALERTAS" in ayuda


def test_menu_offers_alerts_and_report(sms):
    menu = sms("menu")
    assert "ALERTS" in menu and "REPORT" in menu


def test_forget_deletes_the_subscriber(ctx, sms, clock):
    sms("ALERTS 22902")
    clock.advance(minutes=1)
    assert "deleted" in sms("FORGET")
    assert _rows(ctx, SUB) == [] and _rows(ctx, ZIPS) == []
    assert ("alerts_stop", "forget") in _consent(ctx)  # consent evidence stays, keyed hash only
