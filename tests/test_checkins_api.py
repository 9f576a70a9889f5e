"""`/api/enrollments` and `/api/alerts`: who sees what, validation, and changes taking effect at once."""

from __future__ import annotations

import pytest

from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PARTICIPANT, enroll, run_tick

OTHER = "+15555550124"


def test_a_peer_sees_only_their_own_and_an_admin_sees_all(ctx, client, peer):
    jamie, sam = peer(), peer(name="Sam Lee", phone="+15555550199")
    admin = peer(name="Ada Admin", phone=None, role="admin")
    mine = enroll(jamie)
    theirs = enroll(sam, phone=OTHER, nickname="K")
    assert [e["id"] for e in jamie.get("/api/enrollments").json()] == [mine["id"]]
    assert sam.get(f"/api/enrollments/{mine['id']}").status_code == 404
    assert sam.patch(f"/api/enrollments/{mine['id']}", json={"time": "09:00"}).status_code == 404
    assert sam.delete(f"/api/enrollments/{mine['id']}").status_code == 404
    assert {e["id"] for e in admin.get("/api/enrollments").json()} == {mine["id"], theirs["id"]}
    assert client.get("/api/enrollments").status_code == 401


def test_responses_never_carry_a_number_a_ciphertext_or_a_hash(ctx, client, peer, sms, worker, clock):
    jamie = peer()
    created = enroll(jamie)
    run_tick(worker, clock)
    sms("JOIN")
    index = ctx.vault.index(PARTICIPANT)
    for path in ("/api/enrollments", f"/api/enrollments/{created['id']}", "/api/alerts?status=all"):
        text = jamie.get(path).text
        assert PARTICIPANT not in text and PARTICIPANT[1:] not in text and index not in text
    assert created["phone_last4"] == "0123"


@pytest.mark.parametrize(
    "change",
    [
        {"phone": "not a phone"},
        {"time": "25:00"},
        {"time": "6pm"},
        {"days": ["someday"]},
        {"days": []},
        {"timezone": "Mars/Olympus"},
        {"reply_window_minutes": 1},
        {"reply_window_minutes": 5000},
        {"nickname": ""},
        {"colour": "blue"},
    ],
)
def test_bad_enrollments_get_a_clear_422(ctx, client, peer, change):
    jamie = peer()
    body = {"phone": PARTICIPANT, "nickname": "J", "time": "18:00", **change}
    response = jamie.post("/api/enrollments", json=body)
    assert response.status_code == 422, response.text
    assert PARTICIPANT not in response.text


def test_defaults_and_conflicts(ctx, client, peer, sms):
    jamie = peer()
    created = enroll(jamie, timezone=None)
    assert created["days"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert created["timezone"] == "America/New_York" and created["reply_window_minutes"] == 60
    again = jamie.post("/api/enrollments", json={"phone": PARTICIPANT, "nickname": "J2", "time": "08:00"})
    assert again.status_code == 409  # one live enrollment per number
    sms("STOP", from_=OTHER)
    stopped = jamie.post("/api/enrollments", json={"phone": OTHER, "nickname": "K", "time": "08:00"})
    assert stopped.status_code == 409 and "ask an admin" in stopped.json()["detail"]  # a peer learns no more


def test_patch_takes_effect_at_once(ctx, client, peer, sms, fake, worker, clock):
    jamie = peer()
    created = enroll(jamie)
    run_tick(worker, clock)
    sms("JOIN")
    url = f"/api/enrollments/{created['id']}"
    assert jamie.get(url).json()["next_checkin_at"] == "2026-03-04T23:00:00+00:00"
    changed = jamie.patch(url, json={"time": "11:30", "timezone": "America/Chicago", "days": ["thu"]})
    assert changed.status_code == 200
    body = changed.json()
    assert body["time"] == "11:30" and body["days"] == ["thu"]
    assert body["next_checkin_at"] == "2026-03-05T17:30:00+00:00"  # Thursday 11:30 CST
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert len(fake.to(PARTICIPANT)) == 1  # the old time no longer applies
    run_tick(worker, clock, "2026-03-05T17:30:00Z")
    assert len(fake.to(PARTICIPANT)) == 2

    paused = jamie.patch(url, json={"status": "paused"}).json()
    assert paused["status"] == "paused" and paused["next_checkin_at"] is None
    resumed = jamie.patch(url, json={"status": "active"}).json()
    assert resumed["next_checkin_at"] == "2026-03-12T16:30:00+00:00"  # CDT by then


def test_patch_on_an_invitation_cannot_activate_it(ctx, client, peer):
    jamie = peer()
    created = enroll(jamie)
    response = jamie.patch(f"/api/enrollments/{created['id']}", json={"status": "active"})
    assert response.status_code == 409 and "JOIN" in response.json()["detail"]


def test_delete_ends_the_enrollment(ctx, client, peer, sms, fake, worker, clock):
    jamie = peer()
    created = enroll(jamie)
    run_tick(worker, clock)
    sms("JOIN")
    assert jamie.delete(f"/api/enrollments/{created['id']}").status_code == 204
    # Kept in the archive with its history (issue 12), ended: nothing more is sent.
    assert jamie.get(f"/api/enrollments/{created['id']}").json()["status"] == "ended"
    assert jamie.delete(f"/api/enrollments/{created['id']}").status_code == 409
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert len(fake.to(PARTICIPANT)) == 1


def test_only_the_peer_of_an_alert_may_acknowledge_it(ctx, client, peer, sms, fake, worker, clock):
    jamie, sam = peer(), peer(name="Sam Lee", phone="+15555550199")
    enroll(jamie)
    run_tick(worker, clock)
    sms("JOIN")
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    sms("CALL")
    (alert,) = jamie.get("/api/alerts").json()
    assert sam.get("/api/alerts").json() == []
    assert sam.post(f"/api/alerts/{alert['id']}/ack").status_code == 404
    assert jamie.post("/api/alerts/999999/ack").status_code == 404
    assert jamie.post(f"/api/alerts/{alert['id']}/ack").status_code == 200
    assert jamie.post(f"/api/alerts/{alert['id']}/ack").json()["status"] == "acked"  # idempotent
    assert [a["id"] for a in jamie.get("/api/alerts", params={"status": "acked"}).json()] == [alert["id"]]
    assert jamie.get("/api/alerts", params={"status": "bogus"}).status_code == 422
