"""The vocabulary between routing and the handlers: intents, the context routing sees, its answer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    # 1. compliance (carrier rules): always first, always honoured
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    # 2. emergencies
    EMERGENCY = "emergency"  # someone may be overdosing → 911 + naloxone steps
    DISTRESS = "distress"  # self-harm words → 988 first
    USING_ALONE = "using_alone"  # using with nobody around, feeling fine → Never Use Alone line, naloxone
    # 4. keywords
    NALOXONE = "naloxone"
    TESTSTRIPS = "teststrips"
    SITES = "sites"
    HEART = "heart"
    TREATMENT = "treatment"  # also wanting to stop: "I can't stop using", "quiero dejarlo"
    WOUNDS = "wounds"  # wound care, xylazine wounds, abscesses, self-injury wound care
    XYLAZINE = "xylazine"  # "what is tranq", xilacina
    MIXING = "mixing"  # benzos, alcohol and opioids, "is it safe to mix"
    RELAPSE = "relapse"  # returning to use: "I used again", "volví a usar"
    MENU = "menu"
    MORE = "more"
    FORGET = "forget"
    LANG_ES = "lang_es"
    LANG_EN = "lang_en"
    # check-in words (issue 4)
    JOIN = "join"
    CHECKIN = "checkin"
    OK = "ok"
    CALL = "call"
    PAUSE = "pause"
    RESUME = "resume"
    # drug-supply alerts (issue 13); STOP ALERTS is OPT_OUT with scope "alerts" (a compliance word)
    ALERTS = "alerts"  # ALERTS / ALERTAS (+ ZIP): subscribe to an area's alerts
    REPORT = "report"  # REPORT / "bad batch" / ALERTA / REPORTE: start an anonymous report
    SKIP = "skip"  # SKIP / SALTAR outside a report (inside one, every answer is REPORT_STEP)
    # 3. answers to a question the bot asked (conversation state)
    ZIP = "zip"  # a US ZIP (or ZIP+4) given as an answer or with a keyword
    TIME = "time"  # a time of day, when the bot asked for one
    ANSWER = "answer"  # free text that answers an open check-in
    REPORT_STEP = "report_step"  # any text while a report asks its questions (skip words included)
    # 5. nothing recognised
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RouteContext:
    """What routing may know about the texter: never their number."""

    language: str = "en"  # 'en' | 'es', the texter's current language
    awaiting: str | None = None  # the open question, if any: 'zip' | 'time' | 'report' | None
    checkin_open: bool = False  # a check-in is waiting for this texter's answer


@dataclass(frozen=True)
class Routed:
    intent: Intent
    # Language the words were in, when they tell ('es' for "naloxona", 'en' for "narcan"); None if neutral.
    language: str | None = None
    # A ZIP found in the text ("SITES 22902", "naloxone near 22902-1234" → "22902"), if any.
    zip_code: str | None = None
    # A time of day found when the bot asked for one, as "HH:MM" (24 h), if any.
    time_of_day: str | None = None
    # How it matched, for metrics and tests: exact | first_word | phrase | embedded | fuzzy | state | none
    matched_by: str = "none"
    # What an OPT_OUT ends: None = everything; "alerts" = drug-supply alerts only (STOP ALERTS).
    scope: str | None = None
