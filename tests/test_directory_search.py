"""Finding the nearest: ZIPs, great-circle distances, the radius, open-now first, DST-safe hours, the list."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from smsbot.directory.format import compose, gsm_text
from smsbot.directory.geo import bounding_box, miles_between, normalize_zip, zip_point
from smsbot.directory.hours import HoursError, local_time, parse_hours
from smsbot.directory.records import RawService, check
from smsbot.directory.search import nearest
from smsbot.directory.store import upsert_records
from smsbot.replies.segments import segment_info
from smsbot.replies.wording import Wording, load_packs

# ZIP 22902 (Charlottesville, VA) as the zipcodes package places it.
ORIGIN = (38.0266, -78.4805)
MILES_PER_DEGREE = 3958.7613 * math.pi / 180  # 69.0933 miles per degree of a great circle


def add(
    ctx, name: str, lat: float, lon: float, categories="naloxone", hours=None, tz="America/New_York", **kw
):
    raw = RawService(
        source="test",
        source_id=name,
        name=name,
        categories=categories.split(";"),
        latitude=lat,
        longitude=lon,
        hours_text=hours,
        timezone=tz,
        **kw,
    )
    record = check(raw, "America/New_York").record
    assert record is not None
    with ctx.db.transaction() as conn:
        upsert_records(conn, [record], ctx.clock.now())


def find(ctx, categories=("naloxone",), at=None, radius=25.0, origin=ORIGIN):
    with ctx.db.transaction() as conn:
        return nearest(conn, *origin, list(categories) if categories else None, at or ctx.clock.now(), radius)


# --- ZIPs and distances (no database) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22902", "22902"),
        ("22902-1234", "22902"),
        ("229021234", "22902"),
        (" 10001 ", "10001"),
        ("2290", None),
        ("22902-12", None),
        ("abcde", None),
        ("", None),
    ],
)
def test_zip_and_zip_plus_4_normalise_to_five_digits(text, expected):
    assert normalize_zip(text) == expected


def test_zip_lookup_is_offline_and_says_when_it_does_not_know():
    point = zip_point("22902-4321")
    assert (point.latitude, point.longitude, point.timezone) == (38.0266, -78.4805, "America/New_York")
    assert zip_point("99999") is None
    assert zip_point("00000") is None


def test_great_circle_distances_match_hand_computed_values():
    lat, lon = ORIGIN
    # Due north along a meridian: exactly the arc, 69.0933 miles a degree.
    assert miles_between(lat, lon, lat + 0.05, lon) == pytest.approx(3.4547, abs=1e-3)
    # Due east: a degree of longitude is cos(latitude) of that: 0.1 x 69.0933 x cos(38.0266 deg) = 5.4422.
    assert miles_between(lat, lon, lat, lon + 0.1) == pytest.approx(5.4422, abs=2e-3)
    # Charlottesville 22902 to New York 10001 by the spherical law of cosines (a different formula):
    # cos c = sin(38.0266)sin(40.7484) + cos(38.0266)cos(40.7484)cos(4.4838) = 0.40210 + 0.59494,
    # c = 0.076889 rad = 304.39 miles.
    assert miles_between(*ORIGIN, 40.7484, -73.9967) == pytest.approx(304.39, abs=0.05)
    assert miles_between(*ORIGIN, *ORIGIN) == 0


def test_bounding_box_holds_every_point_of_the_radius():
    box = bounding_box(*ORIGIN, 25)
    for bearing in range(0, 360, 15):
        # A point 24.9 miles away at this bearing (small-distance approximation is exact enough here).
        dlat = 24.9 * math.cos(math.radians(bearing)) / MILES_PER_DEGREE
        dlon = 24.9 * math.sin(math.radians(bearing)) / (MILES_PER_DEGREE * math.cos(math.radians(ORIGIN[0])))
        lat, lon = ORIGIN[0] + dlat, ORIGIN[1] + dlon
        assert box.min_lat <= lat <= box.max_lat and box.min_lon <= lon <= box.max_lon


# --- hours ------------------------------------------------------------------------------------


def test_hours_text_parses_to_a_week():
    hours = parse_hours("Mo-Fr 09:00-17:00; Sa 10:00-14:00")
    assert hours.days[0] == ((540, 1020),) and hours.days[5] == ((600, 840),) and hours.days[6] == ()
    assert parse_hours("Mo-Fr 9am-5pm; We off").days[2] == ()
    assert parse_hours("Fr-Mo 22:00-02:00").days[6] == ((1320, 1560),)
    assert parse_hours("24/7").always_open
    assert parse_hours("") is None
    with pytest.raises(HoursError):
        parse_hours("Mo-Fr 9 to 5")


@pytest.mark.parametrize(
    ("utc", "zone", "is_open"),
    [
        # US clocks spring forward on Sunday 8 March 2026. 13:30 UTC is 8:30 EST on the Friday
        # before (closed) and 9:30 EDT on the Monday after (open): a fixed UTC-5 would say closed.
        ("2026-03-06T13:30:00", "America/New_York", False),
        ("2026-03-09T13:30:00", "America/New_York", True),
        ("2026-03-09T16:30:00", "America/Los_Angeles", True),  # 9:30 PDT
        ("2026-03-06T16:30:00", "America/Los_Angeles", False),  # 8:30 PST
        # ...and fall back on Sunday 1 November: 13:30 UTC on Monday 2 November is 8:30 EST.
        ("2026-10-30T13:30:00", "America/New_York", True),  # Friday 9:30 EDT
        ("2026-11-02T13:30:00", "America/New_York", False),
        ("2026-03-09T16:30:00", "America/Phoenix", True),  # Arizona keeps MST: 9:30
    ],
)
def test_open_now_uses_the_services_own_zone_across_dst(utc, zone, is_open):
    hours = parse_hours("Mo-Fr 09:00-17:00")
    now = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert hours.is_open_at(local_time(now, zone)) is is_open


def test_overnight_hours_count_after_midnight():
    hours = parse_hours("Fr 22:00-02:00")
    saturday_1am = datetime(2026, 3, 7, 6, 0, tzinfo=UTC)  # 1:00 EST
    assert hours.is_open_at(local_time(saturday_1am, "America/New_York"))
    assert hours.intervals_on(local_time(saturday_1am, "America/New_York")) == [(0, 120)]
    assert not hours.is_open_at(local_time(datetime(2026, 3, 7, 8, 0, tzinfo=UTC), "America/New_York"))


# --- nearest (database) -----------------------------------------------------------------------


def test_nearest_is_by_distance_within_the_radius(ctx):
    lat, lon = ORIGIN
    add(ctx, "Three and a half north", lat + 0.05, lon)
    add(ctx, "One point four north", lat + 0.02, lon)
    add(ctx, "Five point four east", lat, lon + 0.1)
    add(ctx, "Thirty-one north", lat + 0.45, lon)  # 31.09 miles: outside 25
    add(ctx, "Corner of the box", lat + 0.3, lon + 0.38)  # inside the box, 30.7 miles away
    add(ctx, "Clinic next door", lat, lon + 0.001, categories="health_clinic")

    places = find(ctx)

    assert [p.name for p in places] == [
        "One point four north",
        "Three and a half north",
        "Five point four east",
    ]
    assert [round(p.miles, 2) for p in places] == [1.38, 3.45, 5.44]
    assert [p.name for p in find(ctx, radius=2)] == ["One point four north"]
    assert [p.name for p in find(ctx, categories=None)][0] == "Clinic next door"


def test_open_now_comes_first_then_nearest(ctx):
    lat, lon = ORIGIN
    # The frozen clock says Wednesday 4 March 2026, 15:00 UTC = 10:00 in Charlottesville.
    add(ctx, "Near but closed", lat + 0.01, lon, hours="Mo-Fr 13:00-17:00")
    add(ctx, "Near, hours unknown", lat + 0.02, lon)
    add(ctx, "Farther and open", lat + 0.1, lon, hours="Mo-Fr 09:00-17:00")
    add(ctx, "Farthest and open", lat + 0.2, lon, hours="24/7")

    places = find(ctx)

    assert [p.name for p in places] == [
        "Farther and open",
        "Farthest and open",
        "Near but closed",
        "Near, hours unknown",
    ]
    assert [p.open_now for p in places] == [True, True, False, None]


def test_open_now_follows_the_service_timezone(ctx):
    # 15:00 UTC is 10:00 in New York but 7:00 in Los Angeles: the same hours, different answers.
    add(ctx, "East", ORIGIN[0] + 0.01, ORIGIN[1], hours="Mo-Fr 09:00-17:00", tz="America/New_York")
    add(ctx, "West", ORIGIN[0] + 0.02, ORIGIN[1], hours="Mo-Fr 09:00-17:00", tz="America/Los_Angeles")
    assert [(p.name, p.open_now) for p in find(ctx)] == [("East", True), ("West", False)]


# --- the list ---------------------------------------------------------------------------------


@pytest.fixture
def wording() -> Wording:
    return Wording(load_packs())


def test_a_list_of_three_fits_three_gsm7_segments_even_with_long_names(ctx, wording):
    for i in range(5):
        add(
            ctx,
            f"The Very Long Named Community Harm Reduction Outreach Program Number {i} \u2019Annex\u2019",
            ORIGIN[0] + 0.01 * (i + 1),
            ORIGIN[1],
            hours="Mo-Su 08:00-20:00",
            address=f"{1000 + i} Extraordinarily Long Boulevard Northwest, Suite {i}00",
            city="Charlottesville",
            phone="(434) 555-0100",
            last_verified=date(2026, 1, 5),
        )
    places = find(ctx)
    for language in ("en", "es"):
        text, shown = compose(places, wording, language, "Naloxone")
        info = segment_info(text)
        assert info.encoding == "GSM-7" and info.segments <= 3, (language, text)
        assert shown >= 2
        assert text.splitlines()[-1] in ("Reply MORE for more.", "Responde MAS para ver otros.")


def test_a_list_item_has_name_address_phone_distance_today_and_checked(ctx, wording):
    add(
        ctx,
        "Rivanna Hub",
        ORIGIN[0] + 0.005,
        ORIGIN[1],
        hours="Mo-Fr 09:00-17:00",
        address="410 E Market St",
        city="Charlottesville",
        phone="4345550141",
        last_verified=date(2026, 1, 15),
    )
    text, shown = compose(find(ctx), wording, "en", "Naloxone")
    assert shown == 1
    assert text == (
        "Naloxone near you:\n"
        "1) Rivanna Hub, 410 E Market St, Charlottesville. 434-555-0141. 0.3 mi. Open now, today 9am-5pm."
        " Checked Jan 2026"
    )


def test_service_text_is_folded_to_gsm7():
    assert gsm_text("Cl\u00ednica \u201cSalud\u201d \u2013 Ca\u00f1on") == 'Clinica "Salud" - Ca\u00f1on'
