"""The wording packs and `smsbot content check`: the shipped packs pass; each kind of mistake is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smsbot.cli import app
from smsbot.config import reset_settings
from smsbot.replies.checker import SAMPLE_VALUES, check_packs, format_report
from smsbot.replies.readability import grade_level
from smsbot.replies.segments import non_gsm_characters
from smsbot.replies.wording import PACKS_DIR, Entry, Pack, Wording, load_packs
from smsbot.routing import Intent, RouteContext, route


def _shipped() -> dict[str, Pack]:
    return load_packs(PACKS_DIR)


def _edited(language: str, key: str, *parts: str, segments: int | None = None) -> dict[str, Pack]:
    """The shipped packs with one entry replaced (or added)."""
    packs = dict(_shipped())
    pack = packs[language]
    entries = {**pack.entries, key: Entry(key=key, parts=parts, segments=segments)}
    packs[language] = Pack(language=pack.language, version=pack.version, entries=entries)
    return packs


def _without(language: str, key: str) -> dict[str, Pack]:
    packs = dict(_shipped())
    pack = packs[language]
    entries = {k: v for k, v in pack.entries.items() if k != key}
    packs[language] = Pack(language=pack.language, version=pack.version, entries=entries)
    return packs


_ES_RATES = "Pueden aplicarse tarifas de mensajes y datos. 911."


def _problems(packs: dict[str, Pack]) -> list[str]:
    return check_packs(packs)[0]


def test_shipped_packs_pass():
    problems, notes = check_packs(_shipped())
    assert problems == []
    assert any(n.startswith("en naloxone[0]: GSM-7") and "grade" in n for n in notes)
    assert any(n.startswith("es naloxone[0]: UCS-2") for n in notes)


def test_sample_values_have_realistic_length():
    assert len(SAMPLE_VALUES["program"]) == 24
    assert len(SAMPLE_VALUES["help_contact"]) == 30


def test_placeholders_are_filled_from_settings_or_registered():
    wording = Wording(_shipped(), SAMPLE_VALUES)
    for language, pack in _shipped().items():
        for key, entry in pack.entries.items():
            for part in range(len(entry.parts)):
                wording.render(key, language, part)  # no KeyError: every placeholder is known


def test_shipped_packs_have_the_same_keys_and_parts():
    packs = _shipped()
    assert packs["en"].entries.keys() == packs["es"].entries.keys()
    for key, entry in packs["en"].entries.items():
        assert len(entry.parts) == len(packs["es"].entries[key].parts), key


def test_english_replies_are_gsm7_and_name_no_numbers_from_code():
    wording = Wording(_shipped(), SAMPLE_VALUES)
    for key, entry in _shipped()["en"].entries.items():
        for part in range(len(entry.parts)):
            assert non_gsm_characters(wording.render(key, "en", part)) == [], key


def test_replies_carry_the_safety_facts():
    packs = _shipped()
    for language in ("en", "es"):
        emergency = packs[language].entries["emergency"].parts[0]
        assert emergency.index("911") < 20  # 911 comes first
        assert "988" in packs[language].entries["distress"].parts[0]
        assert "1-800-662-4357" in packs[language].entries["treatment"].parts[0]
        assert "1-800-484-3731" in " ".join(packs[language].entries["heart"].parts)
    assert packs["en"].entries["help"].parts[0].count("{program}") == 1


def test_every_keyword_a_menu_offers_is_understood_in_its_language():
    packs = _shipped()
    offered = {
        "en": ["NALOXONE", "TESTSTRIPS", "SITES", "HEART", "TREATMENT", "ESPANOL"],
        "es": ["NALOXONA", "TIRAS", "SITIOS", "CORAZON", "TRATAMIENTO", "ENGLISH"],
    }
    for language, words in offered.items():
        menu = packs[language].entries["menu"].parts[0]
        for word in words:
            assert word in menu
            assert route(word, RouteContext(language=language)).intent is not Intent.UNKNOWN


@pytest.mark.parametrize(
    ("packs", "expected"),
    [
        (lambda: _edited("en", "menu", "word " * 70), "segments"),
        (lambda: _edited("es", "menu", "línea " * 40), "segments"),
        (lambda: _edited("en", "menu", "Text NALOXONE \u2014 it\u2019s free"), "non-GSM character '\u2014'"),
        (lambda: _edited("en", "menu", "Text NALOXONE, café"), None),  # é is GSM-7: allowed
        (lambda: _edited("en", "more_end", "Done, {name}. Text MENU."), "unknown placeholder {name}"),
        (lambda: _edited("en", "more_end", "Done, {}. Text MENU."), "positional"),
        (lambda: _edited("en", "more_end", "Done {program. Text MENU."), "broken braces"),
        (lambda: _edited("en", "more_end", "That is all from {program}. Text MENU."), "differ from en"),
        (lambda: _without("es", "zip_invalid"), "missing in the es pack"),
        (lambda: _edited("en", "extra_key", "Only in English."), "missing in the es pack"),
        (lambda: _without("en", "menu"), "en menu: required reply missing"),
        (lambda: _edited("en", "more_end", "Reply YES to get more."), "YES"),
        (lambda: _edited("es", "more_end", "Responde SI para más."), "YES/SI"),
        (lambda: _edited("en", "more_end", "Text END when you are done."), "'END'"),
        (lambda: _edited("en", "more_end", "Text STOP for the next tip."), "'STOP'"),
        (lambda: _edited("en", "more_end", "Reply START for tips."), "'START'"),
        (lambda: _edited("en", "more_end", "reply cancel to skip"), "'cancel'"),
        (lambda: _edited("es", "more_end", "Escribe ALTO para parar los consejos."), "'ALTO'"),
        (lambda: _edited("en", "more_end", "Text NARCOTICS for more."), "router does not understand"),
        (lambda: _edited("en", "more_end", "Help for every addict."), "stigmatizing term 'addict'"),
        (lambda: _edited("en", "more_end", "Stay clean."), "stigmatizing term 'clean'"),
        (lambda: _edited("en", "more_end", "No dirty needles."), "stigmatizing term 'dirty'"),
        (lambda: _edited("en", "more_end", "Abusers welcome."), "stigmatizing term 'abusers'"),
        (lambda: _edited("en", "more_end", "No junkies here."), "stigmatizing term 'junkies'"),
        (lambda: _edited("es", "more_end", "Para cada adicto."), "stigmatizing term 'adicto'"),
        (lambda: _edited("es", "more_end", "Ya estás limpio."), "stigmatizing term 'limpio'"),
        (lambda: _edited("es", "more_end", "Agujas sucias no."), "stigmatizing term 'sucias'"),
        (lambda: _edited("es", "more_end", "Para cada drogadicto."), "stigmatizing term 'drogadicto'"),
        (lambda: _edited("en", "more_end", "Cleaning supplies and a cleanup day."), None),  # whole words only
        (lambda: _edited("en", "help", "{program}, {help_contact}. Reply STOP to opt out."), "Msg&data"),
        (lambda: _edited("es", "help", "{program}, {help_contact}. " + _ES_RATES), "Responde STOP"),
        (lambda: _edited("en", "sites_list", "A list.", segments=4), "over the maximum of 3"),
        (lambda: _edited("en", "more_end", ""), "empty reply"),
    ],
)  # fmt: skip
def test_each_mistake_is_reported(packs, expected):
    problems = _problems(packs())
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


def test_a_list_reply_may_ask_for_three_segments():
    long_list = "Sites near you: " + "Main St Clinic, 1 Main St, (434) 555-0100, open 9-5. " * 6
    assert any("segments" in p for p in _problems(_edited("en", "sites_list", long_list)))
    packs = _edited("en", "sites_list", long_list, segments=3)
    packs = {**packs, "es": _edited("es", "sites_list", "Sitios cerca.")["es"]}
    assert _problems(packs) == []


def test_placeholders_count_at_realistic_length():
    # As written (295 characters) this fits 2 segments (306); rendered with a 24-character name it does not.
    text = "{program} " + "x" * 285
    assert any("segments" in p for p in _problems(_edited("en", "more_end", text)))


def test_the_standard_stop_and_start_sentences_are_allowed():
    packs = _edited(
        "en", "more_end", "Reply STOP to opt out. Reply START to opt back in. Text HELP for help."
    )
    assert _problems(packs) == []


def test_reading_grade():
    assert grade_level("Call 911. Stay with them.") < 3
    hard = "Pharmacological interventions necessitate comprehensive multidisciplinary evaluation procedures."
    assert grade_level(hard) > 12
    assert grade_level("") == 0.0


def test_format_report():
    report = format_report(["en menu[0]: too long"], ["en menu[0]: GSM-7"])
    assert "en menu[0]: too long" in report and "FAILED" in report
    assert "OK" in format_report([], ["note"])


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("SMSBOT_ENV", "test")
    reset_settings(None)
    yield monkeypatch
    reset_settings(None)


def test_content_check_command_passes_on_the_shipped_packs(cli_env):
    cli_env.delenv("SMSBOT_WORDING_DIR", raising=False)
    result = CliRunner().invoke(app, ["content", "check"])
    assert result.exit_code == 0, result.output
    assert "OK: no problems" in result.output


def test_content_check_command_fails_on_a_broken_wording_dir(cli_env, tmp_path: Path):
    broken = tmp_path / "wording"
    shutil.copytree(PACKS_DIR, broken)
    english = broken / "en.toml"
    english.write_text(
        english.read_text(encoding="utf-8") + '\n[junk]\ntext = "Reply YES, addict."\n', "utf-8"
    )
    cli_env.setenv("SMSBOT_WORDING_DIR", str(broken))
    result = CliRunner().invoke(app, ["content", "check"])
    assert result.exit_code == 1, result.output
    assert "junk" in result.output and "FAILED" in result.output
