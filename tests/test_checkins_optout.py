"""One opt-out, whatever the source (issue 8): 21610 in a status callback or on send, Twilio's
OptOutType, a staff action. Each ends the enrollment, nothing more goes to that number, and the
peer is told plainly that the person asked for no more texts (never "could not reach").
"""

from __future__ import annotations

from smsbot.models import Checkin, ConsentRecord, Enrollment, Suppression
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import ON_CALL_PHONE, PARTICIPANT, PEER_PHONE, callback, enroll, rows, run_tick

OPTED_OUT_WORDS = "asked for no more texts"


def _active(ctx, sms, fake, worker, clock, peer, **peer_fields):
    """Enrolled, invitation delivered, JOINed, and the first check-in sent at 18:00 New York."""
    jamie = peer(**peer_fields)
    created = enroll(jamie)
    run_tick(worker, clock)
    assert "You're in" in sms("JOIN")
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert len(fake.to(PARTICIPANT)) == 2
    return jamie, created


def _after_the_week(worker, clock) -> None:
    for at in (
        "2026-03-05T01:00:00Z",
        "2026-03-05T03:00:00Z",
        "2026-03-05T23:00:00Z",
        "2026-03-06T23:00:00Z",
    ):
        run_tick(worker, clock, at)


def _assert_opted_out_for_good(ctx, jamie, created, fake, source: str) -> None:
    assert jamie.get(f"/api/enrollments/{created['id']}").json()["status"] == "stopped"
    (suppressed,) = rows(ctx, Suppression)
    assert suppressed.phone_index == ctx.vault.index(PARTICIPANT)
    consent = [r for r in rows(ctx, ConsentRecord) if r.kind == "opt_out"]
    assert [r.source for r in consent] == [source]
    (peer_text,) = fake.to(PEER_PHONE)
    assert OPTED_OUT_WORDS in peer_text and "J " in peer_text
    assert "could not reach" not in peer_text and PARTICIPANT not in peer_text
    (alert,) = jamie.get("/api/alerts").json()
    assert alert["kind"] == "opted_out" and f"ref {alert['id']}" in peer_text


def test_21610_in_a_status_callback_is_an_opt_out_not_could_not_reach(
    ctx, client, sms, fake, worker, clock, peer
):
    jamie, created = _active(ctx, sms, fake, worker, clock, peer)
    prompt = fake.messages[-1]
    assert callback(client, prompt, "undelivered", ErrorCode="21610").status_code == 204
    run_tick(worker, clock, "2026-03-04T23:05:00Z")
    _assert_opted_out_for_good(ctx, jamie, created, fake, "carrier_21610")
    assert rows(ctx, Checkin)[0].status == "closed"
    _after_the_week(worker, clock)
    assert len(fake.to(PARTICIPANT)) == 2  # no reminder, no next check-in
    assert len(fake.to(PEER_PHONE)) == 1  # no "no answer" alert either


def test_21610_on_send_is_the_same_opt_out(ctx, client, sms, fake, worker, clock, peer):
    jamie = peer()
    created = enroll(jamie)
    run_tick(worker, clock)
    assert "You're in" in sms("JOIN")
    fake.script("21610", to=PARTICIPANT)
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    run_tick(worker, clock, "2026-03-04T23:01:00Z")
    _assert_opted_out_for_good(ctx, jamie, created, fake, "carrier_21610")
    _after_the_week(worker, clock)
    assert fake.requests == 3  # the invitation, the refused check-in, the peer's text: nothing else


def test_an_opt_out_entered_by_staff_cancels_what_was_queued_and_tells_the_peer(
    ctx, client, sms, fake, worker, clock, peer
):
    jamie = peer()
    created = enroll(jamie)  # the invitation is queued, not yet sent
    response = jamie.post(f"/api/enrollments/{created['id']}/opt-out")
    assert response.status_code == 200 and response.json()["status"] == "stopped"
    assert PARTICIPANT not in response.text
    run_tick(worker, clock)
    assert fake.to(PARTICIPANT) == []  # the invitation never went
    _assert_opted_out_for_good(ctx, jamie, created, fake, "staff")
    assert [r.staff_id for r in rows(ctx, ConsentRecord) if r.kind == "opt_out"] == [jamie.id]
    assert (
        jamie.post(
            "/api/enrollments", json={"phone": PARTICIPANT, "nickname": "J", "time": "18:00"}
        ).status_code
        == 409
    )


def test_staff_opt_out_while_a_check_in_waits_stops_the_ladder(ctx, client, sms, fake, worker, clock, peer):
    jamie, created = _active(ctx, sms, fake, worker, clock, peer)
    assert jamie.post(f"/api/enrollments/{created['id']}/opt-out").status_code == 200
    _after_the_week(worker, clock)
    assert len(fake.to(PARTICIPANT)) == 2
    (peer_text,) = fake.to(PEER_PHONE)
    assert OPTED_OUT_WORDS in peer_text
    assert [c.status for c in rows(ctx, Checkin)] == ["closed"]


def test_a_second_source_after_stop_tells_nobody_twice(ctx, client, sms, fake, worker, clock, peer):
    jamie, created = _active(ctx, sms, fake, worker, clock, peer)
    prompt = fake.messages[-1]
    assert jamie.post(f"/api/enrollments/{created['id']}/opt-out").status_code == 200
    assert callback(client, prompt, "undelivered", ErrorCode="21610").status_code == 204
    _after_the_week(worker, clock)
    assert len(fake.to(PEER_PHONE)) == 1 and len(jamie.get("/api/alerts").json()) == 1
    assert len(rows(ctx, Suppression)) == 1


def test_twilio_opt_out_type_stop_ends_the_enrollment_with_an_empty_answer(
    ctx, client, post_sms, sms, fake, worker, clock, peer
):
    jamie, created = _active(ctx, sms, fake, worker, clock, peer)
    response = post_sms("PARAR", OptOutType="STOP")
    assert response.status_code == 200 and "<Message" not in response.text  # Twilio already confirmed
    run_tick(worker, clock, "2026-03-04T23:05:00Z")
    _assert_opted_out_for_good(ctx, jamie, created, fake, "twilio_opt_out_type")
    _after_the_week(worker, clock)
    assert len(fake.to(PARTICIPANT)) == 2


def test_a_peer_phone_that_opted_out_is_suppressed_and_on_call_hears(
    ctx, client, sms, fake, worker, clock, peer
):
    jamie, created = _active(ctx, sms, fake, worker, clock, peer)
    peer("Casey Lee", phone=ON_CALL_PHONE, on_call=True)
    fake.script("21610", to=PEER_PHONE)
    assert "Jamie" in sms("CALL")
    run_tick(worker, clock, "2026-03-04T23:02:00Z")
    run_tick(worker, clock, "2026-03-04T23:03:00Z")
    on_call = fake.to(ON_CALL_PHONE)
    assert any("Jamie" in text and "opted out" in text for text in on_call)  # the peer's phone
    assert any("J " in text or " J" in text for text in on_call)  # and the participant's call request
    assert ctx.vault.index(PEER_PHONE) in {r.phone_index for r in rows(ctx, Suppression)}
    # The participant's check-ins go on: a peer's phone is not a participant's opt-out.
    assert rows(ctx, Enrollment)[0].status == "active"
    run_tick(worker, clock, "2026-03-05T23:00:00Z")
    assert len(fake.to(PARTICIPANT)) == 3
