"""The check-in ladder end to end: the API, the real webhook, `Worker.tick` and the fake Twilio.
enroll -> invitation -> JOIN -> check-in at its time -> no answer -> reminder -> no answer -> alert
SMS to the peer and an open alert in the API -> ack; and the answers that stop it (OK, CALL, text).
"""

from __future__ import annotations

from smsbot.models import Alert, Checkin, Enrollment, OutboxMessage
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import ON_CALL_PHONE, PARTICIPANT, PEER_PHONE, PROGRAM, enroll, rows, run_tick

CHECKIN_PROMPT = (
    f"Hi, checking in from {PROGRAM}. Reply OK if you're alright or CALL if you want a call from Jamie."
)


def _join(ctx, sms, fake, worker, clock, peer, **fields):
    """Enroll through the API, deliver the invitation, JOIN: returns (peer, enrollment json)."""
    jamie = peer()
    enrollment = enroll(jamie, **fields)
    run_tick(worker, clock)
    assert len(fake.to(PARTICIPANT)) == 1
    assert "You're in" in sms("JOIN")
    return jamie, enrollment


def test_the_whole_ladder_from_enrollment_to_acknowledged_alert(ctx, client, sms, fake, worker, clock, peer):
    jamie = peer()
    created = enroll(jamie, nickname="J", time="18:00", days=["mon", "wed", "fri"], reply_window_minutes=60)
    assert created["status"] == "invited"
    assert created["phone_last4"] == "0123"
    assert created["next_checkin_at"] is None  # nothing is scheduled before JOIN
    assert set(created) >= {"id", "nickname", "time", "days", "timezone", "reply_window_minutes"}
    assert PARTICIPANT not in client.get(f"/api/enrollments/{created['id']}", headers=jamie.headers).text

    run_tick(worker, clock)
    (invitation,) = fake.to(PARTICIPANT)
    for words in (PROGRAM, "Jamie", "Reply JOIN to start", "STOP", "HELP", "Msg&data rates may apply", "6pm"):
        assert words in invitation
    assert fake.messages[0].status_callback.startswith("https://smsbot.test/twilio/status")

    # Before JOIN nothing is ever sent, even at check-in time.
    run_tick(worker, clock, "2026-03-04T23:30:00Z")
    assert len(fake.to(PARTICIPANT)) == 1

    clock.set(ctx.clock.now().replace(hour=23, minute=45))
    reply = sms("JOIN")
    assert "Mon, Wed, Fri at 6pm" in reply and "STOP" in reply
    enrollment = jamie.get(f"/api/enrollments/{created['id']}").json()
    assert enrollment["status"] == "active"
    assert enrollment["next_checkin_at"] == "2026-03-06T23:00:00+00:00"  # Friday 18:00 EST

    run_tick(worker, clock, "2026-03-06T22:59:00Z")
    assert len(fake.to(PARTICIPANT)) == 1
    run_tick(worker, clock, "2026-03-06T23:00:00Z")
    assert fake.to(PARTICIPANT)[-1] == CHECKIN_PROMPT
    run_tick(worker, clock, "2026-03-06T23:30:00Z")
    assert len(fake.to(PARTICIPANT)) == 2  # still inside the reply window

    run_tick(worker, clock, "2026-03-07T00:00:00Z")
    reminder = fake.to(PARTICIPANT)[-1]
    assert len(fake.to(PARTICIPANT)) == 3 and "Reply OK" in reminder and "CALL" in reminder
    assert jamie.get("/api/alerts", params={"status": "open"}).json() == []

    run_tick(worker, clock, "2026-03-07T01:00:00Z")
    (peer_text,) = fake.to(PEER_PHONE)
    (alert,) = jamie.get("/api/alerts", params={"status": "open"}).json()
    assert (
        alert["kind"] == "no_reply" and alert["nickname"] == "J" and alert["enrollment_id"] == created["id"]
    )
    assert "J " in peer_text and f"ref {alert['id']}" in peer_text
    assert "0123" not in peer_text and PARTICIPANT not in peer_text
    assert len(fake.to(PARTICIPANT)) == 3  # the participant gets nothing more

    acked = jamie.post(f"/api/alerts/{alert['id']}/ack")
    assert acked.status_code == 200 and acked.json()["status"] == "acked"
    assert jamie.get("/api/alerts", params={"status": "open"}).json() == []
    run_tick(worker, clock, "2026-03-07T03:00:00Z")  # acked: no escalation to anyone
    assert len(fake.messages) == 4


def test_ok_answers_the_check_in_and_stops_the_ladder(ctx, client, sms, fake, worker, clock, peer):
    _join(ctx, sms, fake, worker, clock, peer)
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert fake.to(PARTICIPANT)[-1] == CHECKIN_PROMPT
    assert sms("ok") == "Thanks for letting us know. Take care."
    (checkin,) = rows(ctx, Checkin)
    assert checkin.status == "answered" and checkin.answer_kind == "ok"
    run_tick(worker, clock, "2026-03-05T03:00:00Z")
    assert len(fake.to(PARTICIPANT)) == 2 and fake.to(PEER_PHONE) == []
    # The next day's check-in comes as usual.
    run_tick(worker, clock, "2026-03-05T23:00:00Z")
    assert fake.to(PARTICIPANT)[-1] == CHECKIN_PROMPT


def test_call_raises_an_urgent_alert_at_once(ctx, client, sms, fake, worker, clock, peer):
    jamie, _ = _join(ctx, sms, fake, worker, clock, peer)
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert "Jamie" in sms("CALL")
    run_tick(worker, clock, "2026-03-04T23:01:00Z")
    (peer_text,) = fake.to(PEER_PHONE)
    assert "asked for a call" in peer_text
    (alert,) = jamie.get("/api/alerts").json()
    assert alert["kind"] == "call"
    assert rows(ctx, Checkin)[0].answer_kind == "call"


def test_any_other_text_counts_as_an_answer(ctx, client, sms, fake, worker, clock, peer):
    _join(ctx, sms, fake, worker, clock, peer)
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert "Jamie will see it" in sms("rough day but hanging in")
    assert rows(ctx, Checkin)[0].answer_kind == "text"
    run_tick(worker, clock, "2026-03-05T03:00:00Z")
    assert len(fake.to(PARTICIPANT)) == 2 and fake.to(PEER_PHONE) == []


def test_a_free_text_answer_is_kept_encrypted_for_the_peer_then_deleted(
    ctx, client, sms, fake, worker, clock, peer
):
    jamie, enrollment = _join(ctx, sms, fake, worker, clock, peer)
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert "Jamie will see it" in sms("rough day but hanging in")
    (checkin,) = rows(ctx, Checkin)
    assert checkin.answer_kind == "text" and b"hanging" not in checkin.answer_ciphertext
    history = jamie.get(f"/api/enrollments/{enrollment['id']}/checkins").json()
    assert history[0]["answer_text"] == "rough day but hanging in"

    run_tick(worker, clock, "2026-03-12T23:00:01Z")  # SMSBOT_RETENTION_DAYS = 7 later
    history = jamie.get(f"/api/enrollments/{enrollment['id']}/checkins").json()
    assert history[-1]["answer_kind"] == "text" and history[-1]["answer_text"] is None


def test_help_during_an_open_check_in_alerts_the_peer(ctx, client, sms, fake, worker, clock, peer):
    jamie, _ = _join(ctx, sms, fake, worker, clock, peer)
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert "911" in sms("HELP")  # the HELP text itself comes from the core handler
    run_tick(worker, clock, "2026-03-04T23:01:00Z")
    assert "may need help now" in fake.to(PEER_PHONE)[0]
    assert jamie.get("/api/alerts").json()[0]["kind"] == "help"


def test_an_unacknowledged_alert_reaches_the_on_call_peer(ctx, client, sms, fake, worker, clock, peer):
    peer(name="Olu On-Call", phone=ON_CALL_PHONE, on_call=True)
    _join(ctx, sms, fake, worker, clock, peer)
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    run_tick(worker, clock, "2026-03-05T00:00:00Z")
    run_tick(worker, clock, "2026-03-05T01:00:00Z")
    assert len(fake.to(PEER_PHONE)) == 1 and fake.to(ON_CALL_PHONE) == []
    run_tick(worker, clock, "2026-03-05T01:29:00Z")
    assert fake.to(ON_CALL_PHONE) == []
    run_tick(worker, clock, "2026-03-05T01:30:00Z")  # SMSBOT_ALERT_ACK_MINUTES = 30
    (on_call_text,) = fake.to(ON_CALL_PHONE)
    assert "on-call" in on_call_text and "acked" in on_call_text
    run_tick(worker, clock, "2026-03-05T03:00:00Z")
    assert len(fake.to(ON_CALL_PHONE)) == 1  # once


def test_stop_ends_everything_and_nothing_more_is_sent(ctx, client, sms, fake, worker, clock, peer):
    jamie, enrollment = _join(ctx, sms, fake, worker, clock, peer)
    worker.tick  # noqa: B018
    clock.set(ctx.clock.now().replace(hour=23, minute=0))
    worker.tick(send=False)  # the prompt is queued, not yet sent
    sms("STOP")
    for at in (
        "2026-03-04T23:01:00Z",
        "2026-03-05T02:00:00Z",
        "2026-03-05T23:00:00Z",
        "2026-03-06T23:00:00Z",
    ):
        run_tick(worker, clock, at)
    assert len(fake.to(PARTICIPANT)) == 1  # the invitation only
    (peer_text,) = fake.to(PEER_PHONE)  # told plainly, once; never "no answer"
    assert "J asked for no more texts" in peer_text
    assert jamie.get(f"/api/enrollments/{enrollment['id']}").json()["status"] == "stopped"
    # START restores keyword replies, not check-ins: JOIN now finds no invitation.
    sms("START")
    assert "not signed up" in sms("JOIN")
    run_tick(worker, clock, "2026-03-07T23:00:00Z")
    assert len(fake.to(PARTICIPANT)) == 1 and len(fake.to(PEER_PHONE)) == 1


def test_suppression_is_checked_right_before_each_send(ctx, client, sms, fake, worker, clock, peer):
    """Whatever queued a text, a number on the suppression list never gets it."""
    from smsbot.models import Suppression
    from smsbot.outbound import outbox

    _join(ctx, sms, fake, worker, clock, peer)
    contact_id = rows(ctx, Enrollment)[0].contact_id
    with ctx.db.transaction() as conn:
        outbox.enqueue(
            conn, key="test:stray", purpose="checkin", body="stray", now=clock.now(), contact_id=contact_id
        )
        conn.execute(
            Suppression.__table__.insert().values(
                phone_index=ctx.vault.index(PARTICIPANT), opted_out_at=clock.now(), source="carrier"
            )
        )
    run_tick(worker, clock)
    assert "stray" not in fake.to(PARTICIPANT)
    (stray,) = rows(ctx, OutboxMessage, OutboxMessage.__table__.c.idempotency_key == "test:stray")
    assert stray.status == "suppressed"


def test_pause_and_resume(ctx, client, sms, fake, worker, clock, peer):
    jamie, enrollment = _join(ctx, sms, fake, worker, clock, peer)
    assert "RESUME" in sms("PAUSE")
    assert jamie.get(f"/api/enrollments/{enrollment['id']}").json()["status"] == "paused"
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert len(fake.to(PARTICIPANT)) == 1
    assert "6pm" in sms("RESUME")
    run_tick(worker, clock, "2026-03-05T23:00:00Z")
    assert fake.to(PARTICIPANT)[-1] == CHECKIN_PROMPT


def test_self_opt_in_asks_a_time_then_is_active_with_the_on_call_peer(
    ctx, client, sms, fake, worker, clock, peer
):
    olu = peer(name="Olu Okafor", phone=ON_CALL_PHONE, on_call=True)
    assert "like 6pm" in sms("CHECKIN")
    reply = sms("6pm")
    assert "every day at 6pm" in reply and "Olu" in reply
    (enrollment,) = olu.get("/api/enrollments").json()
    assert enrollment["status"] == "active" and enrollment["time"] == "18:00"
    assert enrollment["next_checkin_at"] == "2026-03-04T23:00:00+00:00"
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert "call from Olu" in fake.to(PARTICIPANT)[-1]


def test_a_time_in_spanish_is_understood(ctx, client, sms, fake, worker, clock, peer):
    olu = peer(name="Olu Okafor", phone=ON_CALL_PHONE, on_call=True)
    sms("CHECKIN")
    sms("6 de la tarde")
    (enrollment,) = olu.get("/api/enrollments").json()
    assert enrollment["time"] == "18:00" and enrollment["status"] == "active"


def test_a_spanish_speaker_is_invited_and_checked_in_in_spanish(ctx, client, sms, fake, worker, clock, peer):
    enroll(peer(), language="es")
    run_tick(worker, clock)
    (invitation,) = fake.to(PARTICIPANT)
    assert "UNIRME" in invitation and "STOP" in invitation and "tarifas" in invitation
    assert "todos los días a las 18:00" in sms("UNIRME")
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert fake.to(PARTICIPANT)[-1].startswith("Hola") and "LLAMAR" in fake.to(PARTICIPANT)[-1]
    assert sms("bien") == "Gracias por avisarnos. Cuídate."


def test_invitations_expire_after_seven_days(ctx, client, sms, fake, worker, clock, peer):
    jamie = peer()
    created = enroll(jamie)
    run_tick(worker, clock, "2026-03-11T15:01:00Z")
    assert jamie.get(f"/api/enrollments/{created['id']}").json()["status"] == "expired"
    assert "not signed up" in sms("JOIN")


def test_forget_removes_enrollments_and_check_ins(ctx, client, sms, fake, worker, clock, peer):
    _join(ctx, sms, fake, worker, clock, peer)
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    sms("FORGET")
    assert rows(ctx, Enrollment) == [] and rows(ctx, Checkin) == []
    assert all(row.contact_id is None for row in rows(ctx, OutboxMessage))
    run_tick(worker, clock, "2026-03-05T23:00:00Z")
    assert len(fake.to(PARTICIPANT)) == 2 and rows(ctx, Alert) == []
