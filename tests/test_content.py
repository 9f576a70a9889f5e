"""The wording packs and `smsbot content check`: the shipped packs pass; each kind of mistake is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smsbot.cli import app
from smsbot.config import Settings, reset_settings
from smsbot.replies.checker import SAMPLE_VALUES, check_packs, format_report
from smsbot.replies.readability import grade_level
from smsbot.replies.rules import lower_case_starts
from smsbot.replies.segments import non_gsm_characters, segment_info
from smsbot.replies.wording import PACKS_DIR, Entry, Pack, Wording, fill, load_packs
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
    assert any(n.startswith("es heart[0]: UCS-2") for n in notes)  # accents allowed in Spanish


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


def _settings(**env: str) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[call-arg]


def _every_reply(wording: Wording, language: str, **values: str):
    for key, entry in wording.packs[language].entries.items():
        for part in range(len(entry.parts)):
            yield key, part, wording.render(key, language, part, **values)


# Values as handlers fill them: lower-case words that may land where a sentence starts.
_HANDLER_VALUES = {**{k: v for k, v in SAMPLE_VALUES.items() if k not in ("program", "help_contact")},
                   "peer": "a peer", "nickname": "j"}  # fmt: skip


def test_a_value_that_opens_a_sentence_is_capitalized():
    assert fill("Questions? {c}. Or {c}.", {"c": "ask us"}) == "Questions? Ask us. Or ask us."
    assert fill("{p} will call. ¿{q}?", {"p": "a peer", "q": "dudas"}) == "A peer will call. ¿Dudas?"
    assert fill("{n}) {x}", {"n": "1", "x": "b"}) == "1) b"  # not after a list number
    assert fill("Hi {{x}} {x}", {"x": "y"}) == "Hi {x} y"


def test_no_reply_starts_a_sentence_in_lower_case_whatever_the_values():
    wording = Wording.from_settings(_settings())
    for language in ("en", "es"):
        for key, part, text in _every_reply(wording, language, **_HANDLER_VALUES):
            assert lower_case_starts(text) == [], (language, key, part, text)


def test_ayuda_is_all_spanish_with_the_default_settings():
    wording = Wording.from_settings(_settings())
    ayuda = wording.render("help", "es")
    for english in ("ask", "your", "Harm", "Reduction", "Text Line", "program."):
        assert english not in ayuda, ayuda
    assert "Línea de Reducción de Daños" in ayuda and "Pregunta en tu programa local" in ayuda
    assert wording.render("help", "en").startswith("Harm Reduction Text Line: ")
    assert "Questions? Ask your local harm reduction program." in wording.render("help", "en")


def test_program_name_and_help_contact_per_language():
    wording = Wording.from_settings(
        _settings(
            SMSBOT_PROGRAM_NAME="Riverside Harm Reduction",
            SMSBOT_HELP_CONTACT="call (434) 555-0100",
            SMSBOT_PROGRAM_NAME_ES="Reducción de Daños Riverside",
            SMSBOT_HELP_CONTACT_ES="llama al (434) 555-0100",
        )
    )
    assert wording.render("help", "es").startswith("Reducción de Daños Riverside: ")
    assert "¿Dudas? Llama al (434) 555-0100." in wording.render("help", "es")
    assert "Questions? Call (434) 555-0100." in wording.render("help", "en")
    assert "Riverside Harm Reduction" in wording.render("help_opted_out", "en")
    # Without Spanish settings, an operator's own name and contact are used rather than nothing.
    fallback = Wording.from_settings(_settings(SMSBOT_PROGRAM_NAME="Riverside HR"))
    assert fallback.render("help", "es").startswith("Riverside HR: ")
    assert "Pregunta en tu programa local" in fallback.render("help", "es")


def test_the_shipped_replies_say_what_issue_9_asks():
    wording = Wording.from_settings(_settings())
    english = wording.render("emergency", "en")
    assert english.count("911") == 1 and english.index("911") < 80
    spanish = wording.render("emergency", "es")
    assert spanish.count("911") == 1 and "la persona" in spanish and "despertarla" not in spanish
    strips = wording.render("teststrips", "en")
    assert (
        strips.index("1 line = fentanyl")
        < strips.index("2 lines")
        < strips.index("faint")
        < strips.index("1)")
    )
    tiras = wording.render("teststrips", "es")
    assert tiras.index("1 raya = hay fentanilo") < tiras.index("1)")
    for language, words in {
        "en": ("unsure", "tranq", "meth"),
        "es": ("no sepas", "xilacina", "meth"),
    }.items():
        first = wording.render("naloxone", language)
        assert all(word in first for word in words), first
    corazon = wording.render("heart", "es")
    for fact in ("infarto", "derrame cerebral", "dolor de cabeza", "un lado del cuerpo", "911"):
        assert fact in corazon
    crisis = wording.render("distress", "es")
    assert "988 y marca 2" in crisis and "AYUDA al 988" in crisis and "Importas" not in crisis
    for language in ("en", "es"):
        line = wording.render("not_understood", language)
        assert segment_info(line).segments == 1 and "MENU" in line and "911" in line
        wounds = [
            wording.render("wounds", language, part) for part in range(wording.count("wounds", language))
        ]
        assert len(wounds) >= 2 and ("ZIP" in wounds[-1] or "código postal" in wounds[-1])
        assert "CALL" in wording.render(
            "relapse_checkin", language, peer="Sam"
        ) or "LLAMAR" in wording.render("relapse_checkin", language, peer="Sam")
    assert "Reply START to get texts again" in wording.render("help_opted_out", "en")
    alert = wording.render("checkin_alert_opted_out", "en", nickname="J", ref="12")
    assert "J" in alert and "12" in alert
    unconfirmed = wording.render("checkin_alert_unconfirmed", "en", nickname="J", ref="12")
    assert "could not confirm" in unconfirmed and "12" in unconfirmed


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
        # issue 9: sentence case, one-segment keys, 911 first and once, facts, Spanish style, discretion
        (lambda: _edited("en", "more_end", "Done. see the MENU."), "starts in lower case ('see the"),
        (lambda: _edited("es", "more_end", "¿Listo? ¿quieres más? Escribe MENU."), "starts in lower case"),
        (lambda: _edited("es", "more_end", "Manda un código de EE. UU. de 5 números."), None),
        (lambda: _edited("en", "not_understood", "Sorry, we did not catch that. " * 6 + "MENU. 911."),
         "budget 1"),
        (lambda: _edited("en", "not_understood", "Sorry, we did not catch that. Text MENU."), "must say 911"),
        (lambda: _edited("en", "emergency", "Call 911 now. 1) Wake them. 2) Call 911. 3) Naloxone.", "More."),
         "says 911 2 times"),
        (lambda: _edited("en", "emergency", "Try to wake them: shout, rub their breastbone hard, and then if "
                         "nothing happens call 911.", "More."), "first 80 characters"),
        (lambda: _edited("es", "emergency", "Trata de despertar a la persona: grita, frota su pecho fuerte y "
                         "luego, si no responde, llama al 911.", "Más."), "first 80 characters"),
        (lambda: _edited("en", "teststrips", "1) Dip it. 2) Wait. 1 line = fentanyl. 2 lines = none, "
                         "even faint.", "B.", "C."), "before the steps"),
        (lambda: _edited("en", "teststrips", "1 line = fentanyl. 2 lines = none. 1) Dip it.", "B.", "C."),
         "must say a faint line"),
        (lambda: _edited("es", "teststrips", "1) Moja la tira. 2) Espera.", "B.", "C."),
         "how to read: 1 raya"),
        (lambda: _edited("en", "naloxone", "Naloxone reverses an overdose. Give it if you are not sure, even "
                         "with meth.", "B.", "C."), "give it with xylazine"),
        (lambda: _edited("es", "naloxone", "La naloxona es segura. Dala aunque no sepas, con meth o "
                         "xilacina.", "B.", "C."), None),
        (lambda: _edited("es", "heart", "¿Dolor de pecho? Llama al 911. MAS", "B.", "C."),
         "must say heart attack"),
        (lambda: _edited("es", "distress", "Llama o escribe al 988. Si corres peligro, llama al 911."),
         "988 then press 2"),
        (lambda: _edited("en", "help_opted_out", "{program}: {help_contact}. Msg&data rates may apply. 911."),
         "Reply START to get texts again"),
        (lambda: _edited("en", "wounds", "Wash it with soap and water. Sterile bandage.", "Fever? Get care.",
                         "Places near you: text MENU."), "must say a ZIP"),
        (lambda: _edited("es", "xylazine", "La xilacina es un sedante.", "Llama al 911."),
         "must say naloxone"),
        (lambda: _edited("en", "relapse", "Stay safe and keep naloxone close. Text TREATMENT."),
         "must say not a failure"),
        (lambda: _edited("es", "emergency", "Llama al 911. Da respiración.", "Quédate."), "da respiración"),
        (lambda: _edited("es", "more_end", "Pide una invitación a tu par."), "'tu par'"),
        (lambda: _edited("es", "more_end", "Los chequeos vuelven mañana."), "'chequeo'"),
        (lambda: _edited("es", "distress", "Importas. Llama al 988 y marca 2, o escribe AYUDA al 988. 911."),
         "abrupt"),
        (lambda: _edited("es", "more_end", "Escribe HELP para ayuda."), "English keyword"),
        (lambda: _edited("es", "more_end", "Trata de despertarla."), "gendered 'despertarla'"),
        (lambda: _edited("es", "more_end", "No uses solo."), "gendered 'uses solo'"),
        (lambda: _edited("es", "more_end", "No estás inscrito."), "gendered 'inscrito'"),
        (lambda: _edited("es", "more_end", "Déjala plana 2 minutos. Cúbrela con una venda."), None),
        (lambda: _edited("en", "checkin_alert_call", "{program}: {nickname} needs naloxone. Ref {ref}."),
         "stay discreet"),
        (lambda: _edited("es", "checkin_prompt", "Hola de {program}. ¿Usaste drogas? {peer} te llama."),
         "stay discreet"),
        (lambda: _edited("en", "more_end", "Pharmacological interventions necessitate comprehensive "
                         "multidisciplinary evaluation procedures and individualized therapeutic "
                         "considerations regarding substance utilization. Organizational responsibilities "
                         "necessitate documentation."), "reading grade"),
        (lambda: _without("es", "relapse_checkin"), "missing in the es pack"),
        (lambda: _edited("es", "using_alone", "No uses a solas. Ten naloxona. Llama al 911."),
         "must say Never Use Alone"),
        (lambda: _without("en", "not_understood"), "en not_understood: required reply missing"),
        (lambda: _edited("es", "relapse_checkin", "Gracias. Responde LLAMAR y te llamaremos."),
         "differ from en"),
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
