"""Texting for places: SITES → ZIP → list → MORE, a keyword with a ZIP, ZIP+4, unknown ZIPs, nothing near."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from smsbot.directory.importer import import_path
from smsbot.directory.records import RawService, check
from smsbot.directory.store import DEMO_CSV, upsert_records
from smsbot.models import Contact, InboundMessage
from smsbot.replies.segments import segment_info

CVILLE = (38.0266, -78.4805)  # ZIP 22902


def add(ctx, name: str, north_miles: float, categories: str, hours: str | None = "24/7", demo: bool = False):
    raw = RawService(
        source="test",
        source_id=name,
        name=name,
        categories=categories.split(";"),
        latitude=CVILLE[0] + north_miles / 69.0933,
        longitude=CVILLE[1],
        address=f"{int(north_miles * 100)} Main St",
        phone="434-555-0100",
        hours_text=hours,
        timezone="America/New_York",
        is_demo=demo,
    )
    with ctx.db.transaction() as conn:
        upsert_records(conn, [check(raw, "America/New_York").record], ctx.clock.now())


@pytest.fixture
def seven_sites(ctx):
    for i in range(1, 8):
        add(ctx, f"Site {i}", i * 0.5, "syringe_services" if i % 2 else "drop_in")
    add(ctx, "Naloxone Only", 0.2, "naloxone")


def _numbers(reply: str) -> list[str]:
    return [line.split(")")[0] for line in reply.splitlines() if line[:1].isdigit()]


def test_sites_then_zip_then_more_walks_the_list(sms, seven_sites):
    assert "ZIP" in sms("SITES")

    first = sms("22902")
    assert first.splitlines()[0] == "Harm reduction sites near you:"
    assert _numbers(first) == ["1", "2", "3"]
    assert "Site 1, 50 Main St. 434-555-0100. 0.5 mi. Open 24 hours" in first
    assert "Naloxone Only" not in first
    assert first.endswith("Reply MORE for more.")
    assert segment_info(first).segments <= 3 and segment_info(first).encoding == "GSM-7"

    second = sms("MORE")
    assert _numbers(second) == ["4", "5", "6"] and "Site 4," in second
    assert second.endswith("Reply MORE for more.")

    third = sms("more")
    assert _numbers(third) == ["7"] and "Site 7," in third
    assert "MORE" not in third  # nothing left to offer

    done = sms("MORE")  # the list is done: MORE has nothing to continue
    assert done and "Site" not in done


def test_more_stops_when_the_conversation_expires(sms, clock, seven_sites):
    sms("SITES 22902")
    clock.advance(minutes=31)  # the ZIP lived only in the 30-minute conversation state
    later = sms("MORE")
    assert later and "Site" not in later


def test_keyword_with_a_zip_answers_in_one_text(sms, seven_sites):
    reply = sms("naloxone 22902")
    assert reply.splitlines()[0] == "Naloxone near you:"
    assert "1) Naloxone Only, 20 Main St. 434-555-0100. 0.2 mi. Open 24 hours" in reply
    assert "Site" not in reply
    assert "MORE" not in reply


def test_sites_with_zip_plus_4_in_the_same_text(sms, seven_sites):
    assert "1) Site 1," in sms("SITES 22902-4321")


def test_a_topic_then_a_zip_uses_the_topics_categories(sms, seven_sites):
    sms("naloxone")
    assert "1) Naloxone Only," in sms("22902")


def test_unknown_zip_says_so_and_still_listens_for_a_zip(sms, seven_sites):
    assert sms("SITES 99999") == "I don't know that ZIP code. Please send a 5-digit US ZIP, like 22902."
    assert "1) Site 1," in sms("22902")


def test_nothing_nearby_gives_the_national_lines(sms, seven_sites):
    reply = sms("treatment 22902")
    assert "within 25 miles" in reply
    assert "1-800-662-4357" in reply and "1-800-484-3731" in reply
    assert sms("SITES 10001").startswith("We do not know of a place")


def test_spanish_texters_get_the_list_in_spanish(sms, seven_sites):
    sms("ESPANOL")
    reply = sms("sitios 22902")
    assert reply.splitlines()[0] == "Sitios de apoyo cerca de ti:"
    assert "Abierto 24 horas" in reply and reply.endswith("Responde MAS para ver otros.")
    assert segment_info(reply).segments <= 3
    assert _numbers(sms("mas")) == ["4", "5", "6"]


def test_demo_rows_are_labelled_in_every_reply_that_shows_them(ctx, sms):
    import_path(ctx, DEMO_CSV)
    reply = sms("naloxone 22902")
    assert reply.startswith("DEMO list: made-up places for testing, not real services.")
    assert segment_info(reply).segments <= 3
    assert sms("MORE").startswith("DEMO list:")
    assert sms("SITES 10001").startswith("DEMO list:")


def test_the_zip_is_kept_only_in_the_conversation_and_never_logged(ctx, sms, seven_sites, caplog):
    caplog.set_level(logging.DEBUG)
    sms("SITES")
    sms("22902")
    with ctx.db.transaction() as conn:
        contact = conn.execute(select(Contact.__table__)).one()
        inbound = conn.execute(select(InboundMessage.__table__)).all()
    stored = {k: v for k, v in contact._mapping.items() if k != "conversation"}
    assert "22902" not in repr(stored) and "22902" not in repr(inbound)
    assert '"zip": "22902"' in contact.conversation  # for MORE, expiring with the conversation
    assert "22902" not in caplog.text


def test_near_command_prints_what_a_texter_gets(ctx, sms, seven_sites):
    from smsbot import cli

    result = CliRunner().invoke(cli.app, ["directory", "near", "22902", "--category", "naloxone"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == sms("naloxone 22902")
    unknown = CliRunner().invoke(cli.app, ["directory", "near", "22902", "--category", "pizza"])
    assert unknown.exit_code == 2
