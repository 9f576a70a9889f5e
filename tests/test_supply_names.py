"""No brand, stamp or dealer name that could endanger a reporter: the alert check through the API (the
same check the page runs), as a table of English and Spanish alert texts; words a report capitalised
as names; a program's own list (SMSBOT_ALERT_NAMES_FILE); on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest

from smsbot.config import reset_settings
from tests.checkins_fixtures import peer  # noqa: F401  (fixture)
from tests.test_supply_pages import _report

FINE_EN = "Pills sold as oxycodone near downtown have fentanyl. Go slow, carry naloxone, do not use alone."
FINE_ES = "Pastillas vendidas como oxicodona en el centro tienen fentanilo. Ve despacio, lleva naloxona."
# (language, alert text, words the problem must contain; "" = the text passes)
TABLE = [
    ("en", FINE_EN, ""),
    ("es", FINE_ES, ""),
    ("en", "Pills sold as Percocet have fentanyl. Go slow, carry naloxone.", ""),  # a medicine's name
    ("en", "Blue pills in 22902 have fentanyl. Go slow on Friday, carry naloxone.", ""),
    ("en", "Bags with a Superman stamp have fentanyl. Go slow.", "names 'superman'"),
    ("en", "Bags stamped Tesla have fentanyl. Go slow.", "names a brand or stamp ('stamped Tesla')"),
    ("en", "Pills sold as Ferrari have fentanyl. Go slow.", "names a brand or stamp"),
    ("en", "Pills called Rocket have fentanyl. Go slow.", "names a brand or stamp ('called Rocket')"),
    ("en", "Pills with the stamp: Crown have fentanyl.", "names a brand or stamp"),
    ("es", "Bolsas con sello Rolex tienen fentanilo. Ve despacio.", "names 'rolex'"),
    ("es", "Pastillas vendidas como Corona tienen fentanilo.", "names a brand or stamp"),
    ("es", "Bolsas con sello Estrella tienen fentanilo.", "names a brand or stamp"),
    ("en", "Pills from Big Mike have fentanyl. Go slow.", "looks like a nickname ('Big Mike')"),
    ("en", "Pills from Lil Tay have fentanyl. Go slow.", "looks like a nickname"),
    ("es", "Las pastillas de El Flaco tienen fentanilo.", "looks like a nickname ('El Flaco')"),
    ("en", "Pills from Dre's plug have fentanyl.", "whose plug, spot or batch"),
    ("en", "Ask @bluesupply about the pills. Go slow.", "@handle ('@bluesupply')"),
    ("en", "Pills sold on snap: plugguy have fentanyl.", "account on an app"),
    ("en", "Pills sold near Main and 5th have fentanyl.", "street corner ('near Main and 5th')"),
    ("en", "Pills sold at 14th & Pine have fentanyl.", "street corner"),
    ("en", "Pills sold by Grady Ave and 10th St have fentanyl.", "street corner"),
    ("es", "Pastillas en la esquina de Juárez y Madero tienen fentanilo.", "street corner"),
    ("es", "Pastillas vendidas entre Morelos y Hidalgo tienen fentanilo.", "street corner"),
    ("en", "For pills text 434-555-DOPE. Go slow.", "phone number spelled with letters"),
    ("en", "Bad pills downtown. Call 434-555-0199 for strips.", "has a phone number"),
    ("en", "Pills downtown have fentanyl. Call SAMHSA 1-800-662-4357.", ""),
]


@pytest.fixture
def writer(ctx, peer):  # noqa: F811
    """A peer and a draft alert for 22902; returns (peer, check(text_en=..., text_es=...))."""
    pat = peer("Pat Peer", phone=None)
    alert_id = pat.post("/api/supply/alerts", json={"zips": ["22902"]}).json()["id"]

    def check(**texts: str | None) -> list[str]:
        edited = pat.patch(f"/api/supply/alerts/{alert_id}", json=texts)
        assert edited.status_code == 200, edited.text
        shown = pat.get(f"/api/supply/alerts/{alert_id}").json()["check"]
        assert shown["ok"] == (not shown["problems"])
        return shown["problems"]

    return pat, check


def test_a_table_of_alert_texts_in_english_and_spanish(writer):
    _, check = writer
    wrong = []
    for language, text, words in TABLE:
        other = "es" if language == "en" else "en"
        problems = check(**{f"text_{language}": text, f"text_{other}": None})
        if not words and problems:
            wrong.append(f"{text!r} was refused: {problems}")
        elif words and not any(p.startswith(f"{language} alert: ") and words in p for p in problems):
            wrong.append(f"{text!r} not refused with {words!r}: {problems}")
    assert wrong == []


def test_a_word_a_report_capitalised_as_a_name_is_refused(ctx, sms, clock, peer):  # noqa: F811
    _report(sms, clock, "Green pills, got them behind Kroger from Tasha", where="22902")
    pat = peer("Pat Peer", phone=None)
    (report,) = pat.get("/api/supply/reports").json()
    alert_id = pat.post("/api/supply/alerts", json={"report_ids": [report["id"]]}).json()["id"]

    def problems(text: str) -> list[str]:
        pat.patch(f"/api/supply/alerts/{alert_id}", json={"text_en": text})
        return pat.get(f"/api/supply/alerts/{alert_id}").json()["check"]["problems"]

    named = problems("Green pills sold near the kroger lot have fentanyl. Go slow, carry naloxone.")
    assert any("uses 'kroger', which a report wrote as a name" in p for p in named), named
    assert any("'tasha'" in p for p in problems("Pills from tasha have fentanyl. Go slow."))
    # "Green" opened the report (phones capitalise the first word): a plain word, not a name.
    assert problems("Green pills in 22902 have fentanyl. Go slow, carry naloxone, do not use alone.") == []


def test_a_program_adds_its_own_names_and_allowed_words(ctx, tmp_path, writer):
    own = tmp_path / "names.toml"
    own.write_text(
        'names = ["Blue Dolphin"]\nallow = ["Kensington"]\n'
        "[[pattern]]\nregex = '''(?i:\\bthe trap\\b)'''\nwhy = \"names a place people buy: say the area\"\n",
        encoding="utf-8",
    )
    reset_settings(ctx.settings.model_copy(update={"alert_names_file": own}))
    _, check = writer
    assert any("names 'Blue Dolphin'" in p for p in check(text_en="Blue Dolphin bags have fentanyl."))
    assert any("names a place people buy" in p for p in check(text_en="Pills from the trap have fentanyl."))
    assert check(text_en="Pills sold near Kensington have fentanyl. Go slow, carry naloxone.") == []
    assert any("Superman" in p or "superman" in p for p in check(text_en="Superman bags have fentanyl."))

    own.write_text("names = [", encoding="utf-8")  # broken: every alert is held until it is fixed
    os.utime(own, ns=(1, 1))  # a different modification time, however fast this machine is
    assert any("SMSBOT_ALERT_NAMES_FILE" in p for p in check(text_en=FINE_EN))
    reset_settings(ctx.settings.model_copy(update={"alert_names_file": tmp_path / "missing.toml"}))
    assert any("SMSBOT_ALERT_NAMES_FILE" in p for p in check(text_en=FINE_EN))
    reset_settings(ctx.settings)
    assert check(text_en=FINE_EN) == []
