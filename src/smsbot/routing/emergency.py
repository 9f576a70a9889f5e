"""Emergency and distress words: someone may be overdosing or at risk of self-harm (988).

Precedence: a *strong* emergency sign (overdosing, OD'd, not breathing, won't wake up, blue lips) beats
distress words, because a body that is not breathing needs 911 and naloxone in the next minutes and the
distress reply cannot give those steps. Distress beats the *weak* sign, the bare noun "overdose" /
"sobredosis" ("I want to kill myself with an overdose" gets 988 first). The bare noun counts as an
emergency unless the text reads as a question about overdose with nobody named ("signs of an overdose").
"""

from __future__ import annotations

import re

from smsbot.routing.intents import Intent, Routed
from smsbot.routing.normalize import Normalized, PhraseIndex, word_set

_STRONG = PhraseIndex(
    [
        ("overdosing", "en"), ("overdosed", "en"), ("oding", "en"), ("od", None), ("ods", None),
        ("not breathing", "en"), ("isn't breathing", "en"), ("stopped breathing", "en"),
        ("no breathing", "en"), ("barely breathing", "en"),
        ("can't breathe", "en"), ("cannot breathe", "en"), ("can not breathe", "en"),
        ("won't wake up", "en"), ("wont wake up", "en"), ("will not wake up", "en"),
        ("can't wake", "en"), ("cannot wake", "en"), ("not waking up", "en"),
        ("unresponsive", "en"), ("not responding", "en"), ("won't respond", "en"),
        ("turning blue", "en"), ("blue lips", "en"), ("lips are blue", "en"), ("lips turning blue", "en"),
        ("no respira", "es"), ("no está respirando", "es"), ("dejó de respirar", "es"),
        ("no puede respirar", "es"), ("no puedo respirar", "es"),
        ("no despierta", "es"), ("no se despierta", "es"), ("no puedo despertar", "es"),
        ("no reacciona", "es"), ("labios azules", "es"), ("poniendo azul", "es"), ("poniendo morado", "es"),
        ("sobredosificando", "es"),
    ]
)  # fmt: skip
_WEAK = PhraseIndex([("overdose", "en"), ("overdoses", "en"), ("sobredosis", "es")])
# Somebody named, or "now": the noun is about a real person.
_NOW_MARKERS = word_set(
    "he she they him her them friend someone somebody guy girl man woman bf gf boyfriend girlfriend husband "
    "wife son daughter brother sister mom dad roommate help now 911 having had think "
    "el ella amigo amiga alguien novio novia esposo esposa hijo hija hermano hermana mama papa ayuda "
    "ahora tiene tuvo creo"
)
# Asking about overdose in general.
_INFO_MARKERS = word_set(
    "what how signs sign symptoms prevent avoid reverse reversal about info information learn know kit "
    "training risk que como senales sintomas prevenir evitar revertir informacion sobre riesgo"
)
# "he od'd", "OD’ed": the apostrophe must be there, or "odd" would count.
_OD_PAST_RE = re.compile(r"\bod['\u2019]?e?d\b")
_OD_PAST_EXCLUDE = frozenset({"odd"})

_DISTRESS = PhraseIndex(
    [
        ("kill myself", "en"), ("killing myself", "en"), ("suicide", "en"), ("suicidal", "en"),
        ("end my life", "en"), ("ending my life", "en"), ("take my life", "en"), ("want to die", "en"),
        ("wanna die", "en"), ("hurt myself", "en"), ("hurting myself", "en"), ("end it all", "en"),
        ("better off dead", "en"), ("no reason to live", "en"),
        ("matarme", "es"), ("suicidio", "es"), ("suicidarme", "es"), ("quiero morir", "es"),
        ("quiero morirme", "es"), ("me quiero morir", "es"), ("hacerme daño", "es"),
        ("quitarme la vida", "es"),
    ]
)  # fmt: skip


def _od_past(plain: str) -> bool:
    return any(m.group(0) not in _OD_PAST_EXCLUDE for m in _OD_PAST_RE.finditer(plain))


def _first(index: PhraseIndex, text: Normalized) -> tuple[bool, str | None]:
    for _, _, language in index.find(text.tokens):
        return True, language  # type: ignore[return-value]
    return False, None


def match_emergency(text: Normalized) -> Routed | None:
    """EMERGENCY, DISTRESS, or None; see the module docstring for which wins."""
    strong, language = _first(_STRONG, text)
    if not strong and "od" in text.plain and _od_past(text.plain):
        strong, language = True, "en"
    if strong:
        return Routed(Intent.EMERGENCY, language=language, matched_by="phrase")
    distress, language = _first(_DISTRESS, text)
    if distress:
        return Routed(Intent.DISTRESS, language=language, matched_by="phrase")
    weak, language = _first(_WEAK, text)
    if weak:
        words = set(text.tokens)
        if words & _NOW_MARKERS or not (words & _INFO_MARKERS or "?" in text.plain):
            return Routed(Intent.EMERGENCY, language=language, matched_by="phrase")
    return None
