"""Reading the directory on the staff side (any signed-in staff): one service, a page of the list,
and "what a texter near this ZIP would be answered", the reply and its places in the reply's order.

Every door shows the same view of a service (`view`): the API returns it as JSON, the pages render it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection, Row

from smsbot.actor import Actor
from smsbot.directory.categories import CATEGORIES, normalize_category
from smsbot.directory.conversation import SITES_CATEGORIES, directory_answer
from smsbot.directory.geo import normalize_zip, zip_point
from smsbot.directory.hours import HoursError, from_json
from smsbot.directory.search import places_by_id, rank
from smsbot.directory.store import categories_of, edited, service, service_category, stale_filter
from smsbot.errors import N_, Invalid, NotFound
from smsbot.replies.wording import Wording

STALE_MONTHS = 6  # "needs a check": never verified, or not for this long
NO_SUCH_SERVICE = N_("There is no such service in the directory.")


def reasons(text: str | None) -> dict[str, str]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def hours_text(stored: str | None) -> str | None:
    if not stored:
        return None
    try:
        return from_json(stored).describe()
    except (HoursError, ValueError, KeyError, TypeError):
        return None


def view(row: Row, categories: Sequence[str]) -> dict[str, Any]:
    """A service as staff see it (the API's JSON shape): never anything about a texter."""
    return {
        "id": row.id,
        "name": row.name,
        "organization": row.organization,
        "categories": list(categories),
        "address": row.address,
        "city": row.city,
        "state": row.state,
        "zip": row.zip,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "phone": row.phone,
        "phone_extension": row.phone_extension,
        "hours": hours_text(row.hours),
        "timezone": row.timezone,
        "notes": row.notes,
        "last_verified": row.last_verified.isoformat() if row.last_verified else None,
        "is_demo": bool(row.is_demo),
        "source": row.source,
        "location_kind": row.location_kind,
        "service_area": row.service_area,
        "languages": row.languages.split() if row.languages else [],
        "category_reasons": reasons(row.category_reasons),
        "edited_fields": edited(row.edited_fields),
        "imported_at": _iso(getattr(row, "imported_at", None)),
        "updated_at": _iso(row.updated_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def load(conn: Connection, service_id: int) -> Row:
    row = conn.execute(select(service).where(service.c.id == service_id)).first()
    if row is None:
        raise NotFound(NO_SUCH_SERVICE)
    return row


def get(conn: Connection, actor: Actor, now: datetime, service_id: int) -> dict[str, Any]:
    """One service (any staff member may read the directory)."""
    row = load(conn, service_id)
    return view(row, categories_of(conn, [service_id])[service_id])


def category_choice(text: str | None) -> list[str] | None:
    """ "sites" (what SITES answers), a category by any accepted name, or nothing (None)."""
    if not text or not text.strip():
        return None
    if text.strip().lower() == "sites":
        return list(SITES_CATEGORIES)
    found = normalize_category(text)
    if found is None:
        words = ", ".join(c.replace("_", " ") for c in CATEGORIES)
        raise Invalid(
            N_("Choose harm reduction sites or one of: %(words)s."), field="category", values={"words": words}
        )
    return [found]


@dataclass
class Listing:
    services: list[dict[str, Any]]
    more: bool  # another page follows
    total: int  # services in the directory
    stale: int  # of which need a check
    demo: int  # of which are demo data


def browse(
    conn: Connection,
    actor: Actor,
    now: datetime,
    *,
    q: str | None = None,
    category: str | None = None,
    needs_check: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> Listing:
    """The directory by name: matching a text (name, organization, city, ZIP, street), a category,
    or needing a check."""
    categories = category_choice(category)
    query = select(service).order_by(func.lower(service.c.name), service.c.id)
    if needs_check:
        query = query.where(stale_filter(now.date(), STALE_MONTHS))
    if q and q.strip():
        like = f"%{q.strip()[:100].lower()}%"
        columns = (service.c.name, service.c.organization, service.c.city, service.c.zip, service.c.address)
        query = query.where(or_(*(func.lower(c).like(like) for c in columns)))
    if categories:
        chosen = select(service_category.c.service_id).where(service_category.c.category.in_(categories))
        query = query.where(service.c.id.in_(chosen))
    rows = list(conn.execute(query.limit(limit + 1).offset(max(0, offset))))
    cats = categories_of(conn, [r.id for r in rows])
    count = select(func.count()).select_from(service)
    return Listing(
        services=[view(r, cats[r.id]) for r in rows[:limit]],
        more=len(rows) > limit,
        total=conn.execute(count).scalar_one(),
        stale=conn.execute(count.where(stale_filter(now.date(), STALE_MONTHS))).scalar_one(),
        demo=conn.execute(count.where(service.c.is_demo.is_(True))).scalar_one(),
    )


@dataclass
class Nearby:
    zip: str
    radius_miles: float
    categories: list[str]
    language: str
    reply: str  # the text the texter gets, exactly
    in_reply: int  # how many of `services` that text names (MORE gives the rest)
    services: list[dict[str, Any]]  # each with miles and open_now, in the order a texter gets them


def near(
    conn: Connection,
    actor: Actor,
    now: datetime,
    zip_code: str | None,
    category: str | Sequence[str] | None = None,
    language: str = "en",
    *,
    wording: Wording,
    radius_miles: float,
) -> Nearby:
    """What a texter near `zip_code` asking for `category` (one or several; default: SITES) would be
    answered."""
    zip5 = normalize_zip(zip_code)
    point = zip_point(zip5)
    if point is None:
        raise Invalid(N_("Give a 5-digit US ZIP code we know, like 22902."), field="zip")
    asked = [category] if isinstance(category, str) else list(category or [])
    categories = list(dict.fromkeys(c for text in asked for c in category_choice(text) or []))
    categories = categories or list(SITES_CATEGORIES)
    language = language if language in ("en", "es") else "en"
    answer = directory_answer(conn, wording, language, categories, zip5, now, radius_miles)
    # The same ranking the reply used (the texter's ZIP finds area services; Spanish first for "es").
    ranked = rank(
        conn, point.latitude, point.longitude, categories, now, radius_miles, zip_code=zip5, language=language
    )
    places = places_by_id(conn, [r.id for r in ranked], point.latitude, point.longitude, now)
    rows = {r.id: r for r in conn.execute(select(service).where(service.c.id.in_([p.id for p in places])))}
    cats = categories_of(conn, list(rows))
    shown = [
        {**view(rows[p.id], cats[p.id]), "miles": round(p.miles, 2), "open_now": p.open_now}
        for p in places
        if p.id in rows
    ]
    rest = len((answer.more or {}).get("next") or [])
    return Nearby(
        zip=point.zip_code,
        radius_miles=radius_miles,
        categories=categories,
        language=language,
        reply=answer.text,
        in_reply=max(0, len(shown) - rest) if shown else 0,
        services=shown,
    )


def sources(conn: Connection) -> list[tuple[str, int]]:
    """The directory's sources and how many services each holds (for the import form)."""
    query = select(service.c.source, func.count()).group_by(service.c.source).order_by(service.c.source)
    return [(source, count) for source, count in conn.execute(query)]
