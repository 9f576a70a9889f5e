"""Carrier compliance words in English and Spanish: opt-out (STOP family, phrases), opt-in (START), HELP.

Never fuzzy-matched. Single words count only as the whole message (politeness, punctuation and emoji
aside): Twilio's default list (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT) and the
Spanish words carriers and the FCC's 2024 rule expect us to honour (PARAR, PARA, DETENER, NO MÁS, FIN,
BASTA, SALIR, CANCELAR, BAJA, ALTO). Phrases count anywhere, built from a stop verb and what is to stop
("stop texting me", "para ya de escribirme", "no quiero más mensajes"): the object must be our texts,
so "I can't stop using" / "no puedo parar de usar" never opt anyone out, and a negation in front
("don't stop texting me", "no dejen de escribirme") cancels it. STOP ALERTS / PARAR ALERTAS (or any
opt-out that names alerts and not everything) is matched first: it ends drug-supply alerts only.
"""

from __future__ import annotations

from smsbot.routing.intents import Intent, Routed
from smsbot.routing.normalize import Normalized, PhraseIndex, fillers, strip_edges, word_set

_OPT_OUT_WHOLE = PhraseIndex(
    [
        ("stop", None), ("stopall", None), ("stop all", "en"), ("unsubscribe", "en"), ("cancel", "en"),
        ("end", "en"), ("quit", "en"), ("revoke", "en"), ("optout", "en"), ("opt out", "en"),
        ("remove", "en"),
        ("stop texting", "en"), ("stop sending", "en"), ("stop messaging", "en"), ("stop texts", "en"),
        ("stop messages", "en"), ("no more", "en"),
        ("parar", "es"), ("para", "es"), ("pare", "es"), ("paren", "es"), ("detener", "es"),
        ("detente", "es"),
        ("detengan", "es"), ("no mas", "es"), ("fin", "es"), ("basta", "es"), ("salir", "es"),
        ("cancelar", "es"), ("baja", "es"), ("alto", "es"),
    ]
)  # fmt: skip

# What is to stop: our texts. Nothing about drug use is here ("stop using", "parar de usar").
_OBJECTS = word_set(
    "texting text texts txt txts txting messaging message messages msg msgs msging sending send contacting "
    "contact writing spamming spam bothering notifications alerts sms alertas "
    "escribirme escribir escribiendome mandarme mandar mandandome enviarme enviar enviandome mensajes "
    "mensaje mensajitos textos texto contactarme molestarme molestar notificaciones"
)
_EN_STOP = word_set("stop quit cease")
_ES_STOP_DE = word_set(
    "para pare paren parale deja deje dejen dejes dejar basta parar"
)  # "... de escribirme"
_ES_STOP = word_set(
    "parar detener detengan detenga deten cancelar cancela cancelen cancele suspender suspendan"
)
_NO_MORE = PhraseIndex([(w, None) for w in ("no more", "no mas", "ningun", "ninguno", "nada mas de")])
_DONT_WANT = PhraseIndex(
    [(w, None) for w in ("dont want", "do not want", "want out", "get me out", "no quiero", "no queremos")]
)
_EN_NEG = word_set("dont not never cant cannot wont couldnt wouldnt shouldnt")
_ES_NEG = word_set("no nunca ni")
_EN_DONT = PhraseIndex([(w, None) for w in ("dont", "do not", "never", "please dont")])
_EN_DONT_VERBS = word_set("text txt message msg contact write send")
# "no me escriban", "ya no me manden": a negative order about our texts is itself the opt-out.
_NO_ME = word_set(
    "escribas escriban escriba mandes manden mande envies envien envie contacten contactes molesten molestes"
)
# Fixed phrases, with the first word a negation in front would cancel.
_FIXED = PhraseIndex(
    [
        ("remove me", "en"), ("remove my number", "en"), ("unsubscribe", "en"), ("opt me out", "en"),
        ("opt out", "en"), ("optout", "en"), ("take me off", "en"), ("take my number off", "en"),
        ("dame de baja", "es"), ("darme de baja", "es"), ("denme de baja", "es"), ("dar de baja", "es"),
        ("sacame de la lista", "es"), ("saquenme de la lista", "es"), ("quitame de la lista", "es"),
        ("quitenme de la lista", "es"), ("borrame de la lista", "es"), ("borrenme de la lista", "es"),
        ("cancelar suscripcion", "es"), ("cancelar mi suscripcion", "es"), ("cancela mi suscripcion", "es"),
    ]
)  # fmt: skip

# Only the carrier's own opt-in words (Twilio's default list: START, YES, UNSTOP). A number Twilio blocks
# after STOP is unblocked only by these, so a Spanish "comenzar" would leave us out of step with it.
_OPT_IN_WHOLE = PhraseIndex([("start", None), ("unstop", None), ("yes", None)])

# HELP / INFO are carrier words people use in any language, so they keep the texter's language.
_HELP_WORDS = {
    "help": None,
    "info": None,
    "information": "en",
    "ayuda": "es",
    "auxilio": "es",
    "informacion": "es",
}

# Politeness around a compliance word ("stop please", "please stop", "STOP it", "para ya").
_POLITE = fillers(
    "please", "pls", "plz", "now", "it", "just", "thanks", "thank you", "thx", "ty", "ok", "this", "these",
    "already", "asap", "right now", "immediately", "me", "all of this", "seriously",
    "por favor", "porfa", "porfavor", "gracias", "ya", "ahora", "ahora mismo", "esto",
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


def _before(tokens: tuple[str, ...], i: int, words: frozenset[str], span: int = 2) -> bool:
    return any(t in words for t in tokens[max(i - span, 0) : i])


def _object_within(tokens: tuple[str, ...], start: int, span: int) -> bool:
    return any(t in _OBJECTS for t in tokens[start : start + span])


def _phrase(tokens: tuple[str, ...]) -> str | None:  # noqa: C901 - one clause per way of saying it
    """The language of an opt-out phrase found anywhere in the text, or None."""
    for i, tok in enumerate(tokens):
        if tok in _EN_STOP and _object_within(tokens, i + 1, 4) and not _before(tokens, i, _EN_NEG):
            return "en"
        if tok in _ES_STOP_DE and not _before(tokens, i, _ES_NEG):
            rest = tokens[i + 1 : i + 3]
            if "de" in rest and _object_within(tokens, i + 1 + rest.index("de") + 1, 3):
                return "es"
        if tok in _ES_STOP and _object_within(tokens, i + 1, 3) and not _before(tokens, i, _ES_NEG):
            return "es"
        if (
            tok == "no"
            and tokens[i + 1 : i + 2] == ("me",)
            and tokens[i + 2 : i + 3]
            and tokens[i + 2] in _NO_ME
        ):
            return "es"
    for start, words, _ in _NO_MORE.find(tokens):
        if _object_within(tokens, start + len(words), 3):
            return "es" if words[-1] in ("mas", "ningun", "ninguno", "de") else "en"
    for start, words, _ in _DONT_WANT.find(tokens):
        if _object_within(tokens, start + len(words), 5):
            return "es" if words[0] == "no" else "en"
    for start, words, _ in _EN_DONT.find(tokens):
        rest = tokens[start + len(words) : start + len(words) + 3]
        if rest[:1] and rest[0] in _EN_DONT_VERBS and "me" in rest[1:]:
            return "en"
    for start, _, language in _FIXED.find(tokens):
        negations = _ES_NEG if language == "es" else _EN_NEG | {"no"}
        if not _before(tokens, start, negations):
            return language  # type: ignore[return-value]
    return None


# Alerts only, as the whole message ("stop alerts please", "PARAR ALERTAS").
_ALERTS_OFF_WHOLE = PhraseIndex(
    [
        ("stop alerts", "en"), ("stop alert", "en"), ("stopalerts", "en"), ("stop the alerts", "en"),
        ("stop drug alerts", "en"), ("stop supply alerts", "en"), ("alerts stop", "en"), ("alerts off", "en"),
        ("no more alerts", "en"), ("no alerts", "en"), ("unsubscribe alerts", "en"), ("cancel alerts", "en"),
        ("end alerts", "en"), ("quit alerts", "en"), ("stop alerts texts", "en"),
        ("parar alertas", "es"), ("para alertas", "es"), ("pare alertas", "es"), ("parar las alertas", "es"),
        ("detener alertas", "es"), ("no mas alertas", "es"), ("basta de alertas", "es"),
        ("sin alertas", "es"),
        ("cancelar alertas", "es"), ("alertas no", "es"), ("baja alertas", "es"), ("quitar alertas", "es"),
        ("alto alertas", "es"), ("fin alertas", "es"), ("salir de alertas", "es"), ("parar alerta", "es"),
    ]
)  # fmt: skip
_ALERT_WORDS = word_set("alerts alert alertas alerta")
_EVERYTHING = word_set("everything all anything todo todos toda todas nada")


def match_alerts_opt_out(text: Normalized) -> Routed | None:
    """STOP ALERTS and its kin: an opt-out of alerts only (checked before the opt-out of everything)."""
    found, language = _whole(_ALERTS_OFF_WHOLE, text.tokens)
    if found:
        return Routed(Intent.OPT_OUT, language=language, matched_by="exact", scope="alerts")
    tokens = text.tokens
    # "all" about the alerts ("stop all alerts", "todas las alertas") still means alerts only.
    everything = [
        i
        for i, t in enumerate(tokens)
        if t in _EVERYTHING and not set(tokens[i + 1 : i + 3]) & (_ALERT_WORDS | {"the", "las", "los"})
    ]
    if set(tokens) & _ALERT_WORDS and not everything:
        language = _phrase(tokens)  # "stop sending me alerts", "no quiero mas alertas"
        if language is not None:
            return Routed(Intent.OPT_OUT, language=language, matched_by="phrase", scope="alerts")
    return None


def match_opt_out(text: Normalized) -> Routed | None:
    scoped = match_alerts_opt_out(text)
    if scoped is not None:
        return scoped
    found, language = _whole(_OPT_OUT_WHOLE, text.tokens)
    if found:
        return Routed(Intent.OPT_OUT, language=language, matched_by="exact")
    language = _phrase(text.tokens)
    if language is not None:
        return Routed(Intent.OPT_OUT, language=language, matched_by="phrase")
    return None


def match_opt_in(text: Normalized) -> Routed | None:
    found, language = _whole(_OPT_IN_WHOLE, text.tokens)
    return Routed(Intent.OPT_IN, language=language, matched_by="exact") if found else None


def help_word(text: Normalized) -> tuple[str, str | None] | None:
    """(how, language) when HELP / INFO / AYUDA / AUXILIO is the whole message or its first word."""
    core = strip_edges(text.tokens, _POLITE)
    if not core or core[0] not in _HELP_WORDS:
        return None
    return ("exact" if len(core) == 1 else "first_word"), _HELP_WORDS[core[0]]
