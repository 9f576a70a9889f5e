"""The rules one service must meet, whichever door it comes through (API, page, command line), in
the words a coordinator reads: no validator text, and no phone number echoed back.

`check_fields(values, today)` checks the fields given (strings as typed, or JSON numbers and lists)
and returns their normal values and problems; `complete(service, problems)` checks a whole service (a
name, a category, a place texters can be sent to) and raises `InvalidService`, which names every field
to fix and why, in the form's order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import phonenumbers
from phonenumbers import shortnumberinfo

from smsbot.directory.categories import CATEGORIES, normalize_category
from smsbot.directory.field_words import KINDS, LABELS
from smsbot.directory.geo import normalize_zip, zip_point
from smsbot.directory.hours import HoursError, parse_hours, zone
from smsbot.directory.languages import language_code
from smsbot.directory.records import EXTENSION, split_phone
from smsbot.errors import N_, Invalid
from smsbot.replies.said import Said

FIELDS = (
    "name",
    "organization",
    "categories",
    "address",
    "city",
    "state",
    "zip",
    "latitude",
    "longitude",
    "phone",
    "phone_extension",
    "hours",
    "timezone",
    "notes",
    "last_verified",
    "languages",
    "location_kind",
    "service_area",
)
LIMITS = {
    "name": 200,
    "organization": 200,
    "address": 200,
    "city": 100,
    "state": 32,
    "hours": 500,
    "timezone": 64,
    "notes": 2000,
    "service_area": 200,
}
CATEGORY_WORDS = ", ".join(c.replace("_", " ") for c in CATEGORIES)
FORM = "form"  # a problem with the request as a whole (dashboard/forms.py uses the same key)


# The order of the dashboard's form: the first problem is the first field to fix.
ORDER = (FORM, "name", "categories", "organization", "location_kind", "address", "city", "state", "zip")
ORDER += ("service_area", "phone", "phone_extension", "hours", "timezone", "languages", "last_verified")
ORDER += ("latitude", "longitude", "notes")


class InvalidService(Invalid):
    """One or more fields cannot be saved as given: `problems` maps each field to what to fix (in
    English: a Said, replies/said.py); `parts` to its own refusal, which a page words in the reader's
    language."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        place = {name: index for index, name in enumerate(ORDER)}
        self.problems = dict(sorted(problems.items(), key=lambda item: place.get(item[0], len(ORDER))))
        super().__init__(" ".join(self.problems.values()), field=next(iter(self.problems)))
        self.parts = {name: _Part(text, name) for name, text in self.problems.items()}


class _Part(Invalid):
    """One field's problem of an InvalidService, told in the reader's language (its label too)."""

    def __init__(self, text: str, field: str) -> None:
        super().__init__(str(text), field=field)
        self.said = text

    def told_to(self, is_admin: bool, translate: Callable[[str], str] = str) -> str:
        return self.said.told(translate) if isinstance(self.said, Said) else translate(self.said)


def _label(field: str) -> Said:
    """A field as a sentence names it, translated with the sentence."""
    return Said(LABELS[field]) if field in LABELS else Said("%(name)s", name=field.replace("_", " "))


class _Problem(Exception):
    """One field's problem: an English catalog id and its values (str() is the English)."""

    def __init__(self, template: str, **values: Any) -> None:
        self.said = Said(template, **values)
        super().__init__(self.said)


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Problem(N_("Write the %(what)s as text."), what=_label(field))
    text = " ".join(str(value).split())
    limit = LIMITS.get(field)
    if limit and len(text) > limit:
        raise _Problem(
            N_("Keep the %(what)s to %(most)s characters or fewer (it has %(count)s)."),
            what=_label(field),
            most=limit,
            count=len(text),
        )
    return text or None


def _items(value: Any) -> list[str]:
    """A list as JSON sends it, a list of boxes as a form sends it, or "a; b, c" as typed."""
    if value is None:
        return []
    if isinstance(value, str):
        return [p for p in re.split(r"[;,|]", value) if p.strip()]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return [v for v in value if v.strip()]
    raise _Problem(N_("Give a list of names."))


def _name(value: Any) -> str:
    text = _text(value, "name")
    if not text:
        raise _Problem(N_("Give the service a name."))
    return text


def _categories(value: Any) -> list[str]:
    found: list[str] = []
    for written in _items(value):
        category = normalize_category(written)
        if category is None:
            shown = " ".join(written.split())[:40]
            raise _Problem(
                N_("“%(shown)s” is not one of the categories: %(words)s."), shown=shown, words=CATEGORY_WORDS
            )
        if category not in found:
            found.append(category)
    if not found:
        raise _Problem(N_("Choose at least one category."))
    return found


def _zip(value: Any) -> str | None:
    text = _text(value, "zip")
    if not text:
        return None
    zip5 = normalize_zip(text)
    if zip5 is None:
        raise _Problem(N_("A ZIP code is 5 digits, like 22902."))
    if zip_point(zip5) is None:
        raise _Problem(
            N_("%(zip)s is not a US ZIP code we know. Check it, or give latitude and longitude."), zip=zip5
        )
    return zip5


def _coordinate(field: str, low: int, high: int) -> Callable[[Any], float | None]:
    def check(value: Any) -> float | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value.strip().replace("−", "-") if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise _Problem(
                N_("The %(what)s is a number like %(example)s."),
                what=_label(field),
                example="38.0293" if low == -90 else "-78.4767",
            ) from None
        if not math.isfinite(number) or not low <= number <= high:
            raise _Problem(
                N_("The %(what)s must be between %(low)s and %(high)s."),
                what=_label(field),
                low=low,
                high=high,
            )
        return number

    return check


_DIALLED = re.compile(r"[\d\s().+\-/]+")


def _phone(value: Any) -> str | None:
    """A US number (or a 3-digit line such as 211 or 988), shown as 434-555-0142; an extension kept."""
    text = _text(value, "phone")
    if not text:
        return None
    match = EXTENSION.search(text)
    body, extension = (text[: match.start()], match.group(1)) if match else (text, None)
    if not _DIALLED.fullmatch(body):
        raise _Problem(
            N_("Write the phone number with digits, like 434-555-0142 (an extension like ext. 12 is fine).")
        )
    digits = re.sub(r"\D", "", body)
    if len(digits) == 3 and shortnumberinfo.is_valid_short_number(phonenumbers.parse(digits, "US")):
        return digits
    try:
        parsed = phonenumbers.parse(body, "US")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or parsed.country_code != 1 or not phonenumbers.is_valid_number(parsed):
        raise _Problem(N_("Give a US phone number with its area code, like 434-555-0142."))
    shown = split_phone(body)[0] or body
    return f"{shown} ext. {extension}" if extension else shown


def _extension(value: Any) -> str | None:
    text = _text(value, "phone_extension")
    if text and not re.fullmatch(r"\d{1,8}", text):
        raise _Problem(N_("An extension is 1 to 8 digits, like 12."))
    return text


def _hours(value: Any) -> str | None:
    text = _text(value, "hours")
    if not text:
        return None
    try:
        parse_hours(text)
    except HoursError:
        raise _Problem(
            N_(
                "We can't read these opening hours. Write days and times like Mo-Fr 09:00-17:00; "
                "Sa 10:00-14:00 (or 24/7), or leave them empty if you don't know them."
            )
        ) from None
    return text


def _timezone(value: Any) -> str | None:
    text = _text(value, "timezone")
    if text:
        try:
            zone(text)
        except HoursError:
            raise _Problem(
                N_(
                    "Choose a time zone from the list (like America/New_York), "
                    "or leave it empty to use the ZIP's."
                )
            ) from None
    return text


def _languages(value: Any) -> list[str]:
    codes: list[str] = []
    for written in _items(value):
        code = language_code(written)
        if code is None:
            raise _Problem(N_("Write languages as names or codes, like English, Spanish or es."))
        if code not in codes:
            codes.append(code)
    return codes


def _kind(value: Any) -> str | None:
    text = _text(value, "location_kind")
    if text in (None, "zip_centre"):  # a place placed at its ZIP is still a place
        return None
    if text not in KINDS:
        raise _Problem(
            N_("Choose where it is: a place to walk to, by phone or online, or an area it serves.")
        )
    return None if text == "place" else text


RULES: dict[str, Callable[[Any], Any]] = {
    "name": _name,
    "categories": _categories,
    "zip": _zip,
    "latitude": _coordinate("latitude", -90, 90),
    "longitude": _coordinate("longitude", -180, 180),
    "phone": _phone,
    "phone_extension": _extension,
    "hours": _hours,
    "timezone": _timezone,
    "languages": _languages,
    "location_kind": _kind,
}


def _date(value: Any, today: date) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise _Problem(N_("Write the date like 2026-03-04.")) from None
    if day > today:
        raise _Problem(N_("The date it was last checked can't be in the future."))
    return day


def check_fields(values: Mapping[str, Any], today: date) -> tuple[dict[str, Any], dict[str, str]]:
    """(the normal value of each field given that can be used, what is wrong with the others)."""
    cleaned: dict[str, Any] = {}
    problems: dict[str, str] = {}
    unknown = [k for k in values if k not in FIELDS]
    if unknown:
        shown = ", ".join(f"“{k[:30]}”" for k in unknown[:3])
        problems[FORM] = Said(
            N_("A service has no field %(shown)s. The fields are: %(fields)s."),
            shown=shown,
            fields=", ".join(FIELDS),
        )
    for field in FIELDS:
        if field not in values:
            continue
        try:
            if field == "last_verified":
                cleaned[field] = _date(values[field], today)
            else:
                cleaned[field] = RULES.get(field, lambda v, f=field: _text(v, f))(values[field])
        except _Problem as problem:
            problems[field] = problem.said
    return cleaned, problems


def clean(values: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The normal value of each field given, or InvalidService for every one that cannot be used."""
    cleaned, problems = check_fields(values, today)
    if problems:
        raise InvalidService(problems)
    return cleaned


def whole_problems(service: Mapping[str, Any]) -> dict[str, str]:
    """What a whole service (every field, as `clean` returns them) lacks to send texters there."""
    problems: dict[str, str] = {}
    if not service.get("name"):
        problems["name"] = Said(N_("Give the service a name."))
    if not service.get("categories"):
        problems["categories"] = Said(N_("Choose at least one category."))
    latitude, longitude = service.get("latitude"), service.get("longitude")
    if latitude is not None and longitude is None:
        problems["longitude"] = Said(
            N_("Give the longitude too, or leave both empty to place the service at its ZIP.")
        )
    elif longitude is not None and latitude is None:
        problems["latitude"] = Said(
            N_("Give the latitude too, or leave both empty to place the service at its ZIP.")
        )
    elif latitude == 0 and longitude == 0:
        problems["latitude"] = Said(
            N_("0, 0 is not a real place: leave both empty to place the service at its ZIP.")
        )
    elif latitude is None and not service.get("zip"):
        problems["zip"] = Said(
            N_("Give a ZIP code (or latitude and longitude) so texters nearby are sent here.")
        )
    return problems


def complete(service: Mapping[str, Any], problems: Mapping[str, str] | None = None) -> None:
    """Refuse a service that `whole_problems` finds wanting, with `problems` already found (a field's
    own problem is said rather than the whole's)."""
    found = {**whole_problems(service), **(problems or {})}
    if found:
        raise InvalidService(found)
