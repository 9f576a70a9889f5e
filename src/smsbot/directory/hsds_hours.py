"""HSDS schedule rows (3.0 keys; 1.x/2.0 rows are rewritten to them by hsds.py) → a service's hours.

`schedule_from_hsds` (schedules.py) reads them; a row it cannot read is left out with a warning
naming its file line, and the rest of the service's schedule is kept.
"""

from __future__ import annotations

from smsbot.directory.hours import HoursError, WeeklyHours
from smsbot.directory.schedules import schedule_from_hsds


def hours_from_rows(rows: list[dict[str, str]], where: list[str]) -> tuple[WeeklyHours | None, list[str]]:
    """(hours, warnings): all rows at once; when one is unreadable, each alone to name the bad ones."""
    if not rows:
        return None, []
    try:
        return schedule_from_hsds(rows), []
    except (HoursError, ValueError):
        pass
    good, warnings = [], []
    for row, place in zip(rows, where or [""] * len(rows), strict=False):
        try:
            schedule_from_hsds([row])
            good.append(row)
        except (HoursError, ValueError) as exc:
            reason = str(exc).split(": ", 1)[-1] if str(exc).startswith("schedule row") else str(exc)
            warnings.append(f"{place}: schedule not understood ({reason}); left out".lstrip(": "))
    try:
        return (schedule_from_hsds(good) if good else None), warnings
    except (HoursError, ValueError) as exc:
        return None, [*warnings, f"schedule not understood ({exc}); imported without hours"]
