"""`smsbot content check`: validate the wording packs before they reach a phone.

Problems (fail): a part over its segment budget, a non-GSM character in English, an unknown or mismatched
placeholder, a key in one language only, a missing required key or HELP phrase, a carrier-reserved word
offered as an answer, a keyword offered that the router does not understand, a stigmatizing term; and the
rules in rules.py (facts a reply must carry, sentence case, 911 first, Spanish calques, discreet check-ins).
Notes (informational): encoding, length and segments per part, and an approximate English reading grade.
"""

from __future__ import annotations

import re
from string import Formatter

from smsbot.errors import N_
from smsbot.replies import rules
from smsbot.replies.readability import grade_level
from smsbot.replies.said import Said, at
from smsbot.replies.segments import non_gsm_characters, segment_info
from smsbot.replies.wording import Pack, fill
from smsbot.routing import Intent, RouteContext, route
from smsbot.routing.normalize import fold

# Placeholders a reply may use, with sample values of realistic length: budgets are counted on the
# rendered text, so a 24-character program name and a 30-character contact must still fit. Settings fill
# {program} and {help_contact}; handlers fill the rest. A new placeholder is registered here (a typo such
# as {progam} is then caught as unknown).
SAMPLE_VALUES = {
    "program": "Riverside Harm Reduction",  # 24 characters
    "help_contact": "call (434) 555-0100 or text us",  # 30 characters
    # directory list pieces (issue 3)
    "what": "Harm reduction sites",
    "n": "3",
    "place": "Riverside Harm Reduction, 1200 E Market St, Charlottesville",
    "details": "(434) 555-0100. 12.5 mi. Today 9am-5pm. Checked Mar 2026",
    "miles": "25",
    "hours": "9am-5pm",
    "month": "Mar 2026",
    "phone": "(434) 555-0100",  # directory (issue 10): a voice number, its extension, a ZIP
    "ext": "1234",
    "zip": "33136",
    # check-ins (issue 4): a peer's first name, a schedule, a participant nickname, an alert reference
    "peer": "Christopher",
    "time": "12:30pm",
    "days": "Mon, Tue, Wed, Thu, Fri, Sat",
    "nickname": "Big J from Market St",
    "ref": "123456",
    # drug-supply alerts (issue 13): an area, the ZIPs someone follows, an alert as staff write it, a day
    "area": "22902 (Charlottesville, VA)",
    "zips": "22902, 22903, 22911",
    "alert": "Pills sold as oxy 30s near Main St have fentanyl and tranq. People are passing out fast. "
    "Test, go slow, do not use alone.",
    "date": "Mar 14",
}
# Settings fill {program} and {help_contact} per language: Spanish values have accents (UCS-2 budgets).
SAMPLE_VALUES_BY_LANGUAGE = {
    "es": {
        "program": "Línea de Reducción de Daños",
        "help_contact": "escríbenos al (434) 555-0100",
        "alert": "Pastillas vendidas como oxy 30 cerca de Main St tienen fentanilo y xilacina. Ve despacio.",
    },
}
DEFAULT_SEGMENTS = {"en": 2, "es": 3}
MAX_SEGMENTS = 3  # a list of services may ask for 3 (segments = 3); nothing may ask for more
REQUIRED_KEYS = (
    "menu", "help", "opt_out_confirm", "opt_in_confirm", "forget_confirm", "lang_es", "lang_en",
    "emergency", "distress", "naloxone", "teststrips", "heart", "treatment", "sites_ask_zip",
    "more_end", "more_none", "zip_invalid", "not_understood", "help_opted_out", "wounds", "xylazine",
    "mixing", "relapse", "relapse_checkin", "using_alone", "checkin_alert_opted_out",
    "checkin_alert_unconfirmed",
)  # fmt: skip
HELP_PHRASES = {
    "en": ("{program}", "{help_contact}", "Reply STOP to opt out", "Msg&data rates may apply",
           "If this is an emergency, call 911"),
    "es": ("{program}", "{help_contact}", "Responde STOP", "Pueden aplicarse tarifas de mensajes y datos",
           "911"),
}  # fmt: skip

_STIGMA_RE = re.compile(
    r"\b(addicts?|abusers?|junkies|junkie|clean|dirty|adict[oa]s?|drogadict[oa]s?|limpi[oa]s?|suci[oa]s?)\b",
    re.IGNORECASE,
)
# "Reply YES", "Text Y", "responde SI": carriers reserve these for opt-in; the app never asks for them.
_YES_RE = re.compile(
    r"\b(?:reply|text|send|respond|responde|env[ií]a|escribe|manda)\W{1,3}(?:yes|s[ií]|Y)\b", re.I
)
_OFFER_VERBS = r"(?:reply|text|send|respond|responde|env[ií]a|escribe|manda)"
_RESERVED_OUT = "STOP|STOPALL|UNSUBSCRIBE|CANCEL|END|QUIT|REVOKE|OPTOUT|ALTO|BAJA|CANCELAR"
_RESERVED_IN = "START|UNSTOP|YES|SI|SÍ"
# A reserved word counts as offered when written in capitals, or after "reply"/"text"/"escribe"...
_RESERVED_RE = re.compile(
    rf"(?i:\b{_OFFER_VERBS}\s+[\"']?({_RESERVED_OUT}|{_RESERVED_IN}))\b|\b({_RESERVED_OUT}|{_RESERVED_IN})\b"
)
# ...and is fine only as the standard instruction: STOP to opt out, START/UNSTOP to opt back in.
_STOP_CONTEXT_RE = re.compile(
    r"^(?:\s+ALERTS?\b|\s+ALERTAS?\b)"  # STOP ALERTS: the alerts-only word (issue 13)
    r"|^\W{0,3}(?:to (?:opt out|unsubscribe|stop (?:all )?texts)"
    r"|para (?:salir|no recibir|dejar de recibir|darte de baja))",
    re.I,
)
_START_CONTEXT_RE = re.compile(r"^\W{0,3}(?:to (?:opt (?:back )?in|get texts again)|para volver)", re.I)
# Keywords offered: capitals after an offering verb, a list of capitals ("NALOXONE, SITES or HEART"),
# or "WORD for/para ..." ("DEMO list:" is not an offer).
_CAPS = r"[A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ0-9]+"
_OFFER_FOR_RE = re.compile(rf"\b({_CAPS})\s+(?:for|para)\b")
_OFFER_CASE_RE = re.compile(
    rf"(?i:{_OFFER_VERBS}):?\s+((?:{_CAPS})(?:(?:,\s*|\s+or\s+|\s+o\s+)(?:{_CAPS}))*)"
)
_CAPS_LIST_RE = re.compile(rf"{_CAPS}(?:(?:,\s*|\s+or\s+|\s+o\s+){_CAPS})+")
_NOT_KEYWORDS = frozenset({"SAMHSA", "HIV", "VIH", "FDA", "ZIP", "OTC", "US", "USA", "STOP", "START", "HELP"})


def _placeholders(text: str) -> tuple[set[str], Said | None]:
    """Placeholder names in a part, or an error message for broken braces / positional fields."""
    try:
        names = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError as exc:
        return set(), Said(N_("broken braces (%(reason)s)"), reason=str(exc))
    if "" in names:
        return set(), Said(N_("a positional {} placeholder (use a name)"))
    return {re.split(r"[.\[]", name)[0] for name in names}, None


def _render(text: str, language: str = "en") -> str:
    """The text as a phone would show it, filled with realistic sample values the way Wording fills it."""
    samples = {**SAMPLE_VALUES, **SAMPLE_VALUES_BY_LANGUAGE.get(language, {})}
    return fill(text, {**{n: "X" * 20 for n in _placeholders(text)[0]}, **samples})


def _reserved_offers(text: str) -> list[str]:
    found = []
    for m in _RESERVED_RE.finditer(text):  # lowercase prose ("at the end", "stop using") never matches
        word = m.group(1) or m.group(2)
        rest = text[m.end() :]
        upper = word.upper()
        if (upper == "STOP" and _STOP_CONTEXT_RE.match(rest)) or (
            upper in ("START", "UNSTOP") and _START_CONTEXT_RE.match(rest)
        ):
            continue
        found.append(word)
    return found


def _offered_keywords(text: str) -> set[str]:
    words: set[str] = set()
    for m in _OFFER_CASE_RE.finditer(text):
        words.update(re.findall(_CAPS, m.group(1)))
    for m in _CAPS_LIST_RE.finditer(text):
        words.update(re.findall(_CAPS, m.group(0)))
    for m in _OFFER_FOR_RE.finditer(text):
        words.add(m.group(1))
    return {w for w in words if w not in _NOT_KEYWORDS and not w.isdigit()}


def _check_part(
    language: str, key: str, index: int, text: str, budget: int, problems: list[str], notes: list[str]
) -> str | None:
    """Problems and notes of one part; its rendered text, if it could be rendered."""
    label = f"{language} {key}[{index}]"
    if not text.strip():
        problems.append(at(label, Said(N_("empty reply"))))
        return None
    names, error = _placeholders(text)
    if error:
        problems.append(at(label, error))
        return None
    for name in sorted(names - SAMPLE_VALUES.keys()):
        problems.append(
            at(
                label,
                Said(
                    N_("unknown placeholder %(name)s (known: %(known)s)"),
                    name=f"{{{name}}}",
                    known=", ".join(sorted(SAMPLE_VALUES)),
                ),
            )
        )
    rendered = _render(text, language)
    info = segment_info(rendered)
    if language == "en":
        for ch in non_gsm_characters(rendered):
            problems.append(
                at(label, _non_gsm(ch, N_("non-GSM character %(char)s (U+%(code)s) in an English reply")))
            )
    if info.segments > budget:
        problems.append(at(label, _over(info, budget)))
    problems += [at(label, found) for found in _offers(text)]
    for word in sorted(_offered_keywords(text)):
        if route(word, RouteContext(language=language)).intent is Intent.UNKNOWN:
            problems.append(
                at(label, Said(N_("offers %(word)s, which the router does not understand"), word=repr(word)))
            )
    problems += [at(label, found) for found in _stigma(text)]
    problems.extend(rules.part_problems(language, key, index, label, rendered))
    notes.append(at(label, _numbers_note(info, budget, rendered if language == "en" else None)))
    return rendered


def _non_gsm(ch: str, template: str) -> Said:
    return Said(template, char=repr(ch), code=f"{ord(ch):04X}")


def _over(info, budget: int) -> Said:
    return Said(
        N_("%(segments)s segments (%(encoding)s, %(units)s units), budget %(budget)s"),
        segments=info.segments,
        encoding=info.encoding,
        units=info.units,
        budget=budget,
    )


def _offers(text: str) -> list[Said]:
    """Carrier opt-in words asked for, carrier-reserved words offered as answers."""
    found = []
    if _YES_RE.search(text):
        found.append(Said(N_("asks for YES/SI, a carrier opt-in word; use an app keyword instead")))
    for word in _reserved_offers(text):
        found.append(Said(N_("offers the carrier-reserved word %(word)s as an answer"), word=repr(word)))
    return found


def _stigma(text: str) -> list[Said]:
    return [
        Said(N_("stigmatizing term %(term)s (use person-first language)"), term=repr(m.group(0)))
        for m in _STIGMA_RE.finditer(fold(text))
    ]


def _numbers_note(info, budget: int, english: str | None) -> Said:
    """Encoding, length and segments; the reading grade of English text."""
    values: dict[str, object] = {
        "encoding": info.encoding,
        "units": info.units,
        "segments": info.segments,
        "budget": budget,
    }
    if english is None:
        return Said(N_("%(encoding)s, %(units)s units, %(segments)s/%(budget)s segments"), **values)
    return Said(
        N_("%(encoding)s, %(units)s units, %(segments)s/%(budget)s segments, grade %(grade)s"),
        grade=grade_level(english),
        **values,
    )


def check_rendered(language: str, label: str, rendered: str, budget: int) -> tuple[list[str], str]:
    """The checks of one reply on text exactly as a phone shows it, for texts written outside the packs
    (a drug-supply alert as staff wrote it, issue 13): (problems, a note with segments and grade)."""
    problems: list[str] = []
    info = segment_info(rendered)
    if language == "en":
        for ch in non_gsm_characters(rendered):
            problems.append(
                at(label, _non_gsm(ch, N_("non-GSM character %(char)s (U+%(code)s) in an English text")))
            )
    if info.segments > budget:
        problems.append(at(label, _over(info, budget)))
    problems += [at(label, found) for found in _offers(rendered) + _stigma(rendered)]
    problems.extend(rules.part_problems(language, "", 0, label, rendered))
    return problems, at(label, _numbers_note(info, budget, rendered if language == "en" else None))


def check_packs(packs: dict[str, Pack]) -> tuple[list[str], list[str]]:
    """(problems, notes) for a set of packs keyed by language."""
    problems: list[str] = []
    notes: list[str] = []
    for language in DEFAULT_SEGMENTS:
        if language not in packs:
            problems.append(Said(N_("no %(language)s pack"), language=language))
    if problems:
        return problems, notes
    keys = {language: set(pack.entries) for language, pack in packs.items()}
    for language, pack in packs.items():
        notes.append(f"{language}: version {pack.version}, {len(pack.entries)} replies")
        for other, other_keys in keys.items():
            for key in sorted(keys[language] - other_keys):
                problems.append(
                    at(f"{language} {key}", Said(N_("missing in the %(other)s pack"), other=other))
                )
        for key in REQUIRED_KEYS:
            if key not in pack.entries:
                problems.append(at(f"{language} {key}", Said(N_("required reply missing"))))
        for key, entry in pack.entries.items():
            budget = entry.segments or DEFAULT_SEGMENTS.get(language, 2)
            if budget > MAX_SEGMENTS:
                over = N_("segments = %(budget)s is over the maximum of %(most)s")
                problems.append(at(f"{language} {key}", Said(over, budget=budget, most=MAX_SEGMENTS)))
            if key in rules.ONE_SEGMENT_KEYS:
                budget = 1
            rendered = [
                _check_part(language, key, index, text, budget, problems, notes)
                for index, text in enumerate(entry.parts)
            ]
            if None not in rendered:
                problems.extend(rules.entry_problems(language, key, entry.parts, rendered))  # type: ignore[arg-type]
        if "help" in pack.entries:
            help_text = fold(" ".join(pack.entries["help"].parts))
            for required in HELP_PHRASES.get(language, ()):
                if fold(required) not in help_text:
                    problems.append(
                        at(f"{language} help", Said(N_("must say %(what)s"), what=repr(required)))
                    )
    _check_placeholders_match(packs, problems)
    return problems, notes


def _check_placeholders_match(packs: dict[str, Pack], problems: list[str]) -> None:
    def names(pack: Pack, key: str) -> set[str]:
        return set().union(*(_placeholders(p)[0] for p in pack.entries[key].parts))

    english = packs["en"]
    for language, pack in packs.items():
        if language == "en":
            continue
        for key in sorted(set(english.entries) & set(pack.entries)):
            ours, theirs = names(english, key), names(pack, key)
            if ours != theirs:
                differ = N_("placeholders %(theirs)s differ from en %(ours)s")
                problems.append(
                    at(f"{language} {key}", Said(differ, theirs=sorted(theirs), ours=sorted(ours)))
                )


def format_report(problems: list[str], notes: list[str]) -> str:
    lines = ["Wording packs", "", "Notes:"]
    lines += [f"  {note}" for note in notes] or ["  (none)"]
    lines.append("")
    if problems:
        lines.append(f"Problems ({len(problems)}):")
        lines += [f"  - {problem}" for problem in problems]
        lines.append("")
        lines.append(
            f"FAILED: {len(problems)} problem(s). Fix the packs, then run `smsbot content check` again."
        )
    else:
        lines.append("OK: no problems.")
    return "\n".join(lines)
