"""Carrier compliance words: opt-out (STOP family and clear phrases), opt-in (START), HELP.

Never fuzzy-matched. Single words count only as the whole message (politeness, punctuation and
emoji aside), so "I can't stop using" or "when does the site end" never opt anyone out.
"""

from __future__ import annotations

from smsbot.routing.intents import Intent, Routed
from smsbot.routing.normalize import Normalized, PhraseIndex, fillers, phrase, strip_edges

# Whole-message opt-out words and phrases, with the language they tell (None = neutral).
_OPT_OUT_WHOLE = PhraseIndex(
    [
        ("stop", None),
        ("stopall", None),
        ("stop all", "en"),
        ("unsubscribe", "en"),
        ("cancel", "en"),
        ("end", "en"),
        ("quit", "en"),
        ("revoke", "en"),
        ("optout", "en"),
        ("opt out", "en"),
        ("stop texting", "en"),
        ("stop sending", "en"),
        ("stop messaging", "en"),
        ("stop texts", "en"),
        ("stop messages", "en"),
        ("alto", "es"),
        ("baja", "es"),
        ("cancelar", "es"),
    ]
)
# High-precision phrases that opt out wherever they appear in the text.
_OPT_OUT_ANYWHERE = PhraseIndex(
    [
        ("stop texting me", "en"),
        ("stop messaging me", "en"),
        ("stop sending me", "en"),
        ("stop contacting me", "en"),
        ("remove me", "en"),
        ("unsubscribe me", "en"),
        ("no more texts", "en"),
        ("no more messages", "en"),
        ("don't text me", "en"),
        ("do not text me", "en"),
        ("don't message me", "en"),
        ("opt me out", "en"),
        ("take me off", "en"),
        ("no más mensajes", "es"),
        ("no más textos", "es"),
        ("ya no me escriban", "es"),
        ("ya no me escribas", "es"),
        ("no me escriban más", "es"),
        ("darme de baja", "es"),
        ("dame de baja", "es"),
        ("denme de baja", "es"),
    ]
)
# "don't remove me", "please do not unsubscribe me": a negation right before the phrase cancels it.
_NEGATIONS = frozenset({"dont", "not", "never", "nunca"})
_NEGATABLE = frozenset({"remove", "unsubscribe", "opt", "take", "darme", "dame", "denme"})

# Only the carrier's own opt-in words: a number the carrier blocks after STOP is unblocked by
# START / UNSTOP / YES, so anything else (e.g. "empezar") would leave us out of step with it.
_OPT_IN_WHOLE = PhraseIndex([("start", None), ("unstop", None), ("yes", None)])

# HELP / INFO are carrier words people use in any language, so they keep the texter's language.
_HELP_WORDS = {"help": None, "info": None, "ayuda": "es"}

# Politeness around a compliance word ("stop please", "please stop", "STOP it", "stop now").
_POLITE = fillers(
    "please", "pls", "plz", "now", "it", "just", "thanks", "thank you", "thx", "ty", "ok",
    "por favor", "porfa", "porfavor", "gracias", "ya",
)  # fmt: skip


def _whole(index: PhraseIndex, tokens: tuple[str, ...]) -> tuple[bool, str | None]:
    core = strip_edges(tokens, _POLITE)
    if not core:
        return False, None
    if core not in index and len(set(core)) == 1:  # "stop stop stop"
        core = core[:1]
    if core not in index:
        return False, None
    return True, index.whole(core)  # type: ignore[return-value]


def match_opt_out(text: Normalized) -> Routed | None:
    found, language = _whole(_OPT_OUT_WHOLE, text.tokens)
    if found:
        return Routed(Intent.OPT_OUT, language=language, matched_by="exact")
    for start, words, language in _OPT_OUT_ANYWHERE.find(text.tokens):
        if words[0] in _NEGATABLE and start > 0 and text.tokens[start - 1] in _NEGATIONS:
            continue
        return Routed(Intent.OPT_OUT, language=language, matched_by="phrase")  # type: ignore[arg-type]
    return None


def match_opt_in(text: Normalized) -> Routed | None:
    found, language = _whole(_OPT_IN_WHOLE, text.tokens)
    return Routed(Intent.OPT_IN, language=language, matched_by="exact") if found else None


def help_word(text: Normalized) -> tuple[str, str | None] | None:
    """(how, language) when HELP / INFO / AYUDA is the whole message or its first word."""
    core = strip_edges(text.tokens, _POLITE)
    if not core or core[0] not in _HELP_WORDS:
        return None
    return ("exact" if len(core) == 1 else "first_word"), _HELP_WORDS[core[0]]


def is_reserved_word(word: str) -> bool:
    """Whether a single word is a carrier compliance word (never to be offered as an app answer)."""
    tokens = phrase(word)
    if len(tokens) == 1 and tokens[0] in _HELP_WORDS:
        return True
    return any(tokens in index for index in (_OPT_OUT_WHOLE, _OPT_IN_WHOLE))
