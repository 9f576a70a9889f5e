"""HSDS schedule rows → WeeklyHours, as the specification defines them (RFC 5545 recurrence names).

Each row (keys as in HSDS 3.0 `schedules`: freq, interval, byday, bymonthday, dtstart, wkst, until,
valid_from, valid_to, opens_at, closes_at; the literal string "null" counts as empty):
  - WEEKLY (or no freq) on `byday` days (or 1.x `weekday`, ISO 1 = Monday, or a day name);
    `interval` 2 = every other week, counted from `dtstart` (without it: "every other week");
  - MONTHLY on `byday` with an ordinal ("1MO" first Monday, "-1FR" last Friday) or `bymonthday`;
  - DAILY = every day;
  - `until` and `valid_to` end a row, `valid_from` starts it (an expired row shows nothing);
  - 00:00-23:59 (or 00:00-00:00) is the whole day ("Open 24 hours"); a close at or before the
    opening runs past midnight; a time with an offset (09:00-05:00) is read as wall-clock time;
  - holiday rows (HSDS 2.0 `holiday_schedules`: closed, start_date, end_date, opens_at,
    closes_at) close those dates or give them special hours.
Overlapping rows are merged, so the same hours given three times show once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from smsbot.directory.hours import (
    DAY_CODES,
    MINUTES_PER_DAY,
    HoursError,
    Interval,
    Rule,
    Special,
    WeeklyHours,
    make_interval,
    merge,
    parse_time,
)

_EMPTY = ("", "null", "none", "nil", "n/a")
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_BYDAY = re.compile(r"^([+-]?\d{1,2})?([A-Za-z]{2})$")
_TRUE = ("true", "t", "yes", "y", "1")


def _value(row: Mapping[str, object], key: str) -> str:
    text = str(row.get(key) or "").strip()
    return "" if text.lower() in _EMPTY else text


def _date(row: Mapping[str, object], key: str) -> date | None:
    text = _value(row, key)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])  # a date-time counts from its date
    except ValueError:
        raise HoursError(f"{key} {text!r} is not a date (YYYY-MM-DD)") from None


def _clock(text: str) -> int:
    # "09:00-05:00", "09:00:00+01:00", "09:00Z" → wall-clock 09:00: a fixed offset is wrong half the year.
    text = text.strip()
    return parse_time(re.sub(r"(?:[zZ]|[+-]\d{2}:?\d{2})$", "", text) if len(text) > 5 else text)


def _times(row: Mapping[str, object]) -> tuple[Interval, ...]:
    opens, closes = _value(row, "opens_at"), _value(row, "closes_at")
    if not opens or not closes:
        raise HoursError(f"no {'opens_at' if not opens else 'closes_at'}")
    start, end = _clock(opens), _clock(closes)
    if end == MINUTES_PER_DAY - 1:  # 23:59 means "until midnight": 00:00-23:59 is the whole day
        end = MINUTES_PER_DAY
    return (make_interval(start, end),)


def _weekdays(row: Mapping[str, object]) -> tuple[tuple[int, int], ...]:
    byday = _value(row, "byday")
    if byday:
        days = []
        for part in re.split(r"[,\s;]+", byday):
            if not part:
                continue
            match = _BYDAY.match(part)
            code = match.group(2).lower() if match else ""
            if code not in DAY_CODES:
                raise HoursError(f"byday {part!r} is not a day (MO..SU, 1MO, -1FR)")
            ordinal = int(match.group(1) or 0)
            if abs(ordinal) > 5:
                raise HoursError(f"byday {part!r}: there is no {ordinal}th such day in a month")
            days.append((ordinal, DAY_CODES.index(code)))
        return tuple(days)
    weekday = _value(row, "weekday").lower()
    if weekday.isdigit() and 1 <= int(weekday) <= 7:
        return ((0, int(weekday) - 1),)  # ISO 8601: 1 = Monday
    if weekday in _WEEKDAY_NAMES or weekday[:2] in DAY_CODES:
        return ((0, DAY_CODES.index(weekday[:2])),)
    if weekday:
        raise HoursError(f"weekday {weekday!r} is not a day")
    return ()


def _monthdays(row: Mapping[str, object]) -> tuple[int, ...]:
    days = []
    for part in re.split(r"[,\s;]+", _value(row, "bymonthday")):
        if not part:
            continue
        if not re.fullmatch(r"-?\d{1,2}", part) or not (1 <= abs(int(part)) <= 31):
            raise HoursError(f"bymonthday {part!r} is not a day of the month")
        days.append(-1 if int(part) < 0 else int(part))  # only "the last day" of the negatives is kept
    return tuple(days)


def _rule(row: Mapping[str, object]) -> Rule | None:
    """One recurring row; None for a row that says nothing (no times, no days)."""
    if not any(_value(row, k) for k in ("opens_at", "closes_at", "byday", "weekday", "bymonthday")):
        return None
    freq = (_value(row, "freq") or "WEEKLY").upper()
    if freq not in ("WEEKLY", "MONTHLY", "DAILY"):
        raise HoursError(f"a {freq} schedule is not weekly or monthly hours")
    intervals = _times(row)
    interval = _value(row, "interval") or "1"
    if not interval.isdigit() or int(interval) < 1:
        raise HoursError(f"interval {interval!r} is not a whole number of weeks or months")
    anchor = _date(row, "dtstart")
    ends = [d for d in (_date(row, "until"), _date(row, "valid_to")) if d]
    weekdays, monthdays = _weekdays(row), _monthdays(row)
    if freq == "DAILY":
        weekdays, freq = tuple((0, d) for d in range(7)), "WEEKLY"
    if freq == "WEEKLY":
        weekdays = tuple((0, w) for _, w in weekdays) or (((0, anchor.weekday()),) if anchor else ())
        if not weekdays:
            raise HoursError("a weekly schedule needs byday (or a dtstart to take the day from)")
        monthdays = ()
    elif not weekdays and not monthdays:
        if anchor is None:
            raise HoursError("a monthly schedule needs byday or bymonthday")
        monthdays = (anchor.day,)
    wkst = _value(row, "wkst").lower()[:2]
    return Rule(
        intervals=intervals,
        weekdays=weekdays,
        monthdays=monthdays,
        monthly=freq == "MONTHLY",
        every=int(interval),
        anchor=anchor,
        week_start=DAY_CODES.index(wkst) if wkst in DAY_CODES else 0,
        start=_date(row, "valid_from"),
        end=min(ends) if ends else None,
    )


def _special(row: Mapping[str, object]) -> Special:
    start = _date(row, "start_date") or _date(row, "valid_from")
    end = _date(row, "end_date") or _date(row, "valid_to") or start
    if start is None or end is None:
        raise HoursError("a holiday row needs start_date")
    if end < start:
        raise HoursError(f"end_date {end} is before start_date {start}")
    closed = _value(row, "closed").lower() in _TRUE
    return Special(start, end, () if closed else _times(row))


def schedule_from_hsds(
    rows: Sequence[Mapping[str, object]], warnings: list[str] | None = None
) -> WeeklyHours | None:
    """The rows of one service (at one location) as WeeklyHours; no usable rows → None.

    A row that cannot be read raises HoursError naming the row (1 = the first given) and the
    reason; with a `warnings` list the reason is added there and the row is left out instead.
    """
    days: list[list[Interval]] = [[] for _ in DAY_CODES]
    rules: list[Rule] = []
    specials: list[Special] = []
    for number, row in enumerate(rows, start=1):
        try:
            if any(_value(row, k) for k in ("closed", "start_date", "end_date")):
                specials.append(_special(row))
                continue
            rule = _rule(row)
        except HoursError as exc:
            if warnings is None:
                raise HoursError(f"schedule row {number}: {exc}") from None
            warnings.append(f"schedule row {number}: {exc}; left out")
            continue
        if rule is None:
            continue
        if not rule.monthly and rule.every == 1 and rule.start is None and rule.end is None:
            for _, weekday in rule.weekdays:  # plain weekly hours: part of every week
                days[weekday].extend(rule.intervals)
        else:
            rules.append(rule)
    if not any(days) and not rules:
        return None  # holiday rows alone do not say when it is open the rest of the year
    return WeeklyHours(tuple(merge(day) for day in days), tuple(dict.fromkeys(rules)), tuple(specials))
