"""What the drug-alert pages show and read: report answers by label, durations in words, the alert form's
fields as typed (kept on an error) and turned into the values supply/alerts.py takes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from starlette.datastructures import FormData

from smsbot.dashboard import i18n
from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.i18n import N_, _, ngettext
from smsbot.replies.said import Said, told
from smsbot.supply import areas
from smsbot.supply.alerts import AlertView

# A report's answers in the order the texter gave them, as a reviewer reads them.
ANSWER_LABELS = (
    ("opening", N_("First text")),
    ("what", N_("What it looked like or was sold as")),
    ("happened", N_("What happened")),
    ("where", N_("Roughly where")),
    ("when", N_("Roughly when")),
)
# English ids: the templates show them through _() (the page's language)
LANGUAGE_NAMES = {"en": N_("English"), "es": N_("Spanish")}
STATUS_WORDS = {
    "draft": N_("Draft"),
    "approved": N_("Approved"),
    "sending": N_("Sending"),
    "sent": N_("Sent"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired"),
}
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # an <input type="datetime-local"> value
# The sending-speed note: how long 50,000 texts take at the rates a Twilio number allows.
SPEED_EXAMPLES = (1, 3, 100)
SPEED_EXAMPLE_TEXTS = 50_000


def duration(seconds: float) -> str:
    """ "8 minutes", "4.6 hours", "14 hours": how long sending takes, in words."""
    if seconds < 90:
        return ngettext("%(num)s second", "%(num)s seconds", max(1, round(seconds)))
    if seconds < 90 * 60:
        return _("%(num)s minutes", num=round(seconds / 60))
    hours = seconds / 3600
    if hours < 10:
        return _("%(num)s hours", num=_decimal(hours))
    if hours < 48:
        return _("%(num)s hours", num=round(hours))
    return _("%(num)s days", num=_decimal(hours / 24))


def _decimal(value: float) -> str:
    """One decimal, with the page language's decimal mark (4.6, 4,6)."""
    return format_decimal(round(value, 1), format="0.0", locale=i18n.locale())


def per_second(rate: float) -> str:
    shown = f"{rate:g}"
    return _("%(num)s text a second", num=shown) if shown == "1" else _("%(num)s texts a second", num=shown)


def speed_note(rate: float) -> str:
    examples = ", ".join(
        _("%(time)s at %(rate)s/s", time=duration(SPEED_EXAMPLE_TEXTS / r), rate=r) for r in SPEED_EXAMPLES
    )
    if rate > 0:
        setting = _("This line sends %(speed)s", speed=per_second(rate))
    else:
        setting = _("This line sends as fast as Twilio takes")
    return _(
        "%(setting)s (SMSBOT_SEND_RATE). Sending speed depends on the number type: "
        "%(texts)s texts take %(examples)s.",
        setting=setting,
        texts=format_decimal(SPEED_EXAMPLE_TEXTS, locale=i18n.locale()),
        examples=examples,
    )


def time_for(count: str, rate: float) -> str | None:
    """How long sending to `count` subscribers (as shown: "<5" or a number) takes at `rate`, in words."""
    if rate <= 0 or count in ("0", ""):
        return None
    if not count.isdigit():
        return _("a few seconds")
    return _("about %(time)s", time=duration(int(count) / rate))


def _text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def ids_of(form: FormData, name: str = "report_ids") -> list[int]:
    """Ticked ids (a box whose value is not a plain small number is ignored: nothing to tick)."""
    found = []
    for value in form.getlist(name):
        if isinstance(value, str) and value.isdigit() and len(value) <= 9:
            found.append(int(value))
    return found


@dataclass
class AlertForm:
    """The alert form as typed: shown again as it was when something is wrong."""

    text_en: str = ""
    text_es: str = ""
    languages: set[str] = field(default_factory=lambda: {"en", "es"})
    area_kind: str = "zips"  # zips | radius
    zips: str = ""
    center_zip: str = ""  # a ZIP, or a point as latitude,longitude ("40.7128,-74.0060")
    radius: str = ""
    expires_at: str = ""

    @classmethod
    def of(cls, view: AlertView, timezone: str) -> AlertForm:
        written = set(view.languages)
        return cls(
            text_en=view.text_en or "",
            text_es=view.text_es or "",
            languages=written or {"en", "es"},
            area_kind="radius" if view.center_zip or view.center_point else "zips",
            zips="" if view.center_zip or view.center_point else ", ".join(view.zips),
            center_zip=view.center_zip or view.center_point or "",
            radius=f"{view.radius_miles:g}" if view.radius_miles is not None else "",
            expires_at=local_input(view.expires_at, timezone),
        )

    @classmethod
    def typed(cls, form: FormData) -> AlertForm:
        return cls(
            text_en=_text(form, "text_en"),
            text_es=_text(form, "text_es"),
            languages={v for v in form.getlist("languages") if v in LANGUAGE_NAMES},
            area_kind="radius" if form.get("area_kind") == "radius" else "zips",
            zips=_text(form, "zips", 4000),
            center_zip=_text(form, "center_zip", 40).strip(),
            radius=_text(form, "radius", 20).strip(),
            expires_at=_text(form, "expires_at", 40).strip(),
        )

    def changes(self, current: AlertView, timezone: str) -> tuple[dict[str, Any], FormErrors]:
        """The keyword arguments for edit_alert (only what changed), or what is wrong, in words."""
        errors, values = FormErrors(), {}
        if not self.languages:
            errors.add("languages", _("Pick at least one language to send the alert in."))
        for code in ("en", "es"):
            typed = " ".join(getattr(self, f"text_{code}").split())
            if code in self.languages and not typed:
                words = (
                    _("Write the English text, or untick English below.")
                    if code == "en"
                    else _("Write the Spanish text, or untick Spanish below.")
                )
                errors.add(f"text_{code}", words)
            wanted = typed if code in self.languages else None
            if (wanted or None) != (getattr(current, f"text_{code}") or None):
                values[f"text_{code}"] = wanted
        values.update(self._area(current, errors))
        if self.expires_at[:16] != local_input(current.expires_at, timezone):  # shown to the minute
            expiry = self._expiry(timezone, errors)
            if expiry is not None:
                values["expires_at"] = expiry
        return values, errors

    def _area(self, current: AlertView, errors: FormErrors) -> dict[str, Any]:
        if self.area_kind == "zips":
            typed = [z for z in re.split(r"[\s,;]+", self.zips) if z]
            if (
                current.center_zip is None
                and current.center_point is None
                and sorted(set(typed)) == current.zips
            ):
                return {}
            if not typed and not current.zips:
                return {}  # no area yet: it can be picked later (sending asks for one)
            return {"zips": self.zips}
        radius = _number(self.radius)
        if radius is None:
            errors.add("radius", _("Give the distance in miles, like 5 or 2.5."))
            return {}
        if not self.center_zip:
            errors.add(
                "center_zip",
                _("Give the ZIP code or the point at the centre, like 22902 or 38.0293,-78.4767."),
            )
            return {}
        if self.center_zip in (current.center_zip, current.center_point) and radius == current.radius_miles:
            return {}
        if areas.zip5(self.center_zip) is None:  # not a ZIP: a point on the map (supply/areas.py checks it)
            return {"center_point": self.center_zip, "radius_miles": radius}
        return {"center_zip": self.center_zip, "radius_miles": radius}

    def _expiry(self, timezone: str, errors: FormErrors) -> datetime | None:
        if not self.expires_at:
            errors.add("expires_at", _("Give the day and time the alert stops being true."))
            return None
        try:
            local = datetime.strptime(self.expires_at[:16], LOCAL_INPUT)
        except ValueError:
            errors.add("expires_at", _("Give the day and time like 03/05/2026, 06:00 PM."))
            return None
        return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(ZoneInfo("UTC"))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def local_input(when: datetime | None, timezone: str) -> str:
    return when.astimezone(ZoneInfo(timezone)).strftime(LOCAL_INPUT) if when else ""


def _readable(line: str) -> tuple[str | None, str]:
    """ "en alert: 1/2 segments" -> ("en", "1/2 segments"): the checker's lines by language, in the
    page's language."""
    if isinstance(line, Said):
        label, what = line.where(), line.what()
        for code in LANGUAGE_NAMES:
            if label == f"{code} alert":
                return code, told(what.capitalised(), _) if isinstance(what, Said) else _capital(what)
        if label is None:
            return None, told(line.capitalised(), _)
    for code in LANGUAGE_NAMES:
        prefix = f"{code} alert: "
        if line.startswith(prefix):
            return code, _capital(line[len(prefix) :])
    return None, _capital(line)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def check_by_language(check) -> dict[str | None, dict[str, list[str]]]:
    """The check's notes and problems per language (None: about the alert as a whole)."""
    found: dict[str | None, dict[str, list[str]]] = {}
    for kind, lines in (("notes", check.notes), ("problems", check.problems)):
        for line in lines:
            code, words = _readable(line)
            found.setdefault(code, {"notes": [], "problems": []})[kind].append(words)
    return found


def hours_words(hours: float) -> str:
    """The time from a first report to its alert: "under a minute", "25 minutes", "3.5 hours"."""
    return _("under a minute") if hours * 3600 < 60 else duration(hours * 3600)
