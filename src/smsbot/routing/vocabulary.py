"""The keyword vocabulary: every word or phrase a texter may use for each app keyword, in both languages.

Each entry carries its intent, the language it tells (None = neutral, e.g. "narcan", "fts", "ok") and its
kind, which decides where in a text it may match (see keywords.py). Written naturally (accents and
apostrophes allowed); they are normalised the same way as texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from smsbot.routing.intents import Intent


class Kind(Enum):
    TOPIC = "topic"  # information topics: whole message, first word, embedded, typo-tolerant
    COMMAND = "command"  # MORE, FORGET, language, check-in commands: whole message or first word(s)
    GREETING = "greeting"  # hi / hola -> menu, lowest priority
    ANSWER = "answer"  # OK / CALL check-in answers: only the whole message


@dataclass(frozen=True)
class Term:
    intent: Intent
    language: str | None
    kind: Kind


def _terms(intent: Intent, kind: Kind, **by_language: str) -> list[tuple[str, Term]]:
    """by_language: en=, es=, any= (neutral) -> '|'-separated words or phrases."""
    out = []
    for key, words in by_language.items():
        language = None if key == "any" else key
        out += [(w.strip(), Term(intent, language, kind)) for w in words.split("|") if w.strip()]
    return out


T, C, G, A = Kind.TOPIC, Kind.COMMAND, Kind.GREETING, Kind.ANSWER
I = Intent  # noqa: E741 - short alias keeps the table readable

VOCABULARY: list[tuple[str, Term]] = [
    *_terms(I.NALOXONE, T,
        any="narcan|nalox|kloxxado|zimhi|rextovy",
        en="naloxone|reverse an overdose|reverse overdose|overdose reversal|overdose kit|overdose",
        es="naloxona|revertir una sobredosis|sobredosis"),
    *_terms(I.TESTSTRIPS, T,
        any="fts|teststrips|teststrip",
        en="test strips|test strip|strips|fentanyl strips|fentanyl strip|fentanyl test|fentanyl testing"
           "|test for fentanyl|drug checking|drug check|fentanyl|xylazine",
        es="tiras|tira|tiras reactivas|tiras de fentanilo|prueba de fentanilo|fentanilo|xilacina"),
    *_terms(I.SITES, T,
        any="ssp",
        en="sites|site|services|syringes|syringe|needles|needle|exchange|syringe program|syringe services"
           "|needle exchange|supplies|drop in|dropin|harm reduction",
        es="sitios|sitio|servicios|jeringas|jeringa|agujas|aguja|intercambio de jeringas|suministros"
           "|reducción de daños"),
    *_terms(I.HEART, T,
        any="meth|coke|crack|speed",
        en="heart|chest|chest pain|stimulant|stimulants|cocaine|uppers|blood pressure",
        es="corazón|pecho|estimulante|estimulantes|cocaína|metanfetamina|presión arterial"),
    *_terms(I.TREATMENT, T,
        any="suboxone|bupe|sublocade|vivitrol",
        en="treatment|detox|rehab|methadone|buprenorphine|naltrexone|recovery program",
        es="tratamiento|desintoxicación|desintox|rehabilitación|metadona|buprenorfina|naltrexona"),
    *_terms(I.MENU, C, any="menu", en="start over|options|main menu", es="opciones|empezar de nuevo"),
    *_terms(I.MENU, G, en="hi|hello|hey|hiya", es="hola|buenas|buenos días|buenas tardes|buenas noches"),
    *_terms(I.MORE, C, en="more|next|tell me more|more info|send more", es="más|siguiente|dime más"),
    *_terms(I.FORGET, C,
        en="forget|forget me|delete me|delete my data|delete my info|delete my number|erase me",
        es="olvidar|olvídame|olvidame|borrar|bórrame|borrar mis datos|borra mis datos"),
    *_terms(I.LANG_ES, C, en="spanish|in spanish", es="español|en español|castellano"),
    *_terms(I.LANG_EN, C, en="english|in english", es="inglés|en inglés"),
    *_terms(I.JOIN, C, en="join", es="unirme|unirse"),
    *_terms(I.CHECKIN, C, en="checkin|check in"),
    *_terms(I.PAUSE, C, en="pause", es="pausa|pausar"),
    *_terms(I.RESUME, C, en="resume", es="reanudar|continuar"),
    *_terms(I.OK, A,
        any="ok|okay|okey|1|thumbsup",
        en="fine|good|i'm ok|im ok|i'm okay|i am ok|i'm fine|i'm good|all good|doing ok|doing good",
        es="bien|estoy bien|todo bien"),
    *_terms(I.CALL, A,
        any="2", en="call|call me|please call|call me please", es="llámame|llamame|llamar|llámenme"),
]  # fmt: skip

# Only these answer words are digits, and they only count while a check-in is open ("I have 2 kids").
CHECKIN_DIGITS = frozenset({"1", "2"})

# Typo tolerance applies to these spellings only: distinctive drug and service words, none of which is
# one edit away from an everyday English or Spanish word (see tests for the false-positive table).
# Short or common words ("heart"/"heard", "meth"/"math", "coke"/"come", "tiras"/"tires", "forget"/"forgot",
# "cocaína"/"cocina") are deliberately left out.
FUZZY_SPELLINGS: dict[str, Term] = {
    word: term
    for word, term in VOCABULARY
    if word
    in {
        "narcan", "naloxone", "naloxona", "kloxxado", "fentanyl", "fentanilo", "teststrips", "syringes",
        "syringe", "jeringas", "stimulants", "estimulantes", "cocaine", "methadone", "metadona", "suboxone",
        "buprenorphine", "buprenorfina", "treatment", "tratamiento", "xylazine", "xilacina", "servicios",
    }
}  # fmt: skip
