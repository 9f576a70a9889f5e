"""The audit log as people read it: filtered by who, what and when, with names instead of numbers.

A row names people and objects by id; here, at display time, a staff id becomes the staff member's
name, an enrollment its participant's nickname, a service its name, an alert whose it is, a wording
version its reply and version. A sign-in stopped by the limit reads "sign-in locked for <login>".
All of it in the page's language (the names and details as they were recorded).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from smsbot.audit.log import ACTIONS
from smsbot.dashboard.i18n import N_, _
from smsbot.dashboard.numbers import Period
from smsbot.models import Alert, AuditLog, Enrollment, Service, Staff, WordingVersion
from smsbot.supply import audited as _supply_actions  # noqa: F401  (registers the drug-supply actions)

audit_log, staff_t, enrollment_t, alert_t, service_t, wording_t = (
    AuditLog.__table__,
    Staff.__table__,
    Enrollment.__table__,
    Alert.__table__,
    Service.__table__,
    WordingVersion.__table__,
)
PAGE_SIZE = 100
NOBODY = "nobody"  # the "who" filter for rows without a signed-in actor (sign-in attempts, the system)
SIGN_IN_ACTIONS = ("sign_in_blocked", "sign_in_failed")
LOGIN_PREFIX = "login: "  # pages_auth.py records a login that names nobody this way
# Kinds shown by name (a missing one was removed).
RESOLVED = ("enrollment", "alert", "service", "wording_version")
# Kind -> (what an object of it is called, and once removed); other kinds read "a <kind>" in English.
KINDS = {
    "enrollment": (N_("an enrollment"), N_("an enrollment since removed")),
    "alert": (N_("an alert"), N_("an alert since removed")),
    "service": (N_("a service"), N_("a service since removed")),
    "wording_version": (N_("a wording version"), N_("a wording version since removed")),
    "supply_alert": (N_("a supply alert"), N_("a supply alert")),
    "supply_report": (N_("a supply report"), N_("a supply report")),
    "broadcast": (N_("a broadcast"), N_("a broadcast")),
}


@dataclass(frozen=True)
class Filters:
    who: str = ""  # "" anyone, a staff id, or NOBODY
    what: str = ""  # "" anything, or an action
    period: Period | None = None
    before: int | None = None

    def query(self, typed: Mapping[str, str]) -> dict[str, str]:
        """The filters as URL parameters (for "Older" and the filter form)."""
        return {k: v for k, v in {"who": self.who, "what": self.what, **typed}.items() if v}


def choose_filters(
    params: Mapping[str, str], staff_ids: set[int], today: date, zone: str
) -> tuple[Filters, dict[str, str]]:
    """Filters from the query string, and errors by field (an unknown choice is ignored, not an error)."""
    who = (params.get("who") or "").strip()
    if who != NOBODY and not (who.isdigit() and len(who) < 12 and int(who) in staff_ids):
        who = ""
    what = (params.get("what") or "").strip()
    what = what if what in ACTIONS else ""
    before = (params.get("before") or "").strip()
    before_id = int(before) if before.isdigit() and len(before) < 12 else None
    first, last = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    errors: dict[str, str] = {}
    period = None
    if first or last:
        period, errors = _dates(first, last, today, zone)
    return Filters(who, what, period, before_id), errors


def _dates(first: str, last: str, today: date, zone: str) -> tuple[Period | None, dict[str, str]]:
    try:
        start = date.fromisoformat(first) if first else date(2000, 1, 1)
    except ValueError:
        return None, {"from": _("Type the first day as a date, for example 2026-03-01.")}
    try:
        end = date.fromisoformat(last) if last else today
    except ValueError:
        return None, {"to": _("Type the last day as a date, for example 2026-03-31.")}
    if end < start:
        return None, {"to": _("The last day must be the same as the first day or after it.")}
    return Period(max(start, date(2000, 1, 1)), min(end, date(9998, 12, 30)), zone), {}


def rows(conn: Connection, filters: Filters, limit: int = PAGE_SIZE) -> list:
    """Audit rows, newest first, that match the filters."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if filters.who == NOBODY:
        query = query.where(audit_log.c.actor_id.is_(None))
    elif filters.who:
        person = int(filters.who)
        query = query.where(
            or_(
                audit_log.c.actor_id == person,
                and_(  # a sign-in attempt on their account, by whoever typed it
                    audit_log.c.actor_id.is_(None),
                    audit_log.c.action.in_(SIGN_IN_ACTIONS),
                    audit_log.c.object_type == "staff",
                    audit_log.c.object_id == person,
                ),
            )
        )
    if filters.what:
        query = query.where(audit_log.c.action == filters.what)
    if filters.period is not None:
        query = query.where(
            audit_log.c.at >= filters.period.start_utc, audit_log.c.at < filters.period.end_utc
        )
    if filters.before is not None:
        query = query.where(audit_log.c.id < filters.before)
    return conn.execute(query).all()


def staff_names(conn: Connection) -> dict[int, str]:
    return {row.id: row.name for row in conn.execute(select(staff_t.c.id, staff_t.c.name))}


def _names(conn: Connection, found: list) -> dict[str, dict[int, str]]:
    """Display names of the objects on this page, one query per kind of object."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in found:
        if row.object_type and row.object_id is not None:
            wanted[row.object_type].add(row.object_id)
    names: dict[str, dict[int, str]] = defaultdict(dict)
    if wanted["enrollment"]:
        query = select(enrollment_t.c.id, enrollment_t.c.nickname).where(
            enrollment_t.c.id.in_(wanted["enrollment"])
        )
        names["enrollment"] = {i: _("participant “%(name)s”", name=nick) for i, nick in conn.execute(query)}
    if wanted["alert"]:
        query = (
            select(alert_t.c.id, enrollment_t.c.nickname)
            .select_from(alert_t.outerjoin(enrollment_t, enrollment_t.c.id == alert_t.c.enrollment_id))
            .where(alert_t.c.id.in_(wanted["alert"]))
        )
        names["alert"] = {
            i: _("an alert about “%(name)s”", name=nick) if nick else _("an alert")
            for i, nick in conn.execute(query)
        }
    if wanted["service"]:
        query = select(service_t.c.id, service_t.c.name).where(service_t.c.id.in_(wanted["service"]))
        names["service"] = {i: _("service “%(name)s”", name=name) for i, name in conn.execute(query)}
    if wanted["wording_version"]:
        query = select(wording_t.c.id, wording_t.c.key, wording_t.c.version).where(
            wording_t.c.id.in_(wanted["wording_version"])
        )
        names["wording_version"] = {
            i: _("reply “%(key)s”, version %(version)s", key=key, version=n)
            for i, key, n in conn.execute(query)
        }
        names["wording_link"] = {i: f"/wording/{key}#version-{n}" for i, key, n in conn.execute(query)}
    return names


def _login(detail: str | None) -> str | None:
    return detail.removeprefix(LOGIN_PREFIX) if detail and detail.startswith(LOGIN_PREFIX) else None


def entries(conn: Connection, found: list, people: Mapping[int, str]) -> list[dict]:
    """What the page shows for each row: when, who, what, about what, and the detail."""
    names = _names(conn, found)
    return [_entry(row, people, names) for row in found]


def _entry(row, people: Mapping[int, str], names: Mapping[str, Mapping[int, str]]) -> dict:
    target = _object(row, people, names) or ""
    actor = people.get(row.actor_id, _("a removed account")) if row.actor_id is not None else None
    detail = row.detail or ""
    if row.action in SIGN_IN_ACTIONS:
        login = _login(row.detail)
        whose = target or actor or (f"“{login}”" if login else _("a name"))
        if row.action == "sign_in_blocked":
            what = _("sign-in locked for %(whose)s", whose=whose)
        else:
            what = _("failed sign-in for %(whose)s", whose=whose)
        if login:
            detail, target = _("no account has this name"), ""
        actor = actor or _("someone signing in")
    else:
        known = ACTIONS.get(row.action)
        what = _(known) if known else row.action.replace("_", " ")
        actor = actor or (_("someone at the server") if "command line" in detail else _("the system"))
    link = names.get("wording_link", {}).get(row.object_id) if row.object_type == "wording_version" else None
    return {
        "id": row.id,
        "at": row.at,
        "actor": actor,
        "what": what,
        "object": target,
        "detail": detail,
        "link": link,
    }


def _object(row, people: Mapping[int, str], names: Mapping[str, Mapping[int, str]]) -> str | None:
    if not row.object_type:
        return None
    kind = row.object_type
    if row.object_id is None:
        return kind.replace("_", " ")
    if kind == "staff":
        return people.get(row.object_id, _("a removed account"))
    found = names.get(kind, {}).get(row.object_id)
    if found:
        return found
    if kind in KINDS:
        return _(KINDS[kind][1] if kind in RESOLVED else KINDS[kind][0])
    label = kind.replace("_", " ")
    article = "an" if label[:1] in "aeiou" else "a"
    return f"{article} {label}"
