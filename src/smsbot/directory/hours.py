"""Weekly opening hours: parsed from "Mo-Fr 09:00-17:00; Sa 10:00-14:00" or HSDS schedules, asked
"open now?" and "what are today's hours?" in the service's own timezone (zoneinfo: DST-correct).

Text format (documented for the flat CSV): rules separated by `;`, each `DAYS TIMES`. DAYS is a
comma list of days or day ranges (Mo Tu We Th Fr Sa Su, or full names; ranges may wrap: Fr-Mo);
left out = every day. TIMES is a comma list of HH:MM-HH:MM (also 9am-5pm); a closing time at
or before the opening time runs past midnight (Fr 22:00-02:00); `off`/`closed` = closed. `24/7`
means always open. A later rule replaces earlier ones for its days (Mo-Fr 9-17; We off).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_CODES = ("mo", "tu", "we", "th", "fr", "sa", "su")  # index = datetime.weekday()
MINUTES_PER_DAY = 24 * 60

Interval = tuple[int, int]  # minutes from local midnight; the close may exceed 1440 (past midnight)


class HoursError(ValueError):
    """Opening hours that cannot be understood."""


@dataclass(frozen=True)
class WeeklyHours:
    days: tuple[tuple[Interval, ...], ...]  # 7 entries, Monday first

    @property
    def always_open(self) -> bool:
        return all(day == ((0, MINUTES_PER_DAY),) for day in self.days)

    def is_open_at(self, local: datetime) -> bool:
        """Open at this local wall-clock time (overnight hours from the day before count)."""
        weekday, minute = local.weekday(), local.hour * 60 + local.minute
        if any(start <= minute < end for start, end in self.days[weekday]):
            return True
        yesterday = self.days[(weekday - 1) % 7]
        return any(end > MINUTES_PER_DAY and minute + MINUTES_PER_DAY < end for _, end in yesterday)

    def intervals_on(self, local: datetime) -> list[Interval]:
        """The day's opening times, including the early hours that run over from the night before."""
        weekday = local.weekday()
        spill = [
            (0, end - MINUTES_PER_DAY) for _, end in self.days[(weekday - 1) % 7] if end > MINUTES_PER_DAY
        ]
        return spill + list(self.days[weekday])

    def to_json(self) -> str:
        return _to_json(self)

    def _json(self) -> str:
        return json.dumps(
            {
                code: [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in day]
                for code, day in zip(DAY_CODES, self.days, strict=True)
            },
            separators=(",", ":"),
        )

    def describe(self) -> str:
        """Back to the text format (what the API shows)."""
        if self.always_open:
            return "24/7"
        rules, start = [], 0
        for index in range(1, 8):  # runs of days with the same hours: Mo-Fr 09:00-17:00
            if index < 7 and self.days[index] == self.days[start]:
                continue
            if self.days[start]:
                days = DAY_CODES[start].title() + (
                    f"-{DAY_CODES[index - 1].title()}" if index - 1 > start else ""
                )
                rules.append(f"{days} " + ",".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in self.days[start]))
            start = index
        return "; ".join(rules) if rules else "closed"


@lru_cache(maxsize=4096)
def _to_json(hours: WeeklyHours) -> str:
    return hours._json()  # cached: a directory repeats a handful of schedules thousands of times


@lru_cache(maxsize=4096)
def from_json(text: str) -> WeeklyHours:
    """Stored form → WeeklyHours (cached: the same schedules come back on every search)."""
    data = json.loads(text)
    return WeeklyHours(tuple(tuple(_parse_range(r) for r in data.get(code, [])) for code in DAY_CODES))


def _hhmm(minutes: int) -> str:
    if minutes != MINUTES_PER_DAY:  # 24:00 stays 24:00; a past-midnight close (26:00) is 02:00
        minutes %= MINUTES_PER_DAY
    hours, mins = divmod(minutes, 60)
    return f"{hours:02d}:{mins:02d}"


_TIME = re.compile(r"^(\d{1,2})(?::?(\d{2}))?(?::\d{2})?\s*(am|pm|a|p)?$", re.IGNORECASE)


def parse_time(text: str) -> int:
    """ "09:00", "9:00:00", "9am", "5:30pm", "24:00" → minutes after midnight."""
    match = _TIME.match(text.strip().lower().replace(".", ""))
    if not match:
        raise HoursError(f"{text.strip()!r} is not a time (use HH:MM)")
    hour, minute, meridiem = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if meridiem:
        if not 1 <= hour <= 12:
            raise HoursError(f"{text.strip()!r} is not a time")
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise HoursError(f"{text.strip()!r} is not a time")
    return hour * 60 + minute


def _parse_range(text: str) -> Interval:
    opens, sep, closes = text.partition("-")
    if not sep:
        raise HoursError(f"{text.strip()!r} needs an opening and a closing time (09:00-17:00)")
    return make_interval(parse_time(opens), parse_time(closes))


def make_interval(start: int, end: int) -> Interval:
    if start >= MINUTES_PER_DAY:
        raise HoursError("an opening time must be before 24:00")
    if end <= start:
        end += MINUTES_PER_DAY  # closes after midnight (00:00-00:00 = all day)
    return (start, end)


def _day_index(text: str) -> int:
    code = text.strip().lower()[:2]
    if code not in DAY_CODES:
        raise HoursError(f"{text.strip()!r} is not a day (Mo Tu We Th Fr Sa Su)")
    return DAY_CODES.index(code)


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        first, sep, last = part.partition("-")
        if not sep:
            days.append(_day_index(first))
            continue
        start, end = _day_index(first), _day_index(last)
        days.extend((start + i) % 7 for i in range((end - start) % 7 + 1))
    return days


_RULE = re.compile(r"^(?P<days>[A-Za-z][A-Za-z ,\-]*?)?\s*(?P<times>(?:\d|off\b|closed\b).*)$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def parse_hours(text: str) -> WeeklyHours | None:
    """The text format above → WeeklyHours; blank → None (hours unknown); nonsense → HoursError."""
    text = (text or "").strip()
    if not text:
        return None
    if text.lower().replace(" ", "") in ("24/7", "24x7", "24h", "mo-su00:00-24:00"):
        return WeeklyHours(tuple(((0, MINUTES_PER_DAY),) for _ in DAY_CODES))
    days: list[list[Interval]] = [[] for _ in DAY_CODES]
    for rule in filter(None, (r.strip() for r in text.split(";"))):
        match = _RULE.match(rule)
        if not match:
            raise HoursError(f"cannot read hours {rule!r} (use e.g. Mo-Fr 09:00-17:00)")
        which = _parse_days(match.group("days")) if match.group("days") else list(range(7))
        times = match.group("times").strip()
        intervals = [] if times.lower() in ("off", "closed") else [_parse_range(t) for t in times.split(",")]
        for day in which:
            days[day] = sorted(intervals)
    return WeeklyHours(tuple(tuple(day) for day in days))


def from_weekly_rows(rows: Iterable[tuple[Iterable[int], int, int]]) -> WeeklyHours | None:
    """HSDS-style rows (days, opens, closes) merged into one week; no rows → None."""
    days: list[list[Interval]] = [[] for _ in DAY_CODES]
    seen = False
    for which, opens, closes in rows:
        for day in which:
            days[day].append(make_interval(opens, closes))
            seen = True
    return WeeklyHours(tuple(tuple(sorted(set(day))) for day in days)) if seen else None


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise HoursError(f"{name!r} is not a timezone (use an IANA name like America/New_York)") from None


def local_time(now: datetime, timezone: str) -> datetime:
    """`now` (aware UTC) as the wall-clock time where the service is."""
    return now.astimezone(zone(timezone))
