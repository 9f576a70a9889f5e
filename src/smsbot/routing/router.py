"""route(): one text and what we know of the texter -> what they mean. Pure, no I/O, tables built at import.

Order: opt-out / opt-in; emergency and distress; HELP; keywords (they win over an open question, so
"naloxone" in answer to a ZIP question gets naloxone); the answer to an open question (ZIP, time);
a bare ZIP; a check-in answer; UNKNOWN. HELP comes after emergencies so "help he is not breathing"
gets 911 and the naloxone steps, and a topic after HELP wins ("info on narcan" -> NALOXONE).
"""

from __future__ import annotations

from dataclasses import replace

from smsbot.routing.answers import find_zip, is_only_zip, parse_time
from smsbot.routing.compliance import help_word, match_opt_in, match_opt_out
from smsbot.routing.emergency import match_emergency
from smsbot.routing.intents import Intent, RouteContext, Routed
from smsbot.routing.keywords import match_keyword
from smsbot.routing.normalize import Normalized, normalize, word_set

# Words only Spanish uses: two of them in a text with no language of its own ("¿dónde consigo narcan?"
# has one, "necesito ayuda con mi amigo" three) tell us to answer in Spanish.
_SPANISH_HINTS = word_set(
    "donde como que necesito quiero puedo tengo hay consigo conseguir usar uso sobre gracias estoy esta "
    "mi amigo amiga porque cuando cual del los las una para por tiene favor hola buenas"
)
_ENGLISH_HINTS = word_set("where how what need want can get use about thanks the my friend is are do")


def _language_hint(text: Normalized) -> str | None:
    spanish = english = 0
    for token in text.tokens[:80]:
        spanish += token in _SPANISH_HINTS
        english += token in _ENGLISH_HINTS
    if spanish >= 2 and spanish > english:
        return "es"
    return None


def _with_hint(routed: Routed, text: Normalized) -> Routed:
    if routed.language is None and routed.intent not in (Intent.OK, Intent.CALL, Intent.OPT_OUT):
        hint = _language_hint(text)
        if hint is not None:
            return replace(routed, language=hint)
    return routed


def route(text: str, ctx: RouteContext) -> Routed:
    """What a text means; see the module docstring for the order of the checks."""
    norm = normalize(text or "")
    compliance = match_opt_out(norm) or match_opt_in(norm)
    if compliance is not None:
        return compliance
    urgent = match_emergency(norm)
    if urgent is not None:
        return _with_hint(urgent, norm)

    keyword = match_keyword(norm, ctx)
    help_match = help_word(norm)
    if help_match is not None and keyword is None:
        how, language = help_match
        return Routed(Intent.HELP, language=language, matched_by=how)
    if keyword is not None:
        return _with_hint(replace(keyword, zip_code=find_zip(norm)), norm)

    if ctx.awaiting == "zip":
        zip_code = find_zip(norm)
        if zip_code is not None:
            return Routed(Intent.ZIP, zip_code=zip_code, matched_by="state")
    elif ctx.awaiting == "time":
        time_of_day = parse_time(norm)
        if time_of_day is not None:
            return Routed(Intent.TIME, time_of_day=time_of_day, matched_by="state")
    if is_only_zip(norm):
        return Routed(Intent.ZIP, zip_code=find_zip(norm), matched_by="exact")
    if ctx.checkin_open and norm.tokens:
        return _with_hint(Routed(Intent.ANSWER, matched_by="state"), norm)
    return _with_hint(Routed(Intent.UNKNOWN), norm)
