"""Check-in schedules, pure: a local time on chosen weekdays in an IANA zone -> the next UTC instant.
DST is decided here and nowhere else: a time that falls in the spring-forward gap moves past the
gap (02:30 -> 03:30), and a time that occurs twice on the fall-back day is taken once (the first).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
EVERY_DAY = frozenset(range(7))
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# Spanish day abbreviations for the schedule sentence; English uses the title-cased names.
_DAY_LABELS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}
_EVERY_DAY_LABEL = {"en": "every day", "es": "todos los días"}


class ScheduleError(ValueError):
    """A time, day list or timezone that cannot make a schedule (the message says which)."""


def parse_local_time(text: str) -> time:
    """'18:00' or '6:05' -> time(18, 0); anything else is a ScheduleError."""
    match = _TIME.match(text.strip())
    if not match:
        raise ScheduleError("time must be HH:MM in 24-hour form, e.g. 18:00")
    return time(int(match.group(1)), int(match.group(2)))


def format_local_time(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def parse_days(names: list[str] | tuple[str, ...] | str | None) -> frozenset[int]:
    """['mon', 'wed'] or 'mon,wed' -> {0, 2}; None or empty means every day."""
    if names is None:
        return EVERY_DAY
    if isinstance(names, str):
        names = [part for part in names.split(",") if part.strip()]
    if not names:
        return EVERY_DAY
    days: set[int] = set()
    for name in names:
        key = str(name).strip().lower()[:3]
        if key not in DAY_NAMES:
            raise ScheduleError(f"unknown day {str(name)[:12]!r}: use mon, tue, wed, thu, fri, sat, sun")
        days.add(DAY_NAMES.index(key))
    return frozenset(days)


def format_days(days: frozenset[int]) -> str:
    """{0, 2} -> 'mon,wed' (the stored form, in week order)."""
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def day_list(days: frozenset[int]) -> list[str]:
    return [DAY_NAMES[d] for d in sorted(days)]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError("timezone must be an IANA name, e.g. America/New_York") from None


def _occurrence(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `tz`.

    fold=0 picks the first of two instants on the fall-back day; in the spring-forward gap fold=0
    uses the offset before the change, which lands exactly one gap-length later (02:30 -> 03:30).
    """
    return datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(UTC)


def next_checkin_at(local_time: time, days: frozenset[int], tz: str | ZoneInfo, after: datetime) -> datetime:
    """The first check-in instant strictly after `after` (aware), as aware UTC."""
    if not days:
        raise ScheduleError("at least one day is needed")
    tzinfo = tz if isinstance(tz, ZoneInfo) else zone(tz)
    start = after.astimezone(tzinfo).date() - timedelta(days=1)
    # One candidate per local date, so a repeated wall-clock hour can never yield two check-ins.
    for offset in range(9):
        day = start + timedelta(days=offset)
        if day.weekday() in days:
            candidate = _occurrence(day, local_time, tzinfo)
            if candidate > after:
                return candidate
    raise AssertionError("a weekly schedule always has an occurrence within 8 days")


def describe_time(value: time, language: str) -> str:
    """How the schedule sentence says a time: '6pm', '6:30pm' in English; '18:00' in Spanish."""
    if language == "es":
        return format_local_time(value)
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def describe_days(days: frozenset[int], language: str) -> str:
    if days == EVERY_DAY:
        return _EVERY_DAY_LABEL.get(language, _EVERY_DAY_LABEL["en"])
    labels = _DAY_LABELS.get(language, _DAY_LABELS["en"])
    return ", ".join(labels[d] for d in sorted(days))
