"""Anonymous reports through signed texts: four skippable questions in both languages, drug words as
answers, emergency words inside a report (911 first), the daily limit, and what is stored (no number,
the answers encrypted, deleted after the retention window)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from smsbot.models import InboundMessage, SupplyReport
from smsbot.supply.reports import decrypt_answers
from smsbot.worker.retention import run_retention
from tests.conftest import TEXTER

REPORT = SupplyReport.__table__


def _reports(ctx) -> list:
    with ctx.db.transaction() as conn:
        return conn.execute(select(REPORT).order_by(REPORT.c.id)).all()


def _answers(ctx, row) -> dict:
    return decrypt_answers(ctx.vault, row.id, bytes(row.answers_ciphertext))


def _talk(sms, clock, *texts: str, from_: str = TEXTER) -> list[str | None]:
    replies = []
    for text in texts:
        replies.append(sms(text, from_=from_))
        clock.advance(minutes=1)
    return replies


def test_a_report_in_four_questions(ctx, sms, clock):
    replies = _talk(
        sms, clock, "REPORT", "Blue pills sold as percs, M30 stamp",
        "it burned, smelled like vinegar, naloxone took 3 doses", "near the park by 22902", "last night",
    )  # fmt: skip
    assert "anonymous" in replies[0] and "1 of 4" in replies[0] and "SKIP" in replies[0]
    assert "2 of 4" in replies[1] and "3 of 4" in replies[2] and "4 of 4" in replies[3]
    thanks = replies[4]
    assert thanks.startswith("Thank you.") and "call 911" in thanks and "naloxone" in thanks
    (row,) = _reports(ctx)
    assert _answers(ctx, row) == {
        "what": "Blue pills sold as percs, M30 stamp",
        "happened": "it burned, smelled like vinegar, naloxone took 3 doses",
        "where": "near the park by 22902",
        "when": "last night",
    }
    assert row.status == "new" and row.steps_answered == 4 and row.area_zip == "22902"
    assert row.language == "en"
    # No number anywhere on the row; the free text only encrypted.
    stored = " ".join(str(value) for value in row._mapping.values())
    assert TEXTER not in stored and ctx.vault.index(TEXTER) not in stored
    assert b"percs" not in bytes(row.answers_ciphertext)
    assert row.purge_at == row.created_at + timedelta(days=ctx.settings.retention_days)
    with ctx.db.transaction() as conn:  # the texts themselves are never stored, only their intents
        intents = list(conn.execute(select(InboundMessage.__table__.c.intent)).scalars())
    assert intents == ["report"] + ["report_step"] * 4


def test_every_step_skippable_in_spanish(ctx, sms, clock):
    replies = _talk(sms, clock, "REPORTE", "SALTAR", "nadie despertaba, olor raro", "no sé", "saltar")
    assert "1 de 4" in replies[0] and "SALTAR" in replies[0]
    assert "2 de 4" in replies[1] and "3 de 4" in replies[2] and "4 de 4" in replies[3]
    assert replies[4].startswith("Gracias.") and "911" in replies[4] and "naloxona" in replies[4]
    (row,) = _reports(ctx)
    assert _answers(ctx, row) == {"happened": "nadie despertaba, olor raro"}
    assert row.language == "es" and row.steps_answered == 1


def test_all_skipped_stores_nothing(ctx, sms, clock):
    replies = _talk(sms, clock, "report", "skip", "idk", "SKIP", "dont know")
    assert replies[-1].startswith("Thank you.")
    assert _reports(ctx) == []


def test_drug_words_are_answers_not_topics(ctx, sms, clock):
    replies = _talk(sms, clock, "ALERTA", "fentanilo", "naloxone")
    assert "2 de 4" in replies[1] and "3 de 4" in replies[2]  # never the naloxone topic
    (row,) = _reports(ctx)
    assert _answers(ctx, row) == {"what": "fentanilo", "happened": "naloxone"}


def test_emergency_inside_a_report_gets_911_first_and_is_kept(ctx, sms, clock):
    replies = _talk(sms, clock, "report", "white powder sold as dope", "my friend is not breathing right now")
    assert replies[2].startswith("Call 911 now.")  # the report never swallows an emergency
    (row,) = _reports(ctx)
    assert _answers(ctx, row) == {
        "what": "white powder sold as dope",
        "happened": "my friend is not breathing right now",
    }
    # The report's questions stop; the emergency's MORE carries on.
    assert "Naloxone wears off" in sms("MORE")


def test_emergency_inside_a_spanish_report(ctx, sms, clock):
    replies = _talk(sms, clock, "REPORTE", "polvo blanco", "mi amigo no respira")
    assert "911" in replies[2][:80] and "2 de 4" in replies[1]
    (row,) = _reports(ctx)
    assert _answers(ctx, row) == {"what": "polvo blanco", "happened": "mi amigo no respira"}


def test_help_and_menu_inside_a_report(ctx, sms, clock):
    replies = _talk(sms, clock, "report", "HELP", "pills", "MENU", "naloxone")
    assert "Reply STOP" in replies[1]
    assert "2 of 4" in replies[2]  # HELP did not end the report
    assert "Text a word" in replies[3]
    assert "Naloxone (Narcan)" in replies[4]  # MENU did
    (row,) = _reports(ctx)
    assert _answers(ctx, row) == {"what": "pills"}


def test_a_bad_batch_said_in_passing_starts_a_report_and_keeps_the_opening(ctx, sms, clock):
    first = sms("theres a bad batch of fent going around 22903")
    assert "1 of 4" in first
    (row,) = _reports(ctx)
    assert _answers(ctx, row) == {"opening": "theres a bad batch of fent going around 22903"}
    assert row.area_zip == "22903" and row.steps_answered == 0


def test_three_reports_a_day_per_number(ctx, sms, clock):
    for _ in range(3):
        _talk(sms, clock, "report", "pills", "skip", "skip", "skip")
    limited = sms("report")
    assert "3 reports from this phone today" in limited and "911" in limited
    assert len(_reports(ctx)) == 3
    assert "1 of 4" in sms("report", from_="+15555550177")  # another number is not limited
    clock.advance(days=1)
    assert "1 of 4" in sms("report")
    assert "2 of 4" in sms("pills")
    hashes = {row.reporter_hash for row in _reports(ctx)}
    assert len(hashes) == 2  # one per number per day, and no number


def test_reports_are_deleted_after_the_retention_window(ctx, sms, clock):
    _talk(sms, clock, "report", "pills", "skip", "skip", "skip")
    run_retention(ctx, clock.now() + timedelta(days=ctx.settings.retention_days - 1))
    assert len(_reports(ctx)) == 1
    run_retention(ctx, clock.now() + timedelta(days=ctx.settings.retention_days, minutes=1))
    assert _reports(ctx) == []
