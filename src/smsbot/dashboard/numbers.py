"""The Numbers page's rules, as pure functions: which days (in the program's time zone), how a count is
shown (0 as 0, 1 to 4 as "<5"), local days from 15-minute UTC buckets, rates, medians and the CSV.

The database side is numbers_data.py; nothing here reads a table, so each rule is tested with a table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from babel.dates import format_date

from smsbot.dashboard import i18n
from smsbot.dashboard.i18n import N_, _

SMALL = 5  # counts from 1 to SMALL - 1 are never shown: too few people, too easy to recognise
SHORTCUTS = (30, 90)
MAX_DAYS = 366
EARLIEST = date(2000, 1, 1)
BUCKET_SECONDS = 900  # every time zone's offset is a multiple of 15 minutes: buckets never straddle days
NOT_ENOUGH = N_("not enough yet")  # an English catalog id: the page shows it translated


def shown(count: int) -> str:
    """A count as the page and the CSV show it: 0 is 0, 1 to 4 are "<5", the rest as they are."""
    return "<5" if 0 < count < SMALL else str(count)


@dataclass(frozen=True)
class Period:
    """Whole days, first to last included, in the program's time zone."""

    first: date
    last: date
    zone: str

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    @property
    def start_utc(self) -> datetime:
        return _midnight(self.first, self.zone)

    @property
    def end_utc(self) -> datetime:
        """The first instant after the period (the local midnight that ends its last day)."""
        return _midnight(self.last + timedelta(days=1), self.zone)

    @property
    def shortcut(self) -> int | None:
        """30 or 90 when the period is "the last N days" ending on its last day, else None."""
        length = len(self.days)
        return length if length in SHORTCUTS else None


def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def today_in(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def last_days(days: int, today: date, zone: str) -> Period:
    return Period(today - timedelta(days=days - 1), today, zone)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def choose_period(
    params: Mapping[str, str], today: date, zone: str
) -> tuple[Period, dict[str, str], dict[str, str]]:
    """(the period, errors by field, the typed values) from ?days=30 or ?from=YYYY-MM-DD&to=YYYY-MM-DD.

    Wrong input never fails the page: the errors say what to fix and the last 30 days are shown.
    """
    typed = {"from": (params.get("from") or "").strip(), "to": (params.get("to") or "").strip()}
    default = last_days(SHORTCUTS[0], today, zone)
    if not typed["from"] and not typed["to"]:
        days = (params.get("days") or "").strip()
        if days.isdigit() and int(days) in SHORTCUTS:
            return last_days(int(days), today, zone), {}, typed
        errors = {} if not days else {"from": _("Choose the last 30 or 90 days, or type two dates.")}
        return default, errors, typed
    errors: dict[str, str] = {}
    first, last = _date(typed["from"] or "x"), _date(typed["to"] or today.isoformat())
    if first is None:
        errors["from"] = _("Type the first day as a date, for example 2026-03-01.")
    if last is None:
        errors["to"] = _("Type the last day as a date, for example 2026-03-31.")
    if first is not None and last is not None:
        if first < EARLIEST:
            errors["from"] = _("Choose a first day in 2000 or later.")
        elif last > today:
            errors["to"] = _(
                "The last day can't be after today (%(today)s).", today=day_words(today, "%b %d, %Y")
            )
        elif last < first:
            errors["to"] = _("The last day must be the same as the first day or after it.")
        elif (last - first).days + 1 > MAX_DAYS:
            errors["from"] = _("Choose at most %(max)s days at a time.", max=MAX_DAYS)
    if errors or first is None or last is None:
        return default, errors, typed
    return Period(first, last, zone), {}, typed


def day_words(day: date, fmt: str = "%b %d") -> str:
    """A day for people in the page's language ("Mar 04"; Spanish "4 mar"), from strftime codes."""
    if i18n.current() == i18n.DEFAULT:
        return day.strftime(fmt)
    spanish_order = {"%b %d": "d MMM", "%b %d, %Y": "d MMM y", "%a %b %d": "EEE d MMM"}
    return format_date(day, spanish_order.get(fmt, "d MMM y"), locale=i18n.locale())


def local_day_counts(buckets: Iterable[tuple[int, int]], zone: str) -> dict[date, int]:
    """Counts per 15-minute UTC bucket (its number since 1970) summed into the zone's local days."""
    tz = ZoneInfo(zone)
    days: dict[date, int] = {}
    for bucket, count in buckets:
        day = datetime.fromtimestamp(int(bucket) * BUCKET_SECONDS, UTC).astimezone(tz).date()
        days[day] = days.get(day, 0) + int(count)
    return days


def rate(part: int, whole: int) -> str:
    """A percentage, only when no count it is made of (the part, the rest, the whole) is 1 to 4."""
    if whole < SMALL or shown(part) == "<5" or shown(whole - part) == "<5":
        return NOT_ENOUGH
    return f"{100 * part / whole:.0f}%"


def median_wait(values: Iterable[timedelta]) -> str:
    """The median of at least SMALL waits, in minutes (hours past two hours)."""
    waits = [v for v in values if v >= timedelta(0)]
    if len(waits) < SMALL:
        return NOT_ENOUGH
    minutes = median(v.total_seconds() for v in waits) / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


@dataclass
class DailySeries:
    label: str
    days: list[date]
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Figures:
    period: Period
    series: list[DailySeries] = field(default_factory=list)
    keyword_totals: list[tuple[str, int]] = field(default_factory=list)
    answer_rate: str = NOT_ENOUGH
    median_answer: str = NOT_ENOUGH
    median_ack: str = NOT_ENOUGH


def series_of(label: str, period: Period, per_day: Mapping[date, int]) -> DailySeries:
    days = period.days
    return DailySeries(label, days, [per_day.get(day, 0) for day in days])


def daily_csv(figures: Figures) -> str:
    """One row per day, one column per series, then a total row; every count as the page shows it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["day", *(s.label for s in figures.series)])
    for index, day in enumerate(figures.period.days):
        writer.writerow([day.isoformat(), *(shown(s.counts[index]) for s in figures.series)])
    writer.writerow(["total", *(shown(s.total) for s in figures.series)])
    return out.getvalue()


def keywords_csv(figures: Figures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["keyword or kind of text", "texts in"])
    for name, count in figures.keyword_totals:
        writer.writerow([name.replace("_", " "), shown(count)])
    return out.getvalue()
