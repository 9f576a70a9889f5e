"""What the participants pages share: the words and times as people read them, and the typed form.

Times show as the time box shows them ("6:00 PM"), time zones by a friendly name, days as "every day"
or "Mon, Wed", all in the staff member's language; a form's values are kept as typed so a refused form
comes back as it was, and a refusal is worded beside its field.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import Request
from starlette.datastructures import FormData

from smsbot.actor import Actor, Door
from smsbot.auth.sessions import Viewer
from smsbot.checkins import rules, service
from smsbot.checkins.schedule import DAY_NAMES
from smsbot.dashboard import i18n, queries
from smsbot.dashboard.forms import FORM, FormErrors
from smsbot.dashboard.i18n import _
from smsbot.dashboard.web import language_for
from smsbot.errors import N_, DomainError

SHORT_DAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
DAYS = tuple(zip(DAY_NAMES, SHORT_DAYS, strict=True))  # (code, English label: translate where shown)
DONE = {
    "enrolled": N_("Enrolled. The invitation goes out now; check-ins start when they reply JOIN."),
    "paused": N_("Check-ins are paused."),
    "resumed": N_("Check-ins are back on."),
    "schedule": N_("The new time is saved; the next check-in is worked out from it."),
    "saved": N_("Saved. Any new time takes effect from the next check-in."),
    "stopped": N_("Check-ins are stopped for this participant. They stay in the archive with their history."),
    "opted-out": N_("Opt-out recorded: this number gets no more texts from the line."),
    "moved": N_(
        "The new number is saved and gets an invitation now; check-ins start again when they "
        "reply JOIN. The old number gets nothing more."
    ),
}
# A participant's state and a check-in's, in words (English ids; the templates translate them)
STATUS_WORDS = {
    "invited": N_("invited"),
    "active": N_("active"),
    "paused": N_("paused"),
    "ended": N_("stopped"),
    "stopped": N_("opted out"),
    "expired": N_("invitation expired"),
}
CHECKIN_WORDS = {
    "waiting": N_("waiting"),
    "reminded": N_("reminded"),
    "answered": N_("answered"),
    "no_reply": N_("no reply"),
    "unreachable": N_("unreachable"),
    "missed_by_system": N_("missed by the system"),
    "superseded": N_("superseded"),
    "closed": N_("closed"),
}
FIELDS = ("phone", "nickname", "time", "timezone", "reply_window_minutes", "language", "staff_id")


def clock12(hhmm: str | None) -> str:
    """ "18:05" -> "6:05 PM" ("6:05 p. m." in Spanish): the way the time box shows it."""
    if not hhmm:
        return "—"
    hour, minute = (int(part) for part in hhmm.split(":"))
    half = _("AM") if hour < 12 else _("PM")
    return f"{hour % 12 or 12}:{minute:02d} {half}"


def when(value: datetime | str | None, timezone: str | None) -> str:
    """A moment in the participant's time zone, as people say it: "Wed 4 Mar, 6:00 PM" (day and
    month names in the page's language)."""
    if value is None or value == "":
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(ZoneInfo(timezone or "UTC"))
    if i18n.current() == i18n.DEFAULT:
        day = f"{local:%a} {local.day} {local:%b}"
    else:
        day = format_datetime(local, "EEE d MMM", locale=i18n.locale())
    return f"{day}, {clock12(f'{local:%H:%M}')}"


def days_label(days: list[str], every_day: bool) -> str:
    if every_day:
        return _("every day")
    return ", ".join(_(label) for code, label in DAYS if code in days)


def tz_label(name: str) -> str:
    return _(rules.timezone_label(name))


def status_words(status: str | None) -> str:
    """A participant's state in words ("paused"), in the page's language."""
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status or "—"


def checkin_words(status: str | None) -> str:
    """What happened to a check-in ("no reply"), in the page's language (with "_" or a space)."""
    key = (status or "").replace(" ", "_")
    return _(CHECKIN_WORDS[key]) if key in CHECKIN_WORDS else status or ""


def answer_words(kind: str | None, empty: str = "—") -> str:
    """A check-in's answer ("asked for a call"), in the page's language."""
    return _(queries.ANSWERS[kind]) if kind in queries.ANSWERS else kind or empty


HELPERS = {
    "clock12": clock12,
    "when": when,
    "days_label": days_label,
    "tz_label": tz_label,
    "status_words": status_words,
    "checkin_words": checkin_words,
    "answer_words": answer_words,
}


def speak(request: Request) -> None:
    """Word what a handler says before render() in the staff member's own language (the request
    may have come before the cookie that carries their choice)."""
    i18n.use(language_for(request, getattr(request.state, "viewer", None)))


def form_errors(request: Request, err: DomainError, is_admin: bool, field: str | None = None) -> FormErrors:
    """A refusal beside its field, in the page's language: several fields' each beside its own
    (`parts`), else the one (`err.field`, else `field`, else the whole form)."""
    speak(request)
    parts = getattr(err, "parts", None) or {err.field or field or FORM: err}
    return FormErrors({name: part.told_to(is_admin, translate=_) for name, part in parts.items()})


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
    return [(name, _(label)) for name, label in names.items()]


def form_context(request: Request, viewer: Viewer, values: dict) -> dict:
    speak(request)
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
        "regions": rules.places(settings.phone_region_codes, translate=_),
        **HELPERS,
    }


def change(request: Request, viewer: Viewer, enrollment_id: int, **fields) -> None:
    """One change through the service, in the request's one transaction."""
    with request.app.state.ctx.db.transaction() as conn:
        service.change(conn, actor(viewer), now(request), program(request), enrollment_id, **fields)
