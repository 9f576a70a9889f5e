"""The words emergencies are made of, as families: each token gets the tags of its family (typos too).

emergency.py combines tags (a subject, a body part, a state, a negation) instead of listing sentences,
so "her lips r turning purple", "cant get him to wake up" and "se puso morada" all come from the same
few families. Typos are tolerated on the long, distinctive stems only (one edit; "breething",
"sobredocis"), cached per token so the hot path pays for each distinct word once.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from smsbot.routing.normalize import phrase

# tag -> (English words, Spanish words); words are folded like texts (accents and apostrophes dropped).
_FAMILIES: dict[str, tuple[str, str]] = {
    # overdosing as a verb: a person in the act
    "OD": (
        "overdosing overdosed overdosin overdoseing overdosein oding odeing odding odin oding",
        "sobredosificando",
    ),
    # the nouns: weak on their own (a question about overdose is not an emergency)
    "OD_NOUN": ("overdose overdoses od ods", "sobredosis"),
    "BREATH": (
        "breathing breathe breath breathin breaths breathes",
        "respira respirando respirar respiracion",
    ),
    "WAKE": (
        "wake waking woke awake wakin wakeup",
        "despierta despertar despertarlo despertarla despertarle despiertan despierte despertarse despierto",
    ),
    "RESPOND": (
        "respond responding responds respons react reacting",
        "responde responder respondiendo reacciona reaccionar reaccionando",
    ),
    "MOVE": ("moving move moves budge", "mueve moviendo"),
    "UNRESP": ("unresponsive unconscious unresponsve", "inconsciente inconciente"),
    "COLLAPSE": ("collapsed collapse collapsing fainted", "desmayo desmayado desmayada desmallo colapso"),
    "COLOR": (
        "blue purple grey gray bluish blueish purplish ashy",
        "azul azules morado morada morados moradas gris grises",
    ),
    "BODY": (
        "lips lip face skin nails fingers fingertips fingernails mouth",
        "labios labio cara piel unas dedos boca",
    ),
    "CHANGE": (
        "turning turned turn going gone went getting got",
        "poniendo puso pone ponerse volviendo volvio quedo quedando",
    ),
    "BE": ("is hes shes theyre looks look looking seems are", "esta estan ve"),
    "SOUND": (
        "gurgling gurgle gurgles gurgly choking choke foaming foam rattling",
        "gorgoteo gorgoteando ahogando ahoga espuma",
    ),
    "SNORE": ("snoring snore snores", "ronca roncando ronquidos"),
    # someone dying right now ("help hes dying", "mi amigo se muere"); "dying to" / "dying lol" excluded
    "DYING": ("dying", "muere muriendo muriendose"),
    "SEIZURE": ("seizure seizures seizing convulsing convulsions", "convulsion convulsiones convulsionando"),
    "PERSON": (
        "he she they him her them hes shes theyre friend friends homie bf gf boyfriend girlfriend husband "
        "wife partner son daughter brother sister bro sis mom dad mother father roommate cousin uncle aunt "
        "dude guy girl man woman kid someone somebody buddy neighbor homeboy homegirl",
        "el ella amigo amiga novio novia esposo esposa hijo hija hermano hermana mama papa primo prima tio "
        "tia alguien compa companero companera vecino vecina pareja chico chica muchacho muchacha",
    ),
    "DRUG": (
        "fent fentanyl fetty dope heroin pills pill percs perc blues oxy oxys xanax bars benzos tranq meth "
        "coke crack drugs drug used using shot shooting snorted smoked took high narcan drunk alcohol "
        "drinking nodding nod pipe hitting rig needle smoking snorting sniffing shooting injecting",
        "fentanilo heroina droga drogas pastillas uso usando inyecto fumo tomo metio coca cristal perico "
        "borracho borracha consumio consumiendo usar consumir inyectarse inyectarme inyectandose inyectando "
        "fumar usado drogado drogada endrogado pipa jeringa",
    ),
    # a negation of the state that follows ("not", "won't", "no", "casi no", "apenas")
    "NEG": (
        "not isnt wasnt aint wont cant cannot couldnt wouldnt doesnt didnt dont never no barely hardly "
        "stopped stop unable",
        "no nunca ni apenas dejo casi sin",
    ),
    # "breathing weird", "respira raro": a state that is wrong without a negation
    "ABNORMAL": (
        "weird weirdly slow slowly funny shallow strange odd wrong bad badly irregular barely hardly "
        "rattly heavy loud",
        "raro rara lento lenta lentamente despacio mal poco extrano extrana",
    ),
    # "is he breathing?", "idk if she's breathing", "no se si respira": someone is checking right now
    "CHECK": ("if whether idk dunno", "si"),
    # trouble breathing
    "TROUBLE": ("trouble struggling hard difficulty", "cuesta dificultad"),
}

# Misspellings are looked for among these stems only (one edit; OSA counts a swap as one).
_FUZZY_STEMS = {
    "breathing": "BREATH", "breathe": "BREATH", "overdosing": "OD", "overdosed": "OD", "overdose": "OD_NOUN",
    "sobredosis": "OD_NOUN", "unresponsive": "UNRESP", "unconscious": "UNRESP", "responding": "RESPOND",
    "respirando": "BREATH", "respirar": "BREATH", "despertar": "WAKE", "despierta": "WAKE",
    "inconsciente": "UNRESP", "reacciona": "RESPOND", "gurgling": "SOUND", "collapsed": "COLLAPSE",
    "seizure": "SEIZURE", "purple": "COLOR", "morado": "COLOR", "morada": "COLOR",
}  # fmt: skip
# Everyday words one edit from a stem ("overdoing it", "responded" is fine but "corresponding" is not close).
_NOT_TYPOS = frozenset(
    phrase("overdoing overdone breaking breather bathing brushing responsive reaction despierto despiertas")
)
_FUZZY_MIN_LENGTH = 6

_TAGS: dict[str, set[str]] = {}
_LANG: dict[str, str] = {}
for _tag, (_en, _es) in _FAMILIES.items():
    for _lang, _words in (("en", _en), ("es", _es)):
        for _word in phrase(_words):
            _TAGS.setdefault(_word, set()).add(_tag)
            if _tag != "DRUG":  # drug names travel between languages ("narcan", "fent", "perico")
                _LANG.setdefault(_word, _lang)
# Words both languages use tell neither ("no", "od", "narcan" are neutral).
for _word in phrase("no od ods gris coca perc percs tranq"):
    _LANG.pop(_word, None)
TAGS: dict[str, frozenset[str]] = {word: frozenset(tags) for word, tags in _TAGS.items()}
_STEMS = tuple(_FUZZY_STEMS)
_NONE: frozenset[str] = frozenset()


@lru_cache(maxsize=8192)
def _fuzzy(token: str) -> str | None:
    best = process.extractOne(token, _STEMS, scorer=OSA.distance, score_cutoff=1)
    return best[0] if best else None


def tags(token: str) -> frozenset[str]:
    """The families a token belongs to (empty for everyday words)."""
    found = TAGS.get(token)
    if found is not None:
        return found
    if len(token) < _FUZZY_MIN_LENGTH or token in _NOT_TYPOS or not token.isalpha():
        return _NONE
    stem = _fuzzy(token)
    return TAGS[stem] if stem is not None else _NONE


def language(token: str) -> str | None:
    """The language a sign word is written in ('en' / 'es'), None if shared or unknown."""
    found = _LANG.get(token)
    if found is None and token not in TAGS and len(token) >= _FUZZY_MIN_LENGTH and token.isalpha():
        stem = _fuzzy(token)
        return _LANG.get(stem) if stem else None
    return found
