"""route(): one text and what we know of the texter -> what they mean. Pure, no I/O, tables built at import.

Order: opt-out / opt-in; a strong emergency sign (911), then distress (988), then the bare noun
"overdose" about a person (911), then using alone; while a report asks its questions, the answer to
it (only HELP or a command said on its own gets out); HELP; keywords (they win over an open question, so
"naloxone" in answer to a ZIP question gets naloxone); the answer to an open question (ZIP, time);
a bare ZIP; a check-in answer; UNKNOWN. HELP comes after emergencies so "help he is not breathing"
gets 911 and the naloxone steps, and a topic after HELP wins ("info on narcan" -> NALOXONE).
Routed.language is the language of the words whenever they tell, emergencies included.
"""

from __future__ import annotations

from dataclasses import replace

from smsbot.routing.answers import find_zip, is_only_zip, parse_time
from smsbot.routing.compliance import help_word, match_opt_in, match_opt_out
from smsbot.routing.emergency import strong_sign, weak_sign
from smsbot.routing.intents import Intent, RouteContext, Routed
from smsbot.routing.keywords import match_keyword
from smsbot.routing.language import language_hint
from smsbot.routing.normalize import Normalized, normalize
from smsbot.routing.safety import distress, using_alone

# Check-in answers and opt-out words tell no language of their own: "ok" from a Spanish texter is fine.
_NO_HINT = (Intent.OK, Intent.CALL, Intent.OPT_OUT)
# Said on their own, these leave a report's questions; anything else is the report's answer.
_OUT_OF_A_REPORT = frozenset(
    {Intent.MENU, Intent.MORE, Intent.FORGET, Intent.LANG_ES, Intent.LANG_EN, Intent.ALERTS, Intent.REPORT}
)


def _with_hint(routed: Routed, text: Normalized) -> Routed:
    if routed.language is None and routed.intent not in _NO_HINT:
        hint = language_hint(text)
        if hint is not None:
            return replace(routed, language=hint)
    return routed


def match_urgent(text: Normalized) -> Routed | None:
    """EMERGENCY, DISTRESS, USING_ALONE or None, in that precedence (see emergency.py)."""
    found, language = strong_sign(text)
    if found:
        return Routed(Intent.EMERGENCY, language=language, matched_by="phrase")
    found, language = distress(text)
    if found:
        return Routed(Intent.DISTRESS, language=language, matched_by="phrase")
    found, language = weak_sign(text)
    if found:
        return Routed(Intent.EMERGENCY, language=language, matched_by="phrase")
    alone, feels_wrong, language = using_alone(text)
    if alone:
        intent = Intent.EMERGENCY if feels_wrong else Intent.USING_ALONE
        return Routed(intent, language=language, matched_by="phrase")
    return None


def _in_a_report(norm: Normalized, ctx: RouteContext) -> Routed:
    """A report's answer is free text about drugs ("blues sold as percs, fent"): topics never take it."""
    help_match = help_word(norm)
    if help_match is not None and help_match[0] == "exact":
        return Routed(Intent.HELP, language=help_match[1], matched_by="exact")
    keyword = match_keyword(norm, ctx)
    leaves = keyword is not None and (
        keyword.intent in _OUT_OF_A_REPORT or (keyword.intent is Intent.CALL and ctx.checkin_open)
    )
    if leaves and keyword.matched_by == "exact":
        return keyword
    # No language hint: a Spanish word in an English answer ("sold as perico") switches nothing.
    return Routed(Intent.REPORT_STEP, matched_by="state")


def route(text: str, ctx: RouteContext) -> Routed:
    """What a text means; see the module docstring for the order of the checks."""
    norm = normalize(text or "")
    compliance = match_opt_out(norm) or match_opt_in(norm)
    if compliance is not None:
        return compliance
    urgent = match_urgent(norm)
    if urgent is not None:
        return _with_hint(urgent, norm)
    if ctx.awaiting == "report":
        return _in_a_report(norm, ctx)

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
