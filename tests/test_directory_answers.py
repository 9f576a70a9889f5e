"""What a texter is told about each kind of service (issue 10), through signed texts: places with a
distance, "Name in 22902" for a ZIP-centre service, "By phone/online", "Serves your area, call ...",
extensions, Spanish first among equally near places, and HSDS hours (every other week, expired, 24 h)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from smsbot.directory.records import RawService, check
from smsbot.directory.schedules import schedule_from_hsds
from smsbot.directory.store import upsert_records
from smsbot.models import Service
from smsbot.replies.segments import segment_info

CVILLE = (38.0266, -78.4805)  # ZIP 22902's centre
MILE = 1 / 69.0933  # degrees of latitude


def add(ctx, name: str, north_miles: float, category: str = "syringe_services", hours_rows=None, **columns):
    """A service through the store, then issue 10's columns (location kind, area, languages ...)."""
    raw = RawService(
        source="answers",
        source_id=name,
        name=name,
        categories=[category],
        latitude=CVILLE[0] + north_miles * MILE,
        longitude=CVILLE[1],
        address=columns.pop("address", f"{int(north_miles * 100)} Main St"),
        city="Charlottesville",
        zip=columns.pop("zip", "22902"),
        phone=columns.pop("phone", "434-555-0100"),
        timezone="America/New_York",
    )
    with ctx.db.transaction() as conn:
        upsert_records(conn, [check(raw, "America/New_York").record], ctx.clock.now())
        if hours_rows is not None:
            columns["hours"] = schedule_from_hsds(hours_rows).to_json()
        if columns:
            service = Service.__table__
            conn.execute(update(service).where(service.c.source_id == name).values(**columns))


def names(reply: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"(?m)^\d+\) ([^,.]+)", reply)]


def item_line(reply: str, name: str) -> str:
    return next(line for line in reply.splitlines() if name in line)


def test_a_virtual_service_is_by_phone_with_its_extension_never_a_distance(ctx, sms):
    add(ctx, "Peer Line", 0.3, location_kind="virtual", phone_extension="12")
    line = item_line(sms("SITES 22902"), "Peer Line")
    assert line == "1) Peer Line. By phone/online. 434-555-0100 ext. 12"
    assert " mi" not in line and "Main St" not in line


def test_a_zip_centre_service_reads_in_its_zip_not_zero_miles(ctx, sms):
    add(ctx, "Mobile Van", 0.0, location_kind="zip_centre", address="PO Box 12")
    line = item_line(sms("SITES 22902"), "Mobile Van")
    assert "Mobile Van in 22902" in line
    assert "0.0 mi" not in line and "PO Box" not in line


def test_an_area_service_is_found_by_the_texters_zip_and_says_call(ctx, sms):
    add(ctx, "Blue Ridge Outreach", 60.0, location_kind="area", area_zips="22901 22902 22903")
    reply = sms("SITES 22902")
    assert (
        item_line(reply, "Blue Ridge Outreach")
        == "1) Blue Ridge Outreach. Serves your area, call 434-555-0100"
    )
    assert " mi" not in reply
    assert "Blue Ridge Outreach" not in sms("SITES 22980")  # Waynesboro: not in its area, 60 miles away


def test_an_area_whose_centre_is_near_is_found_without_a_zip_list(ctx, sms):
    add(ctx, "County Outreach", 5.0, location_kind="area", phone=None)
    assert item_line(sms("SITES 22902"), "County Outreach") == "1) County Outreach. Serves your area"


def test_places_to_walk_to_come_before_services_by_phone_or_area(ctx, sms):
    add(ctx, "Statewide Line", 0.1, location_kind="virtual")
    add(ctx, "Area Team", 0.2, location_kind="area", area_zips="22902")
    add(ctx, "Storefront", 3.0)
    reply = sms("SITES 22902")
    assert names(reply) == ["Storefront", "Statewide Line", "Area Team"]
    assert "Storefront, 300 Main St, Charlottesville. 434-555-0100. 3.0 mi" in reply
    assert segment_info(reply).segments <= 3


@pytest.fixture
def spanish_and_english(ctx):
    add(ctx, "English Only", 1.1, languages="en")
    add(ctx, "Bilingue", 1.3, languages="en es")
    add(ctx, "Lejos Bilingue", 3.2, languages="es")
    add(ctx, "Middle", 2.0)


def test_a_spanish_texter_gets_spanish_first_among_equally_near_places(sms, spanish_and_english):
    reply = sms("SITIOS 22902")
    # 1.1 and 1.3 miles are equally near (the same rounded mile): Spanish first. 3.2 miles is not.
    assert names(reply) == ["Bilingue", "English Only", "Middle"]
    assert "Se habla español" in item_line(reply, "Bilingue")
    assert "Se habla" not in item_line(reply, "English Only")
    assert segment_info(reply).segments <= 3


def test_an_english_texter_keeps_plain_distance_order(sms, spanish_and_english):
    reply = sms("SITES 22902")
    assert names(reply) == ["English Only", "Bilingue", "Middle"]
    assert "habla" not in reply and "Spanish" not in reply


# The clock starts on Wednesday 4 March 2026, 10:00 in Charlottesville.
WEDNESDAYS = {"byday": "WE", "opens_at": "09:00", "closes_at": "17:00"}


def test_hours_every_other_week_without_a_start_date_are_not_shown_as_this_week(ctx, sms):
    add(ctx, "Pop-up", 0.4, hours_rows=[{**WEDNESDAYS, "interval": "2"}])
    line = item_line(sms("SITES 22902"), "Pop-up")
    assert "Every other week 9am-5pm, call to check" in line
    assert "Open now" not in line and "Today 9am-5pm" not in line


def test_hours_every_other_week_from_a_start_date(ctx, sms):
    add(ctx, "On Week", 0.4, hours_rows=[{**WEDNESDAYS, "interval": "2", "dtstart": "2026-02-18"}])
    add(ctx, "Off Week", 0.5, hours_rows=[{**WEDNESDAYS, "interval": "2", "dtstart": "2026-02-25"}])
    reply = sms("SITES 22902")
    assert "Open now, today 9am-5pm" in item_line(reply, "On Week")
    assert "Closed today" in item_line(reply, "Off Week")


def test_an_expired_schedule_shows_no_hours(ctx, sms):
    add(ctx, "Old Hours", 0.4, hours_rows=[{**WEDNESDAYS, "until": "2026-01-31"}])
    line = item_line(sms("SITES 22902"), "Old Hours")
    assert line == "1) Old Hours, 40 Main St, Charlottesville. 434-555-0100. 0.4 mi"


def test_all_day_and_doubled_rows_read_once(ctx, sms):
    add(ctx, "All Day", 0.4, hours_rows=[{"freq": "DAILY", "opens_at": "00:00", "closes_at": "23:59"}])
    add(ctx, "Doubled", 0.5, hours_rows=[WEDNESDAYS, WEDNESDAYS, {**WEDNESDAYS, "closes_at": "12:00"}])
    reply = sms("SITES 22902")
    assert "Open 24 hours" in item_line(reply, "All Day") and "11:59pm" not in reply
    assert item_line(reply, "Doubled").endswith("0.5 mi. Open now, today 9am-5pm")


def test_a_holiday_closure_closes_the_day(ctx, sms):
    closed = {"closed": "true", "start_date": "2026-03-04", "end_date": "2026-03-04"}
    add(ctx, "Holiday", 0.4, hours_rows=[WEDNESDAYS, closed])
    assert "Closed today" in item_line(sms("SITES 22902"), "Holiday")
