"""Distress (self-harm words → 988) and using alone (→ the Never Use Alone line), both languages.

Using alone is not an emergency by itself: the person texting is awake. It gets its own answer
(USING_ALONE: a line that stays with you while you use, naloxone in reach, 911 if you feel wrong), and
becomes an EMERGENCY when the text also says they feel wrong ("estoy sola, usé y me siento rara").
Self-injury with a wound-care question ("I cut myself, how do I keep it clean") is left to WOUNDS.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from smsbot.routing.language import language_of
from smsbot.routing.normalize import Normalized, PhraseIndex, clauses, word_set

_DISTRESS = PhraseIndex(
    [
        ("kill myself", "en"), ("killing myself", "en"), ("kms", "en"), ("suicide", "en"), ("suicidal", "en"),
        ("end my life", "en"), ("ending my life", "en"), ("take my life", "en"), ("take my own life", "en"),
        ("want to die", "en"), ("wanna die", "en"), ("wanting to die", "en"), ("going to die", None),
        ("ready to die", "en"), ("wish i was dead", "en"), ("wish i were dead", "en"),
        ("want to be dead", "en"),
        ("hurt myself", "en"), ("hurting myself", "en"), ("harm myself", "en"), ("self harm", "en"),
        ("end it all", "en"), ("end it", "en"), ("better off dead", "en"), ("no reason to live", "en"),
        ("dont want to live", "en"), ("dont wanna live", "en"), ("dont want to be alive", "en"),
        ("dont want to be here anymore", "en"), ("dont want to wake up", "en"), ("unalive", "en"),
        ("cant go on", "en"), ("cant do this anymore", "en"), ("not worth living", "en"),
        ("od on purpose", "en"), ("overdose on purpose", "en"),
        ("matarme", "es"), ("me voy a matar", "es"), ("me quiero matar", "es"), ("suicidio", "es"),
        ("suicidarme", "es"), ("suicida", "es"), ("quiero morir", "es"), ("quiero morirme", "es"),
        ("me quiero morir", "es"), ("no quiero vivir", "es"), ("no quiero seguir viviendo", "es"),
        ("hacerme dano", "es"), ("lastimarme", "es"), ("quitarme la vida", "es"),
        ("acabar con mi vida", "es"),
        ("acabar con todo", "es"), ("ya no puedo mas", "es"), ("no vale la pena vivir", "es"),
        ("mejor muerto", "es"), ("mejor muerta", "es"),
        ("ending things", "en"), ("end things", "en"), ("end everything", "en"),
        ("if i was gone", "en"), ("if i were gone", "en"), ("better off without me", "en"),
        ("no point in living", "en"), ("no point living", "en"), ("want to disappear", "en"),
        ("wanna disappear", "en"), ("give up on life", "en"), ("giving up on life", "en"),
        ("ya no aguanto", "es"), ("no aguanto mas", "es"), ("desaparecer para siempre", "es"),
        ("mejor sin mi", "es"), ("no quiero estar aqui", "es"), ("no quiero despertar", "es"),
    ]
)  # fmt: skip
# Self-injury: distress, unless the text asks how to look after the wound (then WOUNDS answers).
_SELF_INJURY = PhraseIndex(
    [(w, lang) for w, lang in (("cut myself", "en"), ("cutting myself", "en"), ("cutting again", "en"),
                               ("burn myself", "en"), ("burned myself", "en"), ("me corte", "es"),
                               ("me corto", "es"), ("cortarme", "es"), ("me queme", "es"))]
)  # fmt: skip
_CARE = word_set(
    "clean care heal healing infected infection bandage bandages wipes stitches wound scar bleeding "
    "limpiar limpio curar cuidar cuidado vendar venda vendas infectada infectado herida cicatriz sangra"
)
_NOT = word_set("not isnt never no nunca ni")
_FUZZY = ("suicide", "suicidal", "suicidio", "suicida")

_ALONE = PhraseIndex(
    [(w, lang) for w, lang in (("alone", "en"), ("by myself", "en"), ("on my own", "en"),
                               ("nobody with me", "en"), ("no one with me", "en"), ("nobody here", "en"),
                               ("no one here", "en"), ("nobody around", "en"), ("no one around", "en"),
                               ("estoy solo", "es"), ("estoy sola", "es"), ("ando solo", "es"),
                               ("ando sola", "es"), ("a solas", "es"), ("sin nadie", "es"),
                               ("nadie conmigo", "es"), ("por mi cuenta", "es"), ("solito", "es"),
                               ("solita", "es"))]
)  # fmt: skip
_ALONE_AFTER_USE = word_set("solo sola")  # "usé sola", "voy a usar solo"
_ONLY_BEFORE = word_set("quiero necesito tengo para es un una me le lo uso la el")  # "solo quiero": only
_USE = word_set(
    "use used using shoot shot shooting smoke smoked smoking snort snorted high fix "
    "usar uso usando consumir consumi consumiendo inyecte inyectar inyectando fumar fume fumando"
)
_FEEL_WRONG = PhraseIndex(
    [(w, None) for w in ("feel weird", "feel funny", "feel off", "feel strange", "feel dizzy", "feel sick",
                         "feel bad", "feel like im dying", "feel like i am dying", "feeling weird",
                         "feeling funny", "feeling off", "feeling dizzy", "feeling bad", "pass out",
                         "passing out", "going out", "cant breathe", "chest hurts", "chest is tight",
                         "me siento mal", "me siento rara", "me siento raro", "me siento mareado",
                         "me siento mareada", "me voy a desmayar", "me estoy desmayando", "me falta el aire")]
)  # fmt: skip


def _alone_after_use(tokens: tuple[str, ...]) -> bool:
    for i, t in enumerate(tokens):
        only = i + 1 < len(tokens) and tokens[i + 1] in _ONLY_BEFORE  # "usar, solo quiero...": only
        if t in _ALONE_AFTER_USE and i and tokens[i - 1] in _USE and not only:
            return True
    return False


@lru_cache(maxsize=4096)
def _suicide_typo(token: str) -> bool:
    return (
        len(token) >= 6 and process.extractOne(token, _FUZZY, scorer=OSA.distance, score_cutoff=1) is not None
    )


def _first_unnegated(index: PhraseIndex, tokens: tuple[str, ...]) -> tuple[bool, str | None]:
    for start, _, lang in index.find(tokens):
        if not any(t in _NOT for t in tokens[max(start - 2, 0) : start]):
            return True, lang  # type: ignore[return-value]
    return False, None


def distress(text: Normalized) -> tuple[bool, str | None]:
    """(found, language) for self-harm or suicide words."""
    tokens = text.tokens
    found, lang = _first_unnegated(_DISTRESS, tokens)
    if not found:
        found, lang = _first_unnegated(_SELF_INJURY, tokens)
        if found and set(tokens) & _CARE:
            found = False  # a wound-care question about self-injury: WOUNDS answers it
    if not found:
        typo = next((i for i, t in enumerate(tokens[:60]) if t[:2] == "su" and _suicide_typo(t)), None)
        if typo is not None and not any(t in _NOT for t in tokens[max(typo - 2, 0) : typo]):
            found, lang = True, None
    if not found:
        return False, None
    return True, lang or language_of(text)


def using_alone(text: Normalized) -> tuple[bool, bool, str | None]:
    """(alone and using, also feeling wrong, language)."""
    tokens = text.tokens
    alone, lang = _first_unnegated(_ALONE, tokens)
    if not alone:
        alone, lang = any(_alone_after_use(clause) for clause in clauses(text)), "es"
    if not alone:
        return False, False, None
    if not any(t in _USE for t in tokens):  # a verb of use: "I live alone, any narcan?" is not using alone
        return False, False, None
    wrong = next(iter(_FEEL_WRONG.find(tokens)), None) is not None
    return True, wrong, language_of(text) or lang
