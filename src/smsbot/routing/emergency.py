"""Emergencies in people's words: someone may be overdosing right now (911 and the naloxone steps).

Signs are recognised by meaning, clause by clause, from word families (signs.py): a state that is wrong
("not breathing", "won't wake", "no respira", "breathing weird"), a colour on a body or a person
("lips are blue", "se puso morado"), a person in the act ("OD'ing", "overdosed", "ODd"), a collapse or
snoring/gurgling when drugs are mentioned, "took too much", naloxone given to someone. A negation in
front of a sign that is itself bad ("not overdosing, just asking", "lips aren't blue") cancels it; a
negation is what makes breathing or waking a sign. Precedence (see safety.py and router.py):
strong sign > distress (988) > the bare noun "overdose"/"sobredosis"/"OD" > using alone.
False alarms are cheap (the reply is 911 and naloxone steps), misses are not: when unsure, it fires.
"""

from __future__ import annotations

import re

from smsbot.routing.language import language_of
from smsbot.routing.normalize import Normalized, PhraseIndex, clauses, word_set
from smsbot.routing.signs import language, tags


def _phrases(words: str) -> PhraseIndex:
    return PhraseIndex([(w, None) for w in words.split("|")])


# A narrow negation: cancels a sign that is bad in itself ("not overdosing", "no está morado").
_NOT = word_set("not isnt wasnt arent aint never no nunca ni dont didnt doesnt")
# Breathing and waking are signs only with one of these in front ("stopped breathing", "can't wake").
_STATE_NEG = {"NEG", "TROUBLE"}
# Things a colour may describe in the same clause that are not a person ("grey hair", "el cielo está gris"),
# and drugs right next to it ("blue pills", "the dope is grey").
_THINGS = word_set(
    "hair pelo cabello sky cielo shirt camisa car carro truck eyes ojos jeans jacket paint house casa "
    "color colour favorite favorito"
)
_DRUG_THINGS = word_set(
    "pills pill pastilla pastillas dope powder polvo bag bolsa baggie stamp stamps rock heroin fent fentanyl "
    "meth blues bars"
)
_MOOD = word_set("feeling feel feels felt")
# "a new blue phone", "the blue one", "mi camisa azul": a colour describing a thing, not a person's state.
_DETERMINERS = word_set("a an the my your new some this that these those un una el la mi tu")
_MYSELF = word_set("i we yo nosotros")
_NARCAN = word_set("narcan naloxone naloxona nalox kloxxado")
_GIVE = word_set("gave give giving gives sprayed spray hit used use di dimos puse pusimos darle doy dale")
_OBJECT = word_set("him her them le les lo la")
_NEEDS = word_set("needs necesita needed")
# Past tenses only: "I use too much" is a habit to talk about, "I took too much" is now.
_TOOK = word_set("took taken did done used shot snorted smoked hit tomo uso metio inyecto fumo consumio paso")
_TOO_MUCH = _phrases("too much|to much|2 much|too many|to many|demasiado|demasiada|demasiadas|demasiados")
_COLLAPSE_PHRASES = _phrases(
    "passed out|fell out|fell over|knocked out|blacked out|out cold|se desmayo|se cayo redondo"
    "|se cayo redonda"
)
# Strong on their own: nobody says these about someone who is fine.
_ALONE_STRONG = _phrases(
    "lost consciousness|perdio el conocimiento|perdio la conciencia|not conscious|foaming at the mouth"
    "|espuma por la boca|no tiene pulso|no pulse|narcanned|narcaned|narcand|narcaneado|narcaneada|narcan him"
    "|narcan her|narcan them|narcan isnt working|narcan is not working|narcan not working|narcan didnt work"
    "|narcan did not work|narcan no funciona|narcan no funciono|naloxona no funciona|still out"
    "|sigue sin despertar|over dosing|over dosed|over dosin"
)
# "he OD'd", "ODing", "she ODed", "O.D.'d": the case or the apostrophe tells it from "odd".
_OD_RAW_RE = re.compile(r"\bO\.?D\.?(?:['\u2019]?e?d|['\u2019]?ing|['\u2019]?in|['\u2019]?n)\b")
_OD_PLAIN_RE = re.compile(r"\bo\.?d\.?['\u2019](?:e?d|ing|in|n)\b|\bo\.d\.?(?:e?d|ing)\b")
# "won't open her eyes", "no abre los ojos"
_EYES_RE = re.compile(
    r"\b(?:wont|not|isnt|cant|doesnt|didnt|no|never)\b(?: \w+){0,3} (?:open|opening|abre|abrir)"
    r"(?: \w+){0,2} (?:eyes|ojos)\b"
)
# "dying to see it", "dying of laughter", "dying lol": not someone dying.
_DYING_NOT_NOW = word_set("to of lol lmao laughing de laughter haha jaja")
_JOKING = word_set("lol lmao lmfao haha hahaha jaja jajaja rofl")
_ODD_BEFORE = word_set("just almost nearly has had prob probably literally might may think thinks")
_NOUN_OD_RE = re.compile(r"\bo\.d\b")
_SPLIT_NOUN_RE = re.compile(r"\b(?:over|sobre)[ -]dos(?:e|is)\b")

# Somebody named, or "now": the noun "overdose" is about a real person.
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


def _has(tag_list: list[frozenset[str]], lo: int, hi: int, tag: str | set[str]) -> bool:
    wanted = {tag} if isinstance(tag, str) else tag
    return any(t & wanted for t in tag_list[max(lo, 0) : max(hi, 0)])


def _negated(tokens: tuple[str, ...], i: int, span: int = 2) -> bool:
    return any(t in _NOT for t in tokens[max(i - span, 0) : i])


class _Scan:
    """One clause with its tags, and what the whole text says (drugs, people)."""

    def __init__(self, tokens: tuple[str, ...], drugs: bool, person: bool) -> None:
        self.tokens = tokens
        self.tags = [tags(t) for t in tokens]
        self.drugs = drugs
        self.person = person

    def sign(self) -> bool:
        return any(self._at(i) for i in range(len(self.tokens))) or self._phrases()

    def _at(self, i: int) -> bool:  # noqa: C901 - one small rule per family reads better than a table
        tok, t, tg = self.tokens[i], self.tags[i], self.tags
        if "OD" in t:
            if tok == "odin" and not (i and tg[i - 1] & {"BE", "PERSON"}):
                return False
            return not _negated(self.tokens, i)
        if "BREATH" in t:
            before = _has(tg, i - 3, i, _STATE_NEG | {"CHECK"})
            asking = i >= 2 and self.tokens[i - 2] in ("is", "esta") and "PERSON" in tg[i - 1]
            return before or asking or _has(tg, i + 1, i + 4, "ABNORMAL")
        if t & {"WAKE", "RESPOND", "MOVE"}:
            if "MOVE" in t and not (self.person or self.drugs):
                return False
            if i + 1 < len(self.tokens) and self.tokens[i + 1] == "me":  # "don't wake me up"
                return False
            negs = [j for j in range(max(i - 4, 0), i) if "NEG" in tg[j]]
            return bool(negs) and not self._about_myself(negs[0], i)
        if t & {"UNRESP"}:
            return not _negated(self.tokens, i)
        if "COLOR" in t:
            return self._colour(i)
        if "SOUND" in t:
            return not _negated(self.tokens, i) and (
                self.person or self.drugs or tok in ("foaming", "espuma")
            )
        if "SNORE" in t:
            # Snoring that sounds wrong ("snoring weird") is an overdose sign even with no drug named.
            odd = tok in ("snoring", "roncando") and _has(tg, i + 1, i + 4, "ABNORMAL")
            return (self.drugs or (self.person and odd)) and not _negated(self.tokens, i)
        if "COLLAPSE" in t:
            # "he collapsed", "mi novia se desmayó": 911 whether or not a drug is named.
            return (self.drugs or self.person) and not _negated(self.tokens, i)
        if "DYING" in t:
            after = self.tokens[i + 1 : i + 3]
            joking = bool(after) and after[0] in _DYING_NOT_NOW or bool(set(self.tokens) & _JOKING)
            return not joking and not _negated(self.tokens, i) and (self.person or self.drugs or i <= 2)
        if "SEIZURE" in t:
            return (self.person or self.drugs) and not _negated(self.tokens, i)
        if tok == "odd" and i:
            j = i - 1
            while j > 0 and self.tokens[j] in _ODD_BEFORE:
                j -= 1
            return "PERSON" in tg[j]
        if tok in _NARCAN:
            window = self.tokens[max(i - 4, 0) : i]
            after = self.tokens[i + 1 : i + 4]  # "used narcan on him", "gave narcan to her"
            given = any(w in _GIVE for w in window) and any(w in _OBJECT for w in window + after)
            return given or (i > 0 and self.tokens[i - 1] in _NEEDS and (self.person or i == 1))
        return False

    def _about_myself(self, neg: int, verb: int) -> bool:
        """ "I didn't respond", "I couldn't wake up": the texter about themselves, nobody else named."""
        if neg == 0 or self.tokens[neg - 1] not in _MYSELF:
            return False
        around = self.tags[neg + 1 : verb] + self.tags[verb + 1 : verb + 4]
        return not any("PERSON" in t for t in around)

    def _colour(self, i: int) -> bool:
        tokens, tg = self.tokens, self.tags
        if _negated(tokens, i) or any(w in _DRUG_THINGS for w in tokens[max(i - 2, 0) : i + 3]):
            return False
        if any(w in _MOOD for w in tokens[max(i - 2, 0) : i]):  # "feeling blue"
            return False
        if any("BODY" in t for t in tg):
            return True
        if any(w in _THINGS for w in tokens) or any(w in _DETERMINERS for w in tokens[max(i - 2, 0) : i]):
            return False
        if _has(tg, i - 3, i, "CHANGE"):
            return True
        spanish_be = any(w in ("esta", "estan", "ve") for w in tokens[max(i - 2, 0) : i])
        return _has(tg, i - 2, i, "BE") and (self.person or self.drugs or spanish_be)

    def _phrases(self) -> bool:
        tokens = self.tokens
        for _ in _ALONE_STRONG.find(tokens):
            return True
        for start, words, _ in _TOO_MUCH.find(tokens):
            took = [j for j in range(max(start - 2, 0), start) if tokens[j] in _TOOK]
            if took and not _negated(tokens, took[0]):
                return True
            if any("DRUG" in tags(w) for w in tokens[start + len(words) : start + len(words) + 2]):
                return True
        for start, _, _ in _COLLAPSE_PHRASES.find(tokens):
            if self.drugs and not _negated(tokens, start):
                return True
        return False


def _vote(tokens: tuple[str, ...]) -> str | None:
    spanish = sum(language(t) == "es" for t in tokens)
    english = sum(language(t) == "en" for t in tokens)
    return "es" if spanish > english else "en" if english > spanish else None


def strong_sign(text: Normalized) -> tuple[bool, str | None]:
    """(found, language) for a sign that someone is overdosing or not breathing right now."""
    if _OD_RAW_RE.search(text.raw) or ("od" in text.plain and _OD_PLAIN_RE.search(text.plain)):
        return True, _vote(text.tokens) or language_of(text)
    if _EYES_RE.search(text.joined):
        return True, _vote(text.tokens) or language_of(text)
    drugs = any("DRUG" in tags(t) for t in text.tokens[:200])
    person = any("PERSON" in tags(t) for t in text.tokens[:200])
    for tokens in clauses(text):
        if _Scan(tokens, drugs, person).sign():
            return True, _vote(tokens) or language_of(text)
    return False, None


def weak_sign(text: Normalized) -> tuple[bool, str | None]:
    """The noun ("overdose", "sobredosis", "OD") about a real person, not a question about overdose."""
    nouns = [
        i
        for tokens in clauses(text)
        for i, t in enumerate(tokens)
        if "OD_NOUN" in tags(t) and not _negated(tokens, i)
    ]
    if not nouns and not _NOUN_OD_RE.search(text.plain) and not _SPLIT_NOUN_RE.search(text.plain):
        return False, None
    words = set(text.tokens)
    if words & _NOW_MARKERS or not (words & _INFO_MARKERS or "?" in text.plain):
        return True, _vote(text.tokens) or language_of(text)
    return False, None
