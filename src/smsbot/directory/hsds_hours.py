"""HSDS schedule rows (3.0 keys; 1.x/2.0 rows are rewritten to them by hsds.py) → a service's hours.

`schedule_from_hsds` (schedules.py) reads them; a row it cannot read is left out with a warning
naming its file line, and the rest of the service's schedule is kept.
"""

from __future__ import annotations

from functools import lru_cache

from smsbot.directory.hours import HoursError, WeeklyHours
from smsbot.directory.schedules import schedule_from_hsds

# What a schedule row says about time (ids, links and free text are left out, so the thousands of
# services of an export that share "Mo-Fr 9-5" are read once).
SCHEDULE_KEYS = (
    "freq",
    "interval",
    "byday",
    "bymonthday",
    "opens_at",
    "closes_at",
    "valid_from",
    "valid_to",
    "until",
    "dtstart",
    "wkst",
    "count",
    "weekday",
    "closed",
    "start_date",
    "end_date",
)


def _key(rows: list[dict[str, str]]) -> tuple:
    return tuple(tuple(row.get(k) or "" for k in SCHEDULE_KEYS) for row in rows)


@lru_cache(maxsize=4096)
def _cached(key: tuple) -> WeeklyHours | None:
    return schedule_from_hsds([dict(zip(SCHEDULE_KEYS, values, strict=True)) for values in key])


def _read(rows: list[dict[str, str]]) -> WeeklyHours | None:
    return _cached(_key(rows))


def hours_from_rows(rows: list[dict[str, str]], where: list[str]) -> tuple[WeeklyHours | None, list[str]]:
    """(hours, warnings): all rows at once; when one is unreadable, each alone to name the bad ones."""
    if not rows:
        return None, []
    try:
        return _read(rows), []
    except (HoursError, ValueError):
        pass
    good, warnings = [], []
    for row, place in zip(rows, where or [""] * len(rows), strict=False):
        try:
            _read([row])
            good.append(row)
        except (HoursError, ValueError) as exc:
            reason = str(exc).split(": ", 1)[-1] if str(exc).startswith("schedule row") else str(exc)
            warnings.append(f"{place}: schedule not understood ({reason}); left out".lstrip(": "))
    try:
        return (_read(good) if good else None), warnings
    except (HoursError, ValueError) as exc:
        return None, [*warnings, f"schedule not understood ({exc}); imported without hours"]
