"""The texter's list: up to 3 places (name, address, phone, distance, today's hours, when checked)
within the list's segment budget (3), then "Reply MORE for more". All words come from the packs.

Only a `place` gets an address and a distance. A service placed at its ZIP's centre reads "in
33136"; one reached by phone or online reads "by phone/online"; one serving an area reads
"serves your area, call ...". A Spanish-speaking texter sees "se habla español" where it is.

When the full list is too long it is shortened step by step: drop the city, shorten long names
and addresses, drop the "checked" date, then show fewer places (the rest wait for MORE).
Service data is folded to GSM-7 (curly quotes, accents outside GSM-7) so a list stays in 153-
character segments; the Spanish list wording avoids á/í/ó/ú for the same reason.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from smsbot.directory.hours import MINUTES_PER_DAY
from smsbot.directory.search import AREA, PLACE, VIRTUAL, ZIP_CENTRE, Place
from smsbot.replies.segments import non_gsm_characters, segment_info
from smsbot.replies.wording import Wording

PAGE_SIZE = 3
DEFAULT_BUDGET = 3  # segments, when the pack sets none for directory_item
MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "es": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
}
_PUNCTUATION = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
_PUNCTUATION["\u2026"] = "..."


@lru_cache(maxsize=8192)
def gsm_text(text: str) -> str:
    """The text with characters outside GSM-7 replaced (curly quotes → ', á → a) or dropped."""
    if not non_gsm_characters(text):
        return text
    out = []
    for ch in text:
        if not non_gsm_characters(ch):
            out.append(ch)
        elif ch in _PUNCTUATION:
            out.append(_PUNCTUATION[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            out.append(base if base and not non_gsm_characters(base) else "")
    return "".join(out)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,.-")
    return cut or text[:limit]


def clock(minutes: int, language: str) -> str:
    minutes %= MINUTES_PER_DAY
    hour, minute = divmod(minutes, 60)
    if language != "en":
        return f"{hour}:{minute:02d}"
    suffix = "am" if hour < 12 else "pm"
    hour = hour % 12 or 12
    return f"{hour}{suffix}" if minute == 0 else f"{hour}:{minute:02d}{suffix}"


def _times(intervals, language: str) -> str:
    return ", ".join(f"{clock(s, language)}-{clock(e, language)}" for s, e in intervals)


def hours_today(place: Place, wording: Wording, language: str) -> str | None:
    """ "Open now, today 9am-5pm" / "Today 9am-5pm" / "Closed today" / "Open 24 hours" / "Every other
    week: today 9am-5pm"; None when the hours are unknown (or the schedule has run out)."""
    if place.hours is None:
        return None
    if place.hours.always_open:
        return wording.render("directory_open_24h", language)
    intervals = place.hours.intervals_on(place.local)
    if intervals is None or not intervals:
        maybe = place.hours.uncertain_on(place.local.date())
        if maybe:  # every other week, and the package did not say which weeks
            return wording.render("directory_other_weeks", language, hours=_times(maybe, language))
        if intervals is None:
            return None
        return wording.render("directory_closed_today", language)
    if any(start <= 0 and end >= MINUTES_PER_DAY for start, end in intervals):
        return wording.render("directory_open_24h", language)
    key = "directory_open_today" if place.open_now else "directory_today"
    return wording.render(key, language, hours=_times(intervals, language))


def phone_text(place: Place, wording: Wording, language: str) -> str | None:
    """The voice number, with its extension when there is one ("434-555-0100 ext. 12")."""
    if not place.phone:
        return None
    if place.phone_extension:
        return wording.render(
            "directory_phone_ext", language, phone=gsm_text(place.phone), ext=gsm_text(place.phone_extension)
        )
    return gsm_text(place.phone)


def miles_text(miles: float) -> str:
    return f"{miles:.1f}" if miles < 10 else f"{miles:.0f}"


@dataclass(frozen=True)
class _Style:
    city: bool = True
    name_limit: int = 200
    address_limit: int = 200
    checked: bool = True


_STYLES = (
    _Style(),
    _Style(city=False),
    _Style(city=False, name_limit=32, address_limit=26),
    _Style(city=False, name_limit=32, address_limit=26, checked=False),
    _Style(city=False, name_limit=24, address_limit=20, checked=False),
)


def _where(place: Place, wording: Wording, language: str, style: _Style) -> list[str]:
    """Name, then where to go: an address only for a place one can walk to."""
    name = _clip(gsm_text(place.name), style.name_limit)
    where = [name]
    if place.location_kind == ZIP_CENTRE and place.zip:  # "Name in 33136": no street to walk to
        where = [wording.render("directory_in_zip", language, place=name, zip=gsm_text(place.zip))]
    elif place.location_kind not in (ZIP_CENTRE, VIRTUAL, AREA) and place.address:
        where.append(_clip(gsm_text(place.address), style.address_limit))
    if style.city and place.city and place.location_kind in (PLACE, ZIP_CENTRE):
        where.append(gsm_text(place.city))
    return where


def _reach(place: Place, wording: Wording, language: str) -> list[str]:
    """How to reach it: phone and distance for a place; "serves your area, call ..."; "by phone/online"."""
    phone = phone_text(place, wording, language)
    if place.location_kind == AREA:
        if phone:
            return [wording.render("directory_area_call", language, phone=phone)]
        return [wording.render("directory_area", language)]
    details = [phone] if phone else []
    if place.location_kind == VIRTUAL:
        details.insert(0, wording.render("directory_by_phone", language))
    elif place.location_kind != ZIP_CENTRE:
        details.append(wording.render("directory_miles", language, miles=miles_text(place.miles)))
    return details


def item(place: Place, number: int, wording: Wording, language: str, style: _Style = _STYLES[0]) -> str:
    where = _where(place, wording, language, style)
    details = _reach(place, wording, language)
    if language == "es" and place.speaks_spanish:
        details.append(wording.render("directory_spanish", language))
    today = hours_today(place, wording, language)
    if today:
        details.append(today)
    if style.checked and place.last_verified:
        month = (
            f"{MONTHS.get(language, MONTHS['en'])[place.last_verified.month - 1]} {place.last_verified.year}"
        )
        details.append(wording.render("directory_checked", language, month=month))
    return wording.render(
        "directory_item", language, n=str(number), place=", ".join(where), details=". ".join(details)
    )


def budget(wording: Wording, language: str) -> int:
    return wording.entry("directory_item", language).segments or DEFAULT_BUDGET


def compose(
    places: Sequence[Place],
    wording: Wording,
    language: str,
    what: str,
    first_number: int = 1,
    more_after: bool = False,
) -> tuple[str, int]:
    """The reply for up to PAGE_SIZE of `places`, and how many of them it shows (the rest go to MORE)."""
    limit = budget(wording, language)
    header = wording.render("directory_header", language, what=what)
    count = min(PAGE_SIZE, len(places))
    while True:
        for style in _STYLES:
            shown = places[:count]
            lines = [wording.render("directory_demo_note", language)] if any(p.is_demo for p in shown) else []
            lines.append(header)
            lines += [item(p, first_number + i, wording, language, style) for i, p in enumerate(shown)]
            if more_after or count < len(places):
                lines.append(wording.render("directory_more", language))
            text = "\n".join(lines)
            if segment_info(text).segments <= limit:
                return text, count
        if count == 1:
            return text, count  # one place in the shortest style: send it even if long
        count -= 1
