"""What a peer may type when enrolling or changing a participant, checked the same at every door.

Each rule returns the clean value or raises Invalid naming its form field, in words a peer can act on
(never a validator's or an exception's text). `Problems` carries every field's problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import phonenumbers

from smsbot.checkins.schedule import (
    EVERY_DAY,
    ScheduleError,
    format_days,
    format_local_time,
    parse_days,
    parse_local_time,
    zone,
)
from smsbot.errors import N_, DomainError, Invalid

MIN_WINDOW, MAX_WINDOW = 5, 720  # two windows (reminder, then alert) always fit inside a day
MAX_NICKNAME = 40
LANGUAGES = {"en": "English", "es": "Español"}
# The time zones a page offers, by a name people use; any IANA name is accepted through the API.
# (English catalog ids: a page shows them translated)
TIMEZONES = {
    "America/New_York": N_("Eastern (New York)"),
    "America/Chicago": N_("Central (Chicago)"),
    "America/Denver": N_("Mountain (Denver)"),
    "America/Phoenix": N_("Arizona (Phoenix, no daylight saving)"),
    "America/Los_Angeles": N_("Pacific (Los Angeles)"),
    "America/Anchorage": N_("Alaska (Anchorage)"),
    "Pacific/Honolulu": N_("Hawaii (Honolulu)"),
    "America/Puerto_Rico": N_("Atlantic (Puerto Rico)"),
}
COUNTRY_NAMES = {
    "US": N_("the United States"),
    "PR": N_("Puerto Rico"),
    "CA": N_("Canada"),
    "MX": N_("Mexico"),
}
_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()./-]+$")


class Problems(Invalid):
    """Several fields are wrong: `parts` maps each to its own refusal (a page words each beside its
    field), `fields` to its English message (the first is `field`/`message`)."""

    def __init__(self, parts: dict[str, DomainError]) -> None:
        self.parts = parts
        self.fields = {name: err.message for name, err in parts.items()}
        super().__init__(" ".join(self.fields.values()), field=next(iter(parts)))


class RegionRefused(Invalid):
    """A number from a country the line may not text; the countries named in the reader's language."""

    def __init__(self, regions: tuple[str, ...]) -> None:
        super().__init__(
            N_("This line can only text numbers in %(places)s. Check the number, or ask an admin."),
            field="phone",
            values={"places": places(regions)},
        )
        self.regions = regions

    def told_to(self, is_admin: bool, translate: Callable[[str], str] = str) -> str:
        return translate(self.template) % {"places": places(self.regions, translate)}


def collect(checks: Iterable[tuple[str, object]]) -> dict[str, object]:
    """Run (field, check) pairs (a check is a value or a function giving it); field -> value. One
    refusal is raised as it is; several become one Problems listing each beside its field."""
    values, refused = {}, []
    for name, check in checks:
        try:
            values[name] = check() if callable(check) else check
        except DomainError as err:
            if err.field is None:
                raise
            refused.append(err)
    if len(refused) == 1:
        raise refused[0]
    if refused:
        raise Problems({str(err.field): err for err in refused})
    return values


def timezone_label(name: str) -> str:
    return TIMEZONES.get(name, name.replace("_", " "))


def places(regions: tuple[str, ...], translate: Callable[[str], str] = str) -> str:
    """ "the United States", or "the United States or Puerto Rico": where the line may text (in the
    page's language when `translate` is given)."""
    names = [translate(COUNTRY_NAMES[code]) if code in COUNTRY_NAMES else code for code in regions]
    if len(names) == 1:
        return names[0]
    return translate(N_("%(some)s or %(last)s")) % {"some": ", ".join(names[:-1]), "last": names[-1]}


def phone(raw: str | None, regions: tuple[str, ...]) -> str:
    """A mobile number typed the way people write it locally ("(434) 555-0199") -> E.164."""
    text = (raw or "").strip()
    if not text:
        raise Invalid(N_("Type their mobile number."), field="phone")
    if len(text) > 32 or not _PHONE_CHARACTERS.match(text):
        raise Invalid(
            N_("A phone number can have only digits, spaces and + ( ) - . (no letters)."), field="phone"
        )
    try:
        parsed = phonenumbers.parse(text, regions[0])
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        raise Invalid(
            N_("That is not a whole phone number: check the digits (area code first)."), field="phone"
        )
    codes = {phonenumbers.country_code_for_region(code) for code in regions}
    region = phonenumbers.region_code_for_number(parsed)  # None for a number no country has given out
    if parsed.country_code not in codes or (region is not None and region not in regions):
        raise RegionRefused(regions)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def nickname(raw: str | None) -> str:
    text = " ".join((raw or "").split())
    if not text:
        raise Invalid(N_("Give them a nickname (how you and the alerts will call them)."), field="nickname")
    if len(text) > MAX_NICKNAME:
        raise Invalid(
            N_("Keep the nickname to %(most)s characters or fewer."),
            field="nickname",
            values={"most": MAX_NICKNAME},
        )
    return text


def local_time(raw: str | None) -> str:
    try:
        return format_local_time(parse_local_time(raw or ""))
    except ScheduleError:
        raise Invalid(N_("Choose a check-in time, for example 6:00 PM."), field="time") from None


def days(raw: list[str] | str | None) -> str:
    """The stored form ("mon,wed"); None means every day, an empty choice is a mistake."""
    if raw is None:
        return format_days(EVERY_DAY)
    if isinstance(raw, str):
        raw = [part for part in raw.split(",") if part.strip()]
    if not isinstance(raw, (list, tuple)) or not all(isinstance(day, str) for day in raw):
        raise Invalid(N_("Choose days from Monday to Sunday."), field="days")
    if not raw:
        raise Invalid(N_("Choose at least one day, or every day."), field="days")
    try:
        return format_days(parse_days(list(raw)))
    except ScheduleError:
        raise Invalid(N_("Choose days from Monday to Sunday."), field="days") from None


def every_day(stored: str) -> bool:
    return parse_days(stored) == EVERY_DAY


def timezone(name: str | None) -> str:
    text = (name or "").strip()
    try:
        if not text or len(text) > 64:
            raise ScheduleError(text)
        zone(text)
    except ScheduleError:
        raise Invalid(N_("Choose their time zone from the list."), field="timezone") from None
    return text


def reply_window(value: int | str | None) -> int:
    try:
        minutes = int(str(value).strip())
    except ValueError:
        minutes = -1
    if not MIN_WINDOW <= minutes <= MAX_WINDOW:
        raise Invalid(
            N_("Give them between %(least)s and %(most)s minutes to answer."),
            field="reply_window_minutes",
            values={"least": MIN_WINDOW, "most": MAX_WINDOW},
        )
    return minutes


def language(code: str | None) -> str:
    if code not in LANGUAGES:
        raise Invalid(N_("Choose English or Spanish."), field="language")
    return code
