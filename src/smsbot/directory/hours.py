"""Weekly opening hours: parsed from "Mo-Fr 09:00-17:00; Sa 10:00-14:00" or HSDS schedules, asked
"open now?" and "what are today's hours?" in the service's own timezone (zoneinfo: DST-correct).

Text format (documented for the flat CSV): rules separated by `;`, each `DAYS TIMES`. DAYS is a
comma list of days or day ranges (Mo Tu We Th Fr Sa Su, or full names; ranges may wrap: Fr-Mo);
left out = every day. TIMES is a comma list of HH:MM-HH:MM (also 9am-5pm); a closing time at
or before the opening time runs past midnight (Fr 22:00-02:00); `off`/`closed` = closed. `24/7`
means always open. A later rule replaces earlier ones for its days (Mo-Fr 9-17; We off).

HSDS schedules (schedules.py) add what a week cannot say: `Rule`s that hold on some dates only
(every other week from a start date, the 1st Monday of a month, until a date) and `Special` dates
(holiday closures). Hours are therefore asked per date: `hours_on(day)` is None when the schedule
says nothing about that day (every rule expired), which a reply shows as no hours, not "closed".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_CODES = ("mo", "tu", "we", "th", "fr", "sa", "su")  # index = datetime.weekday()
MINUTES_PER_DAY = 24 * 60

Interval = tuple[int, int]  # minutes from local midnight; the close may exceed 1440 (past midnight)


class HoursError(ValueError):
    """Opening hours that cannot be understood."""


@dataclass(frozen=True)
class Rule:
    """Hours on some days only (schedules.py builds them from HSDS): every `every` weeks counted from
    `anchor`, or in a month the Nth weekday (1 = first, -1 = last) or a day of the month; between
    `start` and `end` (inclusive; None = open-ended)."""

    intervals: tuple[Interval, ...]
    weekdays: tuple[tuple[int, int], ...] = ()  # (ordinal, weekday): ordinal 0 = every such day
    monthdays: tuple[int, ...] = ()  # monthly: 1..31, or -1 = the last day
    monthly: bool = False
    every: int = 1
    anchor: date | None = None  # dtstart: which weeks or months count when every > 1
    week_start: int = 0  # wkst (Monday): where a week begins when counting every N weeks
    start: date | None = None
    end: date | None = None

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def applies(self, day: date) -> bool | None:
        """True/False on this date; None when it cannot be told (every N > 1 without a start date)."""
        if self.monthly:
            hit = day.day in self.monthdays or (
                -1 in self.monthdays and (day + timedelta(1)).month != day.month
            )
            hit = hit or any(w == day.weekday() and _nth_ok(o, day) for o, w in self.weekdays)
        else:
            hit = any(w == day.weekday() for _, w in self.weekdays)
        if not hit or self.every == 1:
            return hit
        if self.anchor is None:
            return None
        if self.monthly:
            months = (day.year - self.anchor.year) * 12 + day.month - self.anchor.month
            return months >= 0 and months % self.every == 0
        weeks = (_week_of(day, self.week_start) - _week_of(self.anchor, self.week_start)).days // 7
        return weeks >= 0 and weeks % self.every == 0

    def describe(self) -> str:
        days = ",".join(f"{o if o else ''}{DAY_CODES[w].title()}" for o, w in self.weekdays)
        days = ",".join(filter(None, (days, ",".join(str(d) for d in self.monthdays))))
        text = f"{days} " + ",".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in self.intervals)
        unit = "months" if self.monthly else "weeks"
        if self.every > 1:
            text += f" every {self.every} {unit}" + (f" from {self.anchor}" if self.anchor else "")
        elif self.monthly:
            text += " monthly"
        if self.start:
            text += f" valid from {self.start}"
        if self.end:
            text += f" until {self.end}"
        return text


@dataclass(frozen=True)
class Special:
    """A closure (no intervals) or special hours on the dates from `start` to `end` (holidays)."""

    start: date
    end: date
    intervals: tuple[Interval, ...] = ()


def _nth_ok(ordinal: int, day: date) -> bool:
    if ordinal == 0:
        return True
    if ordinal > 0:
        return (day.day - 1) // 7 + 1 == ordinal
    days_left = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - day).days - 1
    return days_left // 7 + 1 == -ordinal


def _week_of(day: date, week_start: int) -> date:
    return day - timedelta(days=(day.weekday() - week_start) % 7)


def merge(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Overlapping or touching intervals as one (three rows of the same hours show once)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class WeeklyHours:
    days: tuple[tuple[Interval, ...], ...]  # 7 entries, Monday first: the hours of every week
    rules: tuple[Rule, ...] = ()  # hours on some dates only (every other week, monthly, until ...)
    exceptions: tuple[Special, ...] = ()  # closures and special hours (they replace the day's)

    @property
    def always_open(self) -> bool:
        return (
            not self.rules
            and not self.exceptions
            and all(day == ((0, MINUTES_PER_DAY),) for day in self.days)
        )

    def hours_on(self, day: date) -> tuple[Interval, ...] | None:
        """The opening times that start on this date; None when the schedule does not say (expired)."""
        for exception in self.exceptions:
            if exception.start <= day <= exception.end:
                return exception.intervals
        weekly = any(self.days) or not self.rules
        found = list(self.days[day.weekday()])
        covered = weekly
        for rule in self.rules:
            if rule.covers(day):
                covered = True
                if rule.applies(day):
                    found.extend(rule.intervals)
        return merge(found) if covered else None

    def uncertain_on(self, day: date) -> tuple[Interval, ...]:
        """Hours of rules that may or may not hold this date (every other week, no start date given)."""
        return merge(i for r in self.rules if r.covers(day) and r.applies(day) is None for i in r.intervals)

    def intervals_on(self, local: datetime) -> list[Interval] | None:
        """The day's opening times, including the early hours that run over from the night before;
        None when the schedule says nothing about the day."""
        today = self.hours_on(local.date())
        yesterday = self.hours_on(local.date() - timedelta(days=1)) or ()
        spill = [(0, end - MINUTES_PER_DAY) for _, end in yesterday if end > MINUTES_PER_DAY]
        if today is None:
            return spill or None
        return list(merge(spill + list(today)))

    def open_at(self, local: datetime) -> bool | None:
        """Open at this local wall-clock time; None when the schedule says nothing about the day."""
        intervals = self.intervals_on(local)
        if intervals is None:
            return None
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in intervals)

    def is_open_at(self, local: datetime) -> bool:
        return bool(self.open_at(local))

    def to_json(self) -> str:
        return _to_json(self)

    def _json(self) -> str:
        data: dict[str, object] = {
            code: [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in day]
            for code, day in zip(DAY_CODES, self.days, strict=True)
        }
        if self.rules:
            data["rules"] = [_rule_json(r) for r in self.rules]
        if self.exceptions:
            data["exceptions"] = [
                {
                    "from": str(x.start),
                    "to": str(x.end),
                    "hours": [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in x.intervals],
                }
                for x in self.exceptions
            ]
        return json.dumps(data, separators=(",", ":"))

    def describe(self) -> str:
        """Back to the text format (what the API shows); date rules follow in words."""
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
        rules += [r.describe() for r in self.rules]
        rules += [
            f"{x.start}..{x.end} " + (",".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in x.intervals) or "closed")
            for x in self.exceptions
        ]
        return "; ".join(rules) if rules else "closed"


def _rule_json(rule: Rule) -> dict[str, object]:
    data: dict[str, object] = {
        "hours": [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in rule.intervals],
        "days": [[o, DAY_CODES[w]] for o, w in rule.weekdays],
    }
    optional = {
        "monthdays": list(rule.monthdays),
        "monthly": rule.monthly,
        "every": rule.every if rule.every != 1 else None,
        "anchor": str(rule.anchor) if rule.anchor else None,
        "wkst": DAY_CODES[rule.week_start] if rule.week_start else None,
        "from": str(rule.start) if rule.start else None,
        "until": str(rule.end) if rule.end else None,
    }
    data.update({k: v for k, v in optional.items() if v})
    return data


def _rule_from_json(data: dict) -> Rule:
    def when(key: str) -> date | None:
        return date.fromisoformat(data[key]) if data.get(key) else None

    return Rule(
        intervals=tuple(_parse_range(r) for r in data.get("hours", [])),
        weekdays=tuple((int(o), DAY_CODES.index(w)) for o, w in data.get("days", [])),
        monthdays=tuple(int(d) for d in data.get("monthdays", [])),
        monthly=bool(data.get("monthly")),
        every=int(data.get("every") or 1),
        anchor=when("anchor"),
        week_start=DAY_CODES.index(data["wkst"]) if data.get("wkst") else 0,
        start=when("from"),
        end=when("until"),
    )


@lru_cache(maxsize=4096)
def _to_json(hours: WeeklyHours) -> str:
    return hours._json()  # cached: a directory repeats a handful of schedules thousands of times


@lru_cache(maxsize=4096)
def from_json(text: str) -> WeeklyHours:
    """Stored form → WeeklyHours (cached: the same schedules come back on every search). Reads the
    weekly-only form stored before issue 10 too (no "rules"/"exceptions" keys)."""
    data = json.loads(text)
    return WeeklyHours(
        tuple(tuple(_parse_range(r) for r in data.get(code, [])) for code in DAY_CODES),
        tuple(_rule_from_json(r) for r in data.get("rules", [])),
        tuple(
            Special(
                date.fromisoformat(x["from"]),
                date.fromisoformat(x["to"]),
                tuple(_parse_range(r) for r in x.get("hours", [])),
            )
            for x in data.get("exceptions", [])
        ),
    )


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


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise HoursError(f"{name!r} is not a timezone (use an IANA name like America/New_York)") from None


def local_time(now: datetime, timezone: str) -> datetime:
    """`now` (aware UTC) as the wall-clock time where the service is."""
    return now.astimezone(zone(timezone))
