"""Wording rules `smsbot content check` applies beyond budgets: the facts a reply must carry, tone and style.

Each rule reads the rendered text (what a phone shows) and returns problem strings; checker.py runs them.
The facts come from CONTENT-FACTS.md; a program that edits a pack keeps them or the check fails.
"""

from __future__ import annotations

import re

from smsbot.errors import N_
from smsbot.replies.readability import grade_level
from smsbot.replies.said import Said, at
from smsbot.routing.normalize import fold

# The facts a reply must carry, as patterns matched on the folded text (lower case, no accents).
# Key -> part (None: any part) -> language -> [(pattern, what it stands for)].
Facts = dict[str, dict[int | None, dict[str, list[tuple[str, str]]]]]
REQUIRED_FACTS: Facts = {
    "teststrips": {0: {
        "en": [(r"\b1 line\b", "how to read: 1 line"), (r"\b2 lines\b", "2 lines"),
               (r"\bfaint\b", "a faint line")],
        "es": [(r"\b1 (?:raya|linea)\b", "how to read: 1 raya"), (r"\b2 (?:rayas|lineas)\b", "2 rayas"),
               (r"\b(?:suave|debil|tenue)\b", "a faint line")],
    }},
    "naloxone": {0: {
        "en": [(r"\b(?:not sure|unsure)\b", "give it when unsure"),
               (r"\b(?:xylazine|tranq)\b", "give it with xylazine"),
               (r"\b(?:stimulants?|uppers?|meth|coke|cocaine)\b", "give it with stimulants")],
        "es": [(r"\b(?:no sepas|dudas)\b", "give it when unsure"),
               (r"\b(?:xilacina|tranq)\b", "give it with xylazine"),
               (r"\b(?:estimulantes?|meth|coca|cocaina)\b", "give it with stimulants")],
    }},
    "heart": {0: {
        "en": [(r"\bheart attack\b", "heart attack"), (r"\bstroke\b", "stroke"),
               (r"\bheadache\b", "headache"), (r"\bone side\b", "weakness on one side"), (r"\b911\b", "911")],
        "es": [(r"\b(?:infarto|ataque al corazon)\b", "heart attack"),
               (r"\b(?:derrame|ataque cerebral)\b", "stroke"), (r"\bdolor de cabeza\b", "headache"),
               (r"\bun lado\b", "weakness on one side"), (r"\b911\b", "911")],
    }},
    "distress": {0: {
        "en": [(r"\b988\b", "988")],
        "es": [(r"\b988\b", "988"), (r"\bmarca (?:el )?2\b", "988 then press 2"),
               (r"\bayuda al 988\b", "text AYUDA to 988")],
    }},
    "not_understood": {0: {
        "en": [(r"\bmenu\b", "MENU"), (r"\b911\b", "911")],
        "es": [(r"\bmenu\b", "MENU"), (r"\b911\b", "911")],
    }},
    "help_opted_out": {0: {
        "en": [(r"\{program\}", "{program}"), (r"\{help_contact\}", "{help_contact}"),
               (r"reply start to get texts again", "Reply START to get texts again"),
               (r"msg&data rates may apply", "Msg&data rates may apply"), (r"\b911\b", "911")],
        "es": [(r"\{program\}", "{program}"), (r"\{help_contact\}", "{help_contact}"),
               (r"responde start", "Responde START"), (r"pueden aplicarse tarifas", "the rates line"),
               (r"\b911\b", "911")],
    }},
    "wounds": {None: {
        "en": [(r"\bsoap and water\b", "soap and water"), (r"\bsterile\b", "sterile dressing"),
               (r"\bxylazine\b", "xylazine wounds"), (r"\bfever\b", "when to get care"),
               (r"\bzip\b", "a ZIP")],
        "es": [(r"\bagua y jabon\b", "soap and water"), (r"\besteril\b", "sterile dressing"),
               (r"\bxilacina\b", "xylazine wounds"), (r"\bfiebre\b", "when to get care"),
               (r"\bcodigo postal\b", "a ZIP")],
    }},
    "xylazine": {None: {
        "en": [(r"\bnaloxone\b", "naloxone anyway"), (r"\bwounds\b", "WOUNDS"), (r"\bbreath", "breathing")],
        "es": [(r"\bnaloxona\b", "naloxone anyway"), (r"\bheridas\b", "HERIDAS"), (r"\brespir", "breathing")],
    }},
    "mixing": {0: {
        "en": [(r"\bbenzo", "benzos"), (r"\balcohol\b", "alcohol"), (r"\bnaloxone\b", "naloxone"),
               (r"\balone\b", "not alone")],
        "es": [(r"\bbenzo", "benzos"), (r"\balcohol\b", "alcohol"), (r"\bnaloxona\b", "naloxone"),
               (r"\ba solas\b", "not alone")],
    }},
    "relapse": {0: {
        "en": [(r"\bnot a failure\b", "not a failure"), (r"\bnaloxone\b", "naloxone"),
               (r"\btreatment\b", "TREATMENT")],
        "es": [(r"\bno es un fracaso\b", "not a failure"), (r"\bnaloxona\b", "naloxone"),
               (r"\btratamiento\b", "TRATAMIENTO")],
    }},
    "using_alone": {0: {
        "en": [(r"1-800-484-3731", "Never Use Alone"), (r"\bnaloxone\b", "naloxone"), (r"\b911\b", "911")],
        "es": [(r"1-800-484-3731", "Never Use Alone"), (r"\bnaloxona\b", "naloxone"), (r"\b911\b", "911")],
    }},
    "relapse_checkin": {0: {
        "en": [(r"\{peer\}", "{peer}"), (r"\bcall\b", "CALL")],
        "es": [(r"\{peer\}", "{peer}"), (r"\bllamar\b", "LLAMAR")],
    }},
}  # fmt: skip
ONE_SEGMENT_KEYS = ("not_understood",)
EMERGENCY_911_WITHIN = 80  # characters: 911 must be seen before anything else

# A sentence that starts in lower case (after . ! ? or a line break; Spanish ¿ ¡ allowed before it),
# unless the period ends an abbreviation ("EE. UU. de 5 números", "9 a.m. or later").
_LOWER_START_RE = re.compile(r"(?:^|(\S*)[.!?]\s+|\n\s*)[¿¡\"'(]*([a-záéíóúñü])")
_ABBREVIATIONS = frozenset({"ee", "uu", "ee. uu", "u.s", "a.m", "p.m", "e.g", "i.e", "etc", "vs", "aprox"})
# Spanish calques and abrupt lines (issue 9), with what to say instead.
_SPANISH_AVOID = (
    (re.compile(r"\bda respiraci[oó]n", re.I), N_("'da respiración' (say 'dale respiraciones de rescate')")),
    (re.compile(r"\btus? par(?:es)?\b", re.I), N_("'tu par' (say 'la persona de apoyo')")),
    (re.compile(r"\bchequeos?\b", re.I), N_("'chequeo' (say 'mensajes de apoyo' or 'revisar')")),
    (re.compile(r"^Importas\.", re.I), N_("an abrupt 'Importas.'")),
    (re.compile(r"\b(?:HELP|MORE|INFO)\b"), N_("an English keyword (say AYUDA, MAS)")),
)
# Gendered words for a person we do not know (say "la persona", "a solas").
_SPANISH_GENDERED = re.compile(
    r"\b(?:despi[eé]rtal[ao]s?|despertarl[ao]s?|acu[eé]stal[ao]s?|volt[eé]al[ao]s?|p[oó]nl[ao]s? de lado"
    r"|(?:uses|usar|est[eé]s|est[aá]s|quedes|quedarte)\s+sol[oa]s?|inscrit[oa]s?)\b",
    re.I,
)
# Check-ins and peer alerts are discreet: a shared phone may show them.
DISCREET_PREFIX = "checkin_"
_DRUG_WORDS = re.compile(
    r"\b(?:naloxon[ea]|narcan|fentanyl|fentanilo|opioides?|opioids?|overdoses?|sobredosis|drugs?|drogas?"
    r"|meth|cocaine|cocaina|heroin|heroina|xylazine|xilacina|tranq|benzos?|relapsed?|recaida|treatment"
    r"|tratamiento)\b"
)
MAX_GRADE = 8.0  # ~6th grade is the aim; past 8 a reply needs plainer words
MIN_WORDS_FOR_GRADE = 12  # shorter texts give meaningless grades


def lower_case_starts(rendered: str) -> list[str]:
    """Where a sentence starts with a small letter: a few characters from there."""
    found = []
    for m in _LOWER_START_RE.finditer(rendered):
        if (m.group(1) or "").lower() in _ABBREVIATIONS:
            continue
        found.append(rendered[m.start(2) : m.start(2) + 20])
    return found


def part_problems(language: str, key: str, index: int, label: str, rendered: str) -> list[str]:
    """Style and tone of one rendered part."""
    problems = []
    for snippet in lower_case_starts(rendered):
        lower = N_("a sentence starts in lower case (%(snippet)s)")
        problems.append(at(label, Said(lower, snippet=repr(snippet))))
    if language == "es":
        for pattern, what in _SPANISH_AVOID:
            if pattern.search(rendered):
                problems.append(at(label, Said(what)))
        for m in _SPANISH_GENDERED.finditer(rendered):
            gendered = N_("gendered %(word)s for someone unknown (say 'la persona', 'a solas')")
            problems.append(at(label, Said(gendered, word=repr(m.group(0)))))
    if key.startswith(DISCREET_PREFIX):
        for m in _DRUG_WORDS.finditer(fold(rendered)):
            names = N_("names %(word)s; check-ins and peer alerts stay discreet")
            problems.append(at(label, Said(names, word=repr(m.group(0)))))
    if language == "en" and len(re.findall(r"[A-Za-z]+", rendered)) >= MIN_WORDS_FOR_GRADE:
        grade = grade_level(rendered)
        if grade > MAX_GRADE:
            over = N_("reading grade %(grade)s is over %(most)s; use shorter words")
            problems.append(at(label, Said(over, grade=grade, most=f"{MAX_GRADE:g}")))
    return problems


def entry_problems(language: str, key: str, raw_parts: tuple[str, ...], rendered: list[str]) -> list[str]:
    """The facts a reply must carry, and where 911 goes in an emergency."""
    problems = []
    for part, by_language in REQUIRED_FACTS.get(key, {}).items():
        if part is not None and part >= len(raw_parts):
            problems.append(at(f"{language} {key}", Said(N_("needs a part %(n)s"), n=part + 1)))
            continue
        text = fold(" ".join(raw_parts) if part is None else raw_parts[part])
        where = f"{language} {key}" + ("" if part is None else f"[{part}]")
        for pattern, what in by_language.get(language, []):
            if not re.search(pattern, text):
                problems.append(at(where, Said(N_("must say %(what)s"), what=what)))
    if key == "teststrips" and raw_parts:
        first = fold(raw_parts[0])
        steps = first.find("1)")
        reading = re.search(r"\b1 (?:line|raya|linea)\b", first)
        if reading and steps != -1 and reading.start() > steps:
            first_reading = N_("how to read the result must come before the steps")
            problems.append(at(f"{language} teststrips[0]", Said(first_reading)))
    if key == "emergency" and rendered:
        first = rendered[0]
        place = first.find("911")
        if place == -1 or place >= EMERGENCY_911_WITHIN:
            early = N_("911 must come in the first %(n)s characters")
            problems.append(at(f"{language} emergency[0]", Said(early, n=EMERGENCY_911_WITHIN)))
        if first.count("911") > 1:
            times = N_("says 911 %(n)s times; once, first")
            problems.append(at(f"{language} emergency[0]", Said(times, n=first.count("911"))))
    return problems
