"""How a service's fields and its kinds of place are named to staff: English catalog ids (N_), which
the pages show in the staff member's language and validate.py puts in its sentences."""

from __future__ import annotations

from smsbot.errors import N_

# Each field as a sentence names it ("Keep the street address to ...").
LABELS = {
    "name": N_("name"),
    "organization": N_("organization"),
    "categories": N_("categories"),
    "address": N_("street address"),
    "city": N_("city"),
    "state": N_("state"),
    "zip": N_("ZIP code"),
    "latitude": N_("latitude"),
    "longitude": N_("longitude"),
    "phone": N_("phone"),
    "phone_extension": N_("phone extension"),
    "hours": N_("opening hours"),
    "timezone": N_("time zone"),
    "notes": N_("notes"),
    "last_verified": N_("date it was last checked"),
    "languages": N_("languages"),
    "location_kind": N_("kind of place"),
    "service_area": N_("area it serves"),
}
# What an admin may choose; `zip_centre` is what a place without coordinates becomes by itself.
KINDS = {"place": N_("a place to walk to"), "virtual": N_("by phone or online"), "area": N_("serves an area")}
