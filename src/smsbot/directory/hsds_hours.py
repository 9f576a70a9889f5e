"""HSDS schedule rows (3.0 keys; 1.x/2.0 rows are rewritten to them by hsds.py) → a service's hours.

`schedule_from_hsds` (schedules.py) reads them; a row it cannot read is left out with a warning
naming its file line, and the rest of the service's schedule is kept. Before schedules.py exists,
the weekly rows are read the old way (WEEKLY only, rows outside valid_from/valid_to dropped).
"""

from __future__ import annotations

import re
from datetime import date

from smsbot.directory.hours import DAY_CODES, HoursError, WeeklyHours, from_weekly_rows, parse_time
from smsbot.directory.records import parse_date

try:  # H7's reader (issue 10); the fallback below goes once it has landed
    from smsbot.directory.schedules import schedule_from_hsds  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the other half of issue 10
    schedule_from_hsds = None


def _clock(text: str) -> int:
    # "09:00-05:00", "09:00:00+01:00", "09:00Z" → local wall-clock 09:00: the ZIP's zone knows DST.
    text = text.strip()
    return parse_time(re.sub(r"(?:[zZ]|[+-]\d{2}:?\d{2})$", "", text) if len(text) > 5 else text)


def _weekly(rows: list[dict[str, str]], today: date | None) -> WeeklyHours | None:
    weekly = []
    for row in rows:
        valid_from, valid_to = parse_date(row.get("valid_from")), parse_date(row.get("valid_to"))
        if today and ((valid_to and valid_to < today) or (valid_from and valid_from > today)):
            continue
        if row.get("closed") == "true":
            continue
        if (row.get("freq") or "WEEKLY").upper() != "WEEKLY":
            raise HoursError(f"a {row['freq']} schedule is not weekly hours")
        days = []
        for part in (row.get("byday") or "").split(","):
            code = re.sub(r"^[+-]?\d+", "", part.strip()).lower()[:2]
            if code not in DAY_CODES:
                raise HoursError(f"byday {part.strip()!r} is not a day (MO..SU)")
            days.append(DAY_CODES.index(code))
        if not row.get("opens_at") or not row.get("closes_at"):
            raise HoursError("no opens_at/closes_at")
        weekly.append((days, _clock(row["opens_at"]), _clock(row["closes_at"])))
    return from_weekly_rows(weekly)


def _read(rows: list[dict[str, str]], today: date | None) -> WeeklyHours | None:
    if schedule_from_hsds is not None:
        return schedule_from_hsds(rows)
    return _weekly(rows, today)


def hours_from_rows(
    rows: list[dict[str, str]], where: list[str], today: date | None
) -> tuple[WeeklyHours | None, list[str]]:
    """(hours, warnings): all rows at once; when one is unreadable, each alone to name the bad ones."""
    if not rows:
        return None, []
    try:
        return _read(rows, today), []
    except (HoursError, ValueError, KeyError):
        pass
    good, warnings = [], []
    for row, place in zip(rows, where or [""] * len(rows), strict=False):
        try:
            _read([row], today)
            good.append(row)
        except (HoursError, ValueError, KeyError) as exc:
            reason = str(exc) if not isinstance(exc, KeyError) else f"no {exc.args[0]}"
            warnings.append(f"{place}: schedule not understood ({reason}); left out".lstrip(": "))
    try:
        return (_read(good, today) if good else None), warnings
    except (HoursError, ValueError, KeyError) as exc:
        return None, [*warnings, f"schedule not understood ({exc}); imported without hours"]
