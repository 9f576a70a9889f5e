"""`/api/supply` with peer and admin tokens, on SQLite and PostgreSQL: the queue with answers and never a
number, draft, edit, the check in GET, two-person approval, send, progress, cancel; bodies refused in
words; ids past any integer are 404/422; the API and the page make the same change with one audit row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smsbot.models import SupplyAlert
from tests.checkins_fixtures import fake, peer, run_tick, worker  # noqa: F401  (fixtures)
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import audit_rows
from tests.test_supply_pages import FIXED_EN, FIXED_ES, QUOTE, REPORTER, _form, _report

ANA, CARLA = "+15555550101", "+15555550103"
BIG = (2**31, 2**63, 10**30)


def _actions(ctx) -> list[str]:
    return [row.action for row in audit_rows(ctx) if row.action.startswith("supply_")]


def _expiry(ctx, days: int = 2) -> str:
    return (ctx.clock.now() + timedelta(days=days)).isoformat()


def test_the_api_from_the_queue_to_a_sent_alert(ctx, sms, clock, peer, worker, fake):  # noqa: F811
    sms("ALERTS 22902", from_=ANA)
    sms("ALERTS 10001", from_=CARLA)
    _report(sms, clock, "blue pills sold as oxy 30s", where="22902")
    pat = peer("Pat Peer", phone=None)

    (report,) = pat.get("/api/supply/reports").json()
    assert report["answers"]["what"] == "blue pills sold as oxy 30s" and report["area_zip"] == "22902"
    assert REPORTER not in str(report) and REPORTER[-4:] not in str(report)

    created = pat.post("/api/supply/alerts", json={"report_ids": [report["id"]], "text_en": QUOTE})
    assert created.status_code == 201, created.text
    alert = created.json()
    assert (alert["status"], alert["zips"], alert["report_ids"]) == ("draft", ["22902"], [report["id"]])
    assert pat.get("/api/supply/reports").json() == []  # used: out of the queue

    shown = pat.get(f"/api/supply/alerts/{alert['id']}").json()
    assert not shown["check"]["ok"]
    assert any("word for word" in p for p in shown["check"]["problems"])
    assert pat.post(f"/api/supply/alerts/{alert['id']}/send").status_code == 422

    edited = pat.patch(f"/api/supply/alerts/{alert['id']}", json={"text_en": FIXED_EN, "text_es": FIXED_ES})
    assert edited.status_code == 200 and edited.json()["languages"] == ["en", "es"]
    shown = pat.get(f"/api/supply/alerts/{alert['id']}").json()
    assert shown["check"]["ok"], shown["check"]["problems"]
    assert shown["check"]["recipients"] == "<5"
    assert shown["progress"]["broadcast"] is None

    sent = pat.post(f"/api/supply/alerts/{alert['id']}/send")
    assert sent.status_code == 200 and sent.json()["status"] == "sending"
    run_tick(worker, clock)
    run_tick(worker, clock)
    assert fake.to(ANA) == [shown["check"]["bodies"]["en"]] and fake.to(CARLA) == []
    done = pat.get(f"/api/supply/alerts/{alert['id']}").json()
    assert done["status"] == "sent"
    assert done["progress"] | {"rate": None} == {
        "broadcast": "finished", "sent": "<5", "left": "0", "failed": "0", "unknown": "0", "stopped": "0",
        "rate": None, "eta_seconds": None,
    }  # fmt: skip
    assert _actions(ctx) == [
        "supply_alert_drafted", "supply_alert_edited", "supply_alert_approved", "supply_alert_sent",
    ]  # fmt: skip
    assert all(row.detail.endswith("(api)") for row in audit_rows(ctx) if row.action.startswith("supply_"))


def test_two_person_approval_and_cancel(ctx, peer):  # noqa: F811
    ctx.settings = ctx.settings.model_copy(update={"alerts_two_person": True})
    pat, ada = peer("Pat Peer", phone=None), peer("Ada Admin", phone=None, role="admin")
    body = {"text_en": FIXED_EN, "zips": ["22902"], "expires_at": _expiry(ctx)}
    alert = pat.post("/api/supply/alerts", json=body).json()
    refused = pat.post(f"/api/supply/alerts/{alert['id']}/approve")
    assert refused.status_code == 403 and "second person must approve" in refused.json()["detail"]
    assert pat.post(f"/api/supply/alerts/{alert['id']}/send").status_code == 409
    approved = ada.post(f"/api/supply/alerts/{alert['id']}/approve")
    assert approved.status_code == 200 and approved.json()["approved_by"] == ada.id
    # An edit voids the approval.
    assert ada.patch(f"/api/supply/alerts/{alert['id']}", json={"zips": "22902, 22903"}).json()["status"] == (
        "draft"
    )
    cancelled = pat.post(f"/api/supply/alerts/{alert['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert pat.post(f"/api/supply/alerts/{alert['id']}/cancel").status_code == 409
    assert pat.get("/api/supply/alerts").json()[0]["status"] == "cancelled"


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"expires_at": "tomorrow"}, "expires_at", "with its offset"),
        ({"expires_at": "2026-03-06T18:00:00"}, "expires_at", "time zone"),
        ({"radius_miles": "five", "center_zip": "22902"}, "radius_miles", "number of miles"),
        ({"center_zip": "22902", "radius_miles": 500}, "radius", "at most 100 miles"),
        ({"zips": "22902, 00000"}, "zips", "not US ZIP codes we know: 00000"),
        ({"zips": [22902]}, "zips", "list of ZIP codes"),
        ({"text_en": "x" * 700}, "text_en", "under 600 characters"),
        ({"colour": "red"}, "colour", "unknown field: colour"),
        ({"report_ids": "12"}, "report_ids", "list of report numbers"),
    ],
)
def test_bodies_are_refused_in_words(ctx, peer, body, field, words):  # noqa: F811
    pat = peer("Pat Peer", phone=None)
    response = pat.post("/api/supply/alerts", json=body)
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"], response.json()
    draft = pat.post("/api/supply/alerts", json={}).json()
    if field != "report_ids":
        assert pat.patch(f"/api/supply/alerts/{draft['id']}", json=body).status_code == 422


def test_ids_past_any_integer_are_not_found(ctx, peer):  # noqa: F811
    pat = peer("Pat Peer", phone=None)
    for big in BIG:
        assert pat.get(f"/api/supply/alerts/{big}").status_code == 404
        assert pat.patch(f"/api/supply/alerts/{big}", json={"text_en": "x"}).status_code == 404
        for step in ("approve", "send", "cancel"):
            assert pat.post(f"/api/supply/alerts/{big}/{step}").status_code == 404, step
        assert pat.post("/api/supply/alerts", json={"report_ids": [big]}).status_code == 404
    assert pat.get("/api/supply/alerts/2147483647").status_code == 404
    assert pat.get("/api/supply/reports?limit=99999999999999999999").status_code == 422
    assert pat.get("/api/supply/reports?status=gone").status_code == 422


def test_the_same_edit_through_the_api_and_the_page(ctx, peer, staff_browser):  # noqa: F811
    api, page = peer("Api Peer", phone=None), staff_browser("peer", name="Page Peer")
    first = api.post("/api/supply/alerts", json={}).json()["id"]
    second = api.post("/api/supply/alerts", json={}).json()["id"]
    expires = ctx.clock.now() + timedelta(days=2)
    body = {
        "text_en": FIXED_EN,
        "text_es": FIXED_ES,
        "center_zip": "22902",
        "radius_miles": 10,
        "expires_at": expires.replace(second=0, microsecond=0).isoformat(),
    }
    assert api.patch(f"/api/supply/alerts/{first}", json=body).status_code == 200
    assert page.post(f"/supply/alerts/{second}", _form(ctx, FIXED_EN)).status_code == 303
    table = SupplyAlert.__table__
    with ctx.db.transaction() as conn:
        rows = {r.id: r for r in conn.execute(select(table).where(table.c.id.in_([first, second])))}
    same = ("status", "text_en", "text_es", "area_zips", "area_center_zip", "area_radius_miles", "expires_at")
    assert [getattr(rows[first], c) for c in same] == [getattr(rows[second], c) for c in same]
    edits = [row for row in audit_rows(ctx) if row.action == "supply_alert_edited"]
    assert [(row.object_id, row.detail) for row in edits] == [
        (first, "text_en, text_es, area, expiry (api)"),
        (second, "text_en, text_es, area, expiry (page)"),
    ]
