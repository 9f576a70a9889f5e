"""Keyword matching: whole message, first word, embedded phrases, then typo tolerance (rapidfuzz).

Precedence inside a text: the whole message; a first-word instruction (FORGET, ESPAÑOL, JOIN, PAUSE...);
an information topic anywhere: the lowest rank first (WOUNDS, then MIXING, RELAPSE, wanting to stop →
TREATMENT; see vocabulary.py), then the first one in the text (NALOXONE, TESTSTRIPS, SITES, HEART,
TREATMENT, XYLAZINE); any other first-word command (MORE, MENU); a multi-word command phrase anywhere
("please forget me"); a typo of a topic word; finally a greeting (hi / hola -> MENU). Check-in answers
(OK, CALL) only count as the whole message. A topic marked negatable does not count after a negation
("I don't want to quit", "no quiero dejar de usar").
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from smsbot.routing.intents import Intent, RouteContext, Routed
from smsbot.routing.normalize import Normalized, PhraseIndex, fillers, strip_edges, word_set
from smsbot.routing.topics import match_mixing, match_quitting, match_return_to_use
from smsbot.routing.vocabulary import CHECKIN_DIGITS, FUZZY_SPELLINGS, VOCABULARY, Kind, Term

INDEX = PhraseIndex(VOCABULARY)

# Typo cutoff as edits (OSA distance: insert, delete, substitute, swap two neighbours): 1 edit for words of
# up to 8 letters ("narcam", "nalaxone", "naloxon", "fentanil", "narcna"), 2 from 9 letters ("treatmnet").
# A ratio cutoff low enough for "narcam" (fuzz.ratio 83) let "estimates" reach "estimulantes" (86); counted
# edits do not. Swept against ~100,000 distinct words of English prose and code: no everyday word matches.
FUZZY_MIN_LENGTH = 4
FUZZY_LONG_WORD = 9
FUZZY_MAX_TOKENS = 60  # typo search looks at the first 60 words; exact matching covers the whole text
_FUZZY_CHOICES = tuple(FUZZY_SPELLINGS)

# Instructions that win when they open a text, even if a topic word follows ("forget me, I used narcan").
_FIRST_WORD_WINS = frozenset(
    {Intent.FORGET, Intent.LANG_ES, Intent.LANG_EN, Intent.JOIN, Intent.CHECKIN, Intent.PAUSE, Intent.RESUME}
)
_POLITE = fillers(
    "please", "pls", "plz", "thanks", "thank you", "thx", "ty", "now", "yeah", "yep", "yup", "lol", "haha",
    "por favor", "porfa", "porfavor", "gracias", "si",
)  # fmt: skip
# Whole messages that start like a command but are not one ("más o menos" is "so-so", not MORE).
_NOT_COMMANDS = fillers("mas o menos", "more or less", "so so", "mas bien", "next time", "next week")
_NEGATIONS = word_set("dont not never no nunca didnt havent hasnt wont aint isnt arent ni without")
# Topics found by rules (topics.py), with the rank of their vocabulary peers.
_RULES = (
    (match_mixing, Intent.MIXING, 1),
    (match_return_to_use, Intent.RELAPSE, 2),
    (match_quitting, Intent.TREATMENT, 3),
)


@lru_cache(maxsize=4096)
def fuzzy_term(token: str) -> Term | None:
    """The topic a misspelt word most likely means, or None."""
    if len(token) < FUZZY_MIN_LENGTH or not token.isalpha() or not token.isascii():
        return None
    max_edits = 2 if len(token) >= FUZZY_LONG_WORD else 1
    best = process.extractOne(token, _FUZZY_CHOICES, scorer=OSA.distance, score_cutoff=max_edits)
    return FUZZY_SPELLINGS[best[0]] if best else None


def _negated(tokens: tuple[str, ...], pos: int) -> bool:
    return any(t in _NEGATIONS for t in tokens[max(pos - 3, 0) : pos])


def _routed(term: Term, how: str) -> Routed:
    return Routed(term.intent, language=term.language, matched_by=how)


def match_keyword(text: Normalized, ctx: RouteContext) -> Routed | None:
    core = strip_edges(text.tokens, _POLITE)
    if not core or core in _NOT_COMMANDS:
        return None
    whole = INDEX.whole(core)
    if isinstance(whole, Term):
        if whole.kind is Kind.ANSWER and core[0] in CHECKIN_DIGITS and not ctx.checkin_open:
            return None
        return _routed(whole, "exact")

    hits = [(pos, words, term) for pos, words, term in INDEX.find(core) if term.kind is not Kind.ANSWER]
    first = hits[0] if hits and hits[0][0] == 0 else None
    if first and first[2].kind is Kind.COMMAND and first[2].intent in _FIRST_WORD_WINS:
        return _routed(first[2], "first_word")
    topics = [
        (term.rank, pos, len(words), term)
        for pos, words, term in hits
        if term.kind is Kind.TOPIC and not (term.negatable and _negated(core, pos))
    ]
    for rule, intent, rank in _RULES:
        found = rule(core)
        if found is not None:
            topics.append((rank, found[0], 2, Term(intent, found[1], Kind.TOPIC, rank)))
    if topics:
        _, pos, size, term = min(topics, key=lambda hit: (hit[0], hit[1]))
        return _routed(term, "first_word" if pos == 0 else "phrase" if size > 1 else "embedded")
    if first and first[2].kind is Kind.COMMAND:
        return _routed(first[2], "first_word")
    for _, words, term in hits:
        if term.kind is Kind.COMMAND and len(words) > 1:
            return _routed(term, "phrase")
    for token in core[:FUZZY_MAX_TOKENS]:
        term = fuzzy_term(token)
        if term is not None:  # a misspelling tells no language ("fentanil": fentanyl or fentanilo?)
            return Routed(term.intent, language=None, matched_by="fuzzy")
    if first and first[2].kind is Kind.GREETING:
        return _routed(first[2], "first_word")
    return None
