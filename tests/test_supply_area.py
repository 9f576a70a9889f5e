"""An alert's area around any point on the map ("38.0293,-78.4767" and a radius), through the API and the
alert page, on SQLite and PostgreSQL: the ZIPs it reaches, the preview's count, who gets it after a tick,
points refused in words (range, latitude first, outside the ZIP data), and back to a list of ZIPs."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from smsbot.models import SupplyAlert
from tests.checkins_fixtures import fake, peer, run_tick, worker  # noqa: F401  (fixtures)
from tests.dashboard_fixtures import *  # noqa: F403
from tests.test_supply_pages import FIXED_EN, FIXED_ES, _form
from tests.test_supply_support import received, seed_subscribers

DOWNTOWN = "38.0293,-78.4767"  # Charlottesville's downtown mall, in 22902
MANHATTAN = "40.7128,-74.0060"


@pytest.fixture(autouse=True)
def _unpaced(ctx):
    ctx.settings = ctx.settings.model_copy(update={"send_rate": 0.0})


def test_an_alert_around_a_point_reaches_the_zips_around_it(ctx, clock, peer, worker, fake):  # noqa: F811
    inside = seed_subscribers(ctx, 6)  # 22902 and 22903
    outside = seed_subscribers(ctx, 5, zips=("10001",), start=100)
    pat = peer("Pat Peer", phone=None)
    body = {"text_en": FIXED_EN, "text_es": FIXED_ES, "center_point": DOWNTOWN, "radius_miles": 3}
    created = pat.post("/api/supply/alerts", json=body)
    assert created.status_code == 201, created.text
    alert = created.json()
    assert (alert["center_point"], alert["center_zip"], alert["radius_miles"]) == (DOWNTOWN, None, 3)
    assert {"22902", "22903"} <= set(alert["zips"]) and "10001" not in alert["zips"]
    shown = pat.get(f"/api/supply/alerts/{alert['id']}").json()
    assert shown["check"]["ok"], shown["check"]["problems"]
    assert shown["check"]["recipients"] == "6"  # the preview counts the point's area

    assert pat.post(f"/api/supply/alerts/{alert['id']}/send").status_code == 200
    run_tick(worker, clock)
    run_tick(worker, clock)
    assert set(received(fake, inside).values()) == {1} and len(received(fake, inside)) == 6
    assert received(fake, outside) == {}


def test_a_point_far_from_any_zip_centre_still_has_the_zip_it_is_in(ctx, peer):  # noqa: F811
    pat = peer("Pat Peer", phone=None)
    near = pat.post("/api/supply/alerts", json={"center_point": MANHATTAN, "radius_miles": 0.1}).json()
    assert "10007" in near["zips"] and all(z.startswith("10") for z in near["zips"])  # the one it is in


@pytest.mark.parametrize(
    "body, words",
    [
        ({"center_point": "downtown", "radius_miles": 5}, "give the point as latitude,longitude"),
        ({"center_point": "38.0293", "radius_miles": 5}, "give the point as latitude,longitude"),
        ({"center_point": "91,-78.4767", "radius_miles": 5}, "a latitude is from -90 to 90"),
        ({"center_point": "38.0293,-181", "radius_miles": 5}, "a latitude is from -90 to 90"),
        ({"center_point": "-78.4767,38.0293", "radius_miles": 5}, "check the latitude comes first"),
        ({"center_point": "51.5074,-0.1278", "radius_miles": 5}, "not near any US ZIP code we know"),
        ({"center_point": DOWNTOWN}, "give the miles around the point"),
        ({"center_point": DOWNTOWN, "radius_miles": 500}, "at most 100 miles"),
        ({"center_point": DOWNTOWN, "radius_miles": 0}, "more than 0"),
        ({"center_point": DOWNTOWN, "center_zip": "22902", "radius_miles": 5}, "around a point: only one"),
        ({"center_point": DOWNTOWN, "zips": ["22902"]}, "around a point: only one"),
        ({"center_point": [38.0293, -78.4767], "radius_miles": 5}, "center_point must be text or null"),
        ({"center_point": "9" * 200, "radius_miles": 5}, "give the point as latitude,longitude"),
    ],
)
def test_points_are_refused_in_words(ctx, peer, body, words):  # noqa: F811
    pat = peer("Pat Peer", phone=None)
    response = pat.post("/api/supply/alerts", json=body)
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]
    draft = pat.post("/api/supply/alerts", json={}).json()
    edited = pat.patch(f"/api/supply/alerts/{draft['id']}", json=body)
    assert edited.status_code == 422 and words in edited.json()["detail"]


def test_from_a_point_back_to_zips_and_a_zip_centre(ctx, peer):  # noqa: F811
    pat = peer("Pat Peer", phone=None)
    alert_id = pat.post("/api/supply/alerts", json={"center_point": DOWNTOWN, "radius_miles": 2}).json()["id"]
    listed = pat.patch(f"/api/supply/alerts/{alert_id}", json={"zips": ["22903"]}).json()
    assert (listed["center_point"], listed["zips"], listed["radius_miles"]) == (None, ["22903"], None)
    around = pat.patch(f"/api/supply/alerts/{alert_id}", json={"center_zip": "22902", "radius_miles": 2})
    assert around.json()["center_point"] is None and around.json()["center_zip"] == "22902"
    table = SupplyAlert.__table__
    with ctx.db.transaction() as conn:
        row = conn.execute(select(table).where(table.c.id == alert_id)).one()
    assert (row.area_center_lat, row.area_center_lon) == (None, None)


def test_the_alert_page_takes_a_point_in_the_centre_field(ctx, peer, staff_browser):  # noqa: F811
    seed_subscribers(ctx, 6)
    page = staff_browser("peer", name="Page Peer")
    api = peer("Api Peer", phone=None)
    alert_id = api.post("/api/supply/alerts", json={}).json()["id"]
    twin = api.post("/api/supply/alerts", json={}).json()["id"]

    refused = page.post(f"/supply/alerts/{alert_id}", _form(ctx, FIXED_EN, center_zip="-78.4767,38.0293"))
    assert refused.status_code == 422
    error = re.search(r'id="center_zip-error"[^>]*>(.*?)</p>', refused.text, re.S)
    assert error and "check the latitude comes first" in error.group(1)
    assert 'value="-78.4767,38.0293"' in refused.text  # what was typed is kept

    saved = page.post(f"/supply/alerts/{alert_id}", _form(ctx, FIXED_EN, center_zip=DOWNTOWN, radius="3"))
    assert saved.status_code == 303, saved.text
    shown = page.get(f"/supply/alerts/{alert_id}").text
    assert f"ZIPs within 3 miles of the point {DOWNTOWN}" in shown
    assert f'value="{DOWNTOWN}"' in shown and "Send to 6 subscribers" in shown
    # The same area through the API leaves the same row.
    same = {"text_en": FIXED_EN, "text_es": FIXED_ES, "center_point": DOWNTOWN, "radius_miles": 3}
    assert api.patch(f"/api/supply/alerts/{twin}", json=same).status_code == 200
    table = SupplyAlert.__table__
    with ctx.db.transaction() as conn:
        rows = {r.id: r for r in conn.execute(select(table).where(table.c.id.in_([alert_id, twin])))}
    columns = ("area_zips", "area_center_zip", "area_center_lat", "area_center_lon", "area_radius_miles")
    assert [getattr(rows[alert_id], c) for c in columns] == [getattr(rows[twin], c) for c in columns]
