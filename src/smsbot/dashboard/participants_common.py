"""What the participants pages share: the words and times as people read them, and the typed form.

Times show as the time box shows them ("6:00 PM"), time zones by a friendly name, days as "every day"
or "Mon, Wed"; a form's values are kept as typed so a refused form comes back as it was.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import Request
from starlette.datastructures import FormData

from smsbot.actor import Actor, Door
from smsbot.auth.sessions import Viewer
from smsbot.checkins import rules, service
from smsbot.checkins.schedule import DAY_NAMES
from smsbot.dashboard import queries

DAYS = tuple(zip(DAY_NAMES, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))
DONE = {
    "enrolled": "Enrolled. The invitation goes out now; check-ins start when they reply JOIN.",
    "paused": "Check-ins are paused.",
    "resumed": "Check-ins are back on.",
    "schedule": "The new time is saved; the next check-in is worked out from it.",
    "saved": "Saved. Any new time takes effect from the next check-in.",
    "stopped": "Check-ins are stopped for this participant. They stay in the archive with their history.",
    "opted-out": "Opt-out recorded: this number gets no more texts from the line.",
    "moved": "The new number is saved and gets an invitation now; check-ins start again when they "
    "reply JOIN. The old number gets nothing more.",
}
FIELDS = ("phone", "nickname", "time", "timezone", "reply_window_minutes", "language", "staff_id")


def clock12(hhmm: str | None) -> str:
    """ "18:05" -> "6:05 PM": the way the time box shows it."""
    if not hhmm:
        return "—"
    hour, minute = (int(part) for part in hhmm.split(":"))
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def when(value: datetime | str | None, timezone: str | None) -> str:
    """A moment in the participant's time zone, as people say it: "Wed 4 Mar, 6:00 PM"."""
    if value is None or value == "":
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(ZoneInfo(timezone or "UTC"))
    return f"{local:%a} {local.day} {local:%b}, {clock12(f'{local:%H:%M}')}"


def days_label(days: list[str], every_day: bool) -> str:
    return "every day" if every_day else ", ".join(label for code, label in DAYS if code in days)


HELPERS = {"clock12": clock12, "when": when, "days_label": days_label, "tz_label": rules.timezone_label}


def actor(viewer: Viewer) -> Actor:
    return Actor.of_staff(viewer.staff, Door.PAGE)


def now(request: Request) -> datetime:
    return request.app.state.ctx.clock.now()


def program(request: Request) -> service.Program:
    return service.Program.of(request.app.state.ctx)


def text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def typed(form: FormData) -> dict:
    """What was typed, as the form shows it again (every field, the number included)."""
    values: dict = {name: text(form, name) or "" for name in FIELDS}
    values["days"] = [d for d in form.getlist("days") if isinstance(d, str)]
    mode = form.get("days_mode")  # "every" or "some"; a form without the choice: the boxes decide
    values["days_mode"] = mode if mode in ("every", "some") else ("some" if values["days"] else "")
    return values


def service_fields(values: dict) -> dict:
    """The typed values as the service takes them (blank means "leave as it is" / the default)."""
    staff = values.get("staff_id") or ""
    fields = {name: values[name] or None for name in FIELDS if name not in ("phone", "staff_id")}
    fields["staff_id"] = int(staff) if staff.isdigit() and len(staff) < 10 else (None if not staff else -1)
    # "every" is all seven; no choice at all (an older form) leaves the days as they are.
    mode = values["days_mode"]
    fields["days"] = list(DAY_NAMES) if mode == "every" else (values["days"] if mode == "some" else None)
    return fields


def timezones(current: str | None, default: str) -> list[tuple[str, str]]:
    names = dict(rules.TIMEZONES)
    for extra in (current, default):
        if extra and extra not in names:
            names[extra] = rules.timezone_label(extra)
    return list(names.items())


def form_context(request: Request, viewer: Viewer, values: dict) -> dict:
    settings = request.app.state.ctx.settings
    peers = []
    if viewer.is_admin:
        with request.app.state.ctx.db.transaction() as conn:
            peers = queries.staff_choices(conn)
    return {
        "values": values,
        "days": DAYS,
        "timezones": timezones(values.get("timezone"), settings.default_timezone),
        "languages": rules.LANGUAGES,
        "peers": peers,
        "default_window": settings.reply_window_minutes,
        "regions": rules.places(settings.phone_region_codes),
        **HELPERS,
    }


def change(request: Request, viewer: Viewer, enrollment_id: int, **fields) -> None:
    """One change through the service, in the request's one transaction."""
    with request.app.state.ctx.db.transaction() as conn:
        service.change(conn, actor(viewer), now(request), program(request), enrollment_id, **fields)
