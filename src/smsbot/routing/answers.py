"""Answers to questions the bot asked: a US ZIP (or ZIP+4) and a time of day, in English or Spanish."""

from __future__ import annotations

import re

from smsbot.routing.normalize import Normalized, fillers, phrase

# 5 digits not touching other digits, optionally followed by the +4 ("22902-1234", "229021234").
# A 10-digit phone number never yields a ZIP.
_ZIP_RE = re.compile(r"(?<![0-9])([0-9]{5})(?:-?[0-9]{4})?(?![0-9])")
# Words that may surround a bare ZIP ("my zip is 22902", "mi código postal es 22902").
_ZIP_WORDS = fillers(
    "my", "zip", "zipcode", "zip code", "code", "is", "its", "it is", "im in", "i am in", "in", "near", "at",
    "here", "please", "thanks", "thank you", "ok",
    "mi", "codigo", "codigo postal", "postal", "es", "estoy en", "en", "cerca de", "aqui", "por favor",
    "gracias",
)  # fmt: skip
_ZIP_WORD_TOKENS = frozenset(token for words in _ZIP_WORDS for token in words)


def find_zip(text: Normalized) -> str | None:
    """The first 5-digit ZIP in the text (the +4 dropped), or None. 00000 is not a ZIP."""
    for match in _ZIP_RE.finditer(text.plain):
        if match.group(1) != "00000":
            return match.group(1)
    return None


def is_only_zip(text: Normalized) -> bool:
    """The text is a ZIP and nothing else but a few framing words ("22902", "my zip is 22902-1234")."""
    rest = _ZIP_RE.sub(" ", text.plain, count=1)
    return find_zip(text) is not None and all(t in _ZIP_WORD_TOKENS for t in phrase(rest))


# "6pm", "6 p.m.", "6:30 PM", "630pm", "6p" (a bare a/p only touching the number: "6 a week" is not 6am)
_MERIDIEM_RE = re.compile(r"\b(\d{1,2})(?:[:.h]?(\d{2}))?(?:\s*(a|p)\.?\s?m\b|(a|p)\b)")
_CLOCK_RE = re.compile(r"\b(\d{1,2})[:h](\d{2})\b")
_SPANISH_RE = re.compile(
    r"\b(\d{1,2})(?:[:.](\d{2})|\s+y\s+(media|cuarto))?\s*(?:(?:de|en|por)\s+la\s+)?"
    r"(manana|tarde|noche|madrugada)\b"
)
_ENGLISH_PART_RE = re.compile(
    r"\b(\d{1,2})(?::(\d{2}))?\s+(?:in\s+the\s+|at\s+)(morning|afternoon|evening|night)\b"
)
_NAMED = {
    phrase("noon"): "12:00",
    phrase("midday"): "12:00",
    phrase("mediodía"): "12:00",
    phrase("midnight"): "00:00",
    phrase("medianoche"): "00:00",
}
_AFTERNOON = {"tarde", "noche", "afternoon", "evening", "night"}


def _hhmm(hour: int, minute: int) -> str | None:
    return f"{hour:02d}:{minute:02d}" if 0 <= hour <= 23 and 0 <= minute <= 59 else None


def _twelve_hour(hour: int, minute: int, pm: bool) -> str | None:
    if not 1 <= hour <= 12:
        return None
    return _hhmm(hour % 12 + (12 if pm else 0), minute)


def _part_of_day(hour: int, minute: int, part: str) -> str | None:
    if not 1 <= hour <= 12:
        return None
    if part in ("noche", "night") and (hour == 12 or hour <= 4):
        return _twelve_hour(hour, minute, pm=False)  # "12 de la noche" = midnight, "2 at night" = 02:00
    if part in ("manana", "madrugada", "morning"):
        return _twelve_hour(hour, minute, pm=hour == 12 and part == "manana")
    return _twelve_hour(hour, minute, pm=part in _AFTERNOON)


def parse_time(text: Normalized) -> str | None:
    """A time of day as "HH:MM" (24 h): "6pm", "6:30 p.m.", "18:00", "6 de la tarde", "noon", "mediodía"."""
    plain = text.plain
    for tokens, value in _NAMED.items():
        if tokens[0] in text.tokens:
            return value
    if m := _SPANISH_RE.search(plain):
        minute = int(m.group(2)) if m.group(2) else {"media": 30, "cuarto": 15}.get(m.group(3) or "", 0)
        return _part_of_day(int(m.group(1)), minute, m.group(4))
    if m := _ENGLISH_PART_RE.search(plain):
        return _part_of_day(int(m.group(1)), int(m.group(2) or 0), m.group(3))
    if m := _MERIDIEM_RE.search(plain):
        return _twelve_hour(int(m.group(1)), int(m.group(2) or 0), pm=(m.group(3) or m.group(4)) == "p")
    if m := _CLOCK_RE.search(plain):
        return _hhmm(int(m.group(1)), int(m.group(2)))
    return None
