"""Sending through the outbox: retries, carrier errors, pacing, crash leases and status callbacks."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

from smsbot.clock import parse_iso
from smsbot.models import Alert, Checkin, Contact, Enrollment, OutboxMessage, Staff, Suppression
from smsbot.outbound import outage, outbox, pacing
from smsbot.outbound.pacing import NoPacing, SharedPacer
from smsbot.outbound.senders import ConsoleSender, TwilioSender
from smsbot.outbound.states import OutboxStatus, can_move, from_twilio
from smsbot.worker.tick import Worker
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PARTICIPANT, PEER_PHONE, enroll, rows, run_tick, twilio_settings
from tests.conftest import PUBLIC_URL, sign
from tests.fake_twilio import FakeTwilio

OB = OutboxMessage.__table__


def _active_with_prompt_due(ctx, sms, worker, clock, peer):
    jamie = peer()
    enroll(jamie)
    run_tick(worker, clock)
    sms("JOIN")
    return jamie


def _prompt(ctx):
    return rows(ctx, OutboxMessage, OB.c.purpose == "checkin")[0]


def test_a_429_slows_down_and_the_text_goes_in_the_same_tick(ctx, client, sms, fake, worker, clock, peer):
    """429 means too fast, not Twilio down: no pause for everyone, the text goes again at once."""
    _active_with_prompt_due(ctx, sms, worker, clock, peer)
    fake.script("429")
    report = run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert report.dispatch.paused_until is None and report.dispatch.results["throttled"] == 1
    prompt = _prompt(ctx)
    assert prompt.status == "sent" and prompt.attempts == 2
    assert len(fake.to(PARTICIPANT)) == 2  # the invitation and exactly one check-in


def test_429s_that_go_on_and_500_pause_sending_and_the_text_keeps_its_place(
    ctx, client, sms, fake, worker, clock, peer
):
    _active_with_prompt_due(ctx, sms, worker, clock, peer)
    fake.script("429", "429", "429", "500")  # a third 429 in a row for it: everyone pauses
    report = run_tick(worker, clock, "2026-03-04T23:00:00Z")
    first = _prompt(ctx)
    assert first.status == "queued" and first.attempts == 3 and first.error_code == "20429"
    assert first.next_attempt_at == parse_iso("2026-03-04T23:00:00Z")  # its place in the queue
    assert report.dispatch.paused_until == clock.now() + outage.PAUSE  # everyone waits, not just it
    requests = fake.requests
    run_tick(worker, clock, clock.now() + timedelta(seconds=10))
    assert fake.requests == requests  # paused: nothing tried
    run_tick(worker, clock, clock.now() + outage.PAUSE)  # the 500: paused again
    run_tick(worker, clock, clock.now() + outage.PAUSE)
    assert _prompt(ctx).status == "sent" and _prompt(ctx).attempts == 5
    assert len(fake.to(PARTICIPANT)) == 2  # the invitation and exactly one check-in


def test_a_text_failing_past_the_outage_limit_is_given_up_and_the_peer_alerted(
    ctx, client, sms, fake, worker, clock, peer
):
    jamie = _active_with_prompt_due(ctx, sms, worker, clock, peer)
    fake.script("500", "500", "500", to=PARTICIPANT)
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    run_tick(worker, clock, clock.now() + outage.PAUSE)
    assert _prompt(ctx).status == "queued"  # a Twilio outage does not use a text up...
    with ctx.db.transaction() as conn:  # ...until it has lasted OUTAGE_GIVE_UP for this text
        conn.execute(OB.update().values(created_at=clock.now() - outage.OUTAGE_GIVE_UP))
    run_tick(worker, clock, clock.now() + outage.PAUSE)
    assert _prompt(ctx).status == "failed" and _prompt(ctx).attempts == 3
    (alert,) = jamie.get("/api/alerts").json()
    assert alert["kind"] == "unreachable"
    assert "could not reach" in fake.to(PEER_PHONE)[0]
    assert rows(ctx, Checkin)[0].status == "unreachable"
    run_tick(worker, clock, "2026-03-05T03:00:00Z")  # not also the no-reply path
    assert len(fake.to(PEER_PHONE)) == 1 and len(jamie.get("/api/alerts").json()) == 1


def test_21610_means_opted_out_for_good(ctx, client, sms, fake, worker, clock, peer):
    jamie = _active_with_prompt_due(ctx, sms, worker, clock, peer)
    fake.script("21610", to=PARTICIPANT)
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    prompt = _prompt(ctx)
    assert prompt.status == "failed" and prompt.error_code == "21610" and prompt.attempts == 1
    # The one opt-out (checkins/optout.py) did it, not the dispatcher: suppression naming the source.
    (suppressed,) = rows(ctx, Suppression)
    assert suppressed.phone_index == ctx.vault.index(PARTICIPANT) and suppressed.source == "carrier_21610"
    assert rows(ctx, Contact)[0].opted_out_at is not None
    assert jamie.get("/api/enrollments").json()[0]["status"] == "stopped"
    for day in range(5, 8):
        run_tick(worker, clock, f"2026-03-0{day}T23:00:00Z")
    # Only the invitation got through; the refused check-in was never retried, nothing more was tried.
    assert len(fake.to(PARTICIPANT)) == 1 and fake.requests == 2 + len(fake.to(PEER_PHONE))
    (told,) = fake.to(PEER_PHONE)
    assert "asked for no more texts" in told and "could not reach" not in told


def test_invalid_numbers_fail_at_once(ctx, client, sms, fake, worker, clock, peer):
    jamie = _active_with_prompt_due(ctx, sms, worker, clock, peer)
    fake.script("21614", to=PARTICIPANT)
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert _prompt(ctx).status == "failed" and _prompt(ctx).attempts == 1
    assert jamie.get("/api/alerts").json()[0]["kind"] == "unreachable"


def test_connection_errors_are_retried(ctx, client, sms, fake, clock, peer):
    dead = FakeTwilio().start()
    dead_url = dead.base_url
    dead.stop()  # nothing listens there any more
    settings = ctx.settings.model_copy(update={"sender": "twilio", "twilio_api_base_url": dead_url})
    down = Worker(ctx, sender=TwilioSender(settings), pacer=NoPacing())
    enroll(peer())
    run_tick(down, clock)
    (invitation,) = rows(ctx, OutboxMessage)
    assert (
        invitation.status == "queued" and invitation.attempts == 1 and invitation.error_code == "connection"
    )
    up = Worker(ctx, sender=TwilioSender(twilio_settings(ctx, fake)), pacer=NoPacing())
    run_tick(up, clock, clock.now() + outage.PAUSE)  # sending waited out the pause
    assert len(fake.to(PARTICIPANT)) == 1


def _contact_and_peer(ctx, now):
    with ctx.db.transaction() as conn:
        contact_id = conn.execute(
            Contact.__table__.insert()
            .values(phone_index="x" * 64, created_at=now, last_seen_at=now)
            .returning(Contact.__table__.c.id)
        ).scalar_one()
        staff_id = conn.execute(
            Staff.__table__.insert()
            .values(
                name="P",
                role="peer",
                created_at=now,
                must_change_password=False,
                is_active=True,
                is_on_call=False,
            )
            .returning(Staff.__table__.c.id)
        ).scalar_one()
    return contact_id, staff_id


def test_recovery_requeues_what_was_never_tried_and_never_resends_an_unknown_participant_text(ctx, clock):
    """A dead worker's rows: held-but-untried ones go back in order; tried ones are `unknown`;
    only a peer alert is sent once more (a duplicate alert beats a lost one), and only once."""
    now, lease = clock.now(), timedelta(seconds=60)
    contact_id, staff_id = _contact_and_peer(ctx, now)
    with ctx.db.transaction() as conn:
        for key, purpose in [("p1", "checkin"), ("a", "alert"), ("p2", "checkin"), ("p3", "reminder")]:
            recipient = {"staff_id": staff_id} if purpose == "alert" else {"contact_id": contact_id}
            outbox.enqueue(conn, key=key, purpose=purpose, body="b", now=now, **recipient)
        held = outbox.claim(conn, now, 10, lease, "token-1")
        assert [row.purpose for row in held] == ["checkin", "alert", "checkin", "reminder"]
        assert outbox.claim(conn, now, 10, lease, "token-2") == []  # held: nobody else takes them
        # The dead worker got as far as the HTTP call for the first two rows only.
        assert outbox.mark_attempting(conn, held[0], now, lease) and outbox.mark_attempting(
            conn, held[1], now, lease
        )
        assert outbox.recover_interrupted(conn, now + timedelta(seconds=30)).unknown == []  # lease still on
        found = outbox.recover_interrupted(conn, now + timedelta(seconds=61))
    assert found.released == 2 and [row.purpose for row in found.unknown] == ["checkin", "alert"]
    assert found.requeued == [held[1].id] and found.gave_up == []
    by_key = {row.idempotency_key: row for row in rows(ctx, OutboxMessage)}
    assert by_key["p1"].status == "unknown" and by_key["p1"].attempts == 1
    assert by_key["a"].status == "queued" and by_key["a"].interrupted == 1
    assert by_key["p2"].status == "queued" and by_key["p2"].attempts == 0  # never tried: not an attempt
    assert by_key["p2"].next_attempt_at == now  # keeps its place in the queue
    # The dead worker's token no longer works: it cannot send or record anything on these rows.
    with ctx.db.transaction() as conn:
        assert not outbox.mark_attempting(conn, held[2], now, lease)
        assert not outbox.retry_later(conn, held[1], "x", now, now)
        again = outbox.claim(conn, now + timedelta(seconds=61), 10, lease, "token-3")
    assert [row.idempotency_key for row in rows(ctx, OutboxMessage, OB.c.id.in_([r.id for r in again]))] == [
        "a",
        "p2",
        "p3",
    ]
    # The alert's second attempt is cut off too: not resent a third time, handed to the fallback.
    alert_row = next(row for row in again if row.purpose == "alert")
    later = now + timedelta(seconds=200)
    with ctx.db.transaction() as conn:
        assert outbox.mark_attempting(conn, alert_row, now + timedelta(seconds=61), lease)
        found = outbox.recover_interrupted(conn, later)
    assert found.requeued == [] and [row.purpose for row in found.gave_up] == ["alert"]
    assert rows(ctx, OutboxMessage, OB.c.idempotency_key == "a")[0].status == "unknown"


def test_the_states_module_allows_only_forward_moves():
    assert (
        can_move("queued", "claimed") and can_move("claimed", "queued") and can_move("attempting", "unknown")
    )
    assert not can_move("unknown", "attempting") and not can_move("sent", "queued")
    assert not can_move("delivered", "sent") and not can_move("queued", "sent")
    assert from_twilio("canceled") == OutboxStatus.CANCELLED and from_twilio("receiving") is None


def test_the_same_idempotency_key_is_queued_once(ctx, clock):
    now = clock.now()
    with ctx.db.transaction() as conn:
        contact_id = conn.execute(
            Contact.__table__.insert()
            .values(phone_index="y" * 64, created_at=now, last_seen_at=now)
            .returning(Contact.__table__.c.id)
        ).scalar_one()
        assert outbox.enqueue(
            conn, key="checkin:1:prompt", purpose="checkin", body="b", now=now, contact_id=contact_id
        )
        assert not outbox.enqueue(
            conn, key="checkin:1:prompt", purpose="checkin", body="b", now=now, contact_id=contact_id
        )
    assert len(rows(ctx, OutboxMessage)) == 1


def test_the_shared_pace_holds_across_workers(ctx):
    """Two workers (pacers) reserving from one bucket row never send closer than 1/rate apart."""
    wall = [1000.0]
    sent: list[float] = []

    def sleep(seconds: float) -> None:
        wall[0] += seconds

    first = SharedPacer(ctx.db, 20.0, wall=lambda: wall[0], sleep=sleep)
    second = SharedPacer(ctx.db, 20.0, wall=lambda: wall[0], sleep=sleep)
    for i in range(40):
        (first if i % 3 else second).wait()
        sent.append(wall[0])
    # A slot may be used up to one interval late (timer jitter), so two sends can meet, never three.
    assert all(sent[i + 2] - sent[i] >= 0.05 - 1e-9 for i in range(len(sent) - 2))
    assert sent[-1] - sent[0] >= 38 * 0.05 - 1e-9  # on average never faster than the rate
    # Slots left unused while a worker was busy are dropped, not caught up on in a burst.
    wall[0] += 5
    before = wall[0]
    first.wait()
    first.wait()
    assert wall[0] - before >= 0.05 - 1e-9


def test_a_late_sender_keeps_its_slot_within_the_tolerance_and_a_429_backs_everyone_off(ctx):
    """At 100/s a sender woken 30 ms late still sends (a busy CPU does not cost rate); slots gone by
    further are dropped and counted; after a 429 no slot is handed out for BACK_OFF_SECONDS, in this
    worker or in another that reserves from the shared row."""
    wall = [1000.0]
    pacer = SharedPacer(ctx.db, 100.0, wall=lambda: wall[0], sleep=lambda s: None)
    first = pacer.next_slot()
    wall[0] = first + 0.03
    assert pacer.on_time(first)
    assert pacer.next_slot() == first + 0.01 and pacer.dropped == 0  # not lost to the late wake-up
    wall[0] = first + 1.0
    assert pacer.next_slot() >= wall[0] - 0.05 and pacer.dropped > 0
    assert not pacer.on_time(first)
    pacer.back_off()
    assert pacer.next_slot() >= wall[0] + pacing.BACK_OFF_SECONDS - 1e-9
    other = SharedPacer(ctx.db, 100.0, wall=lambda: wall[0], sleep=lambda s: None)
    assert other.next_slot() >= wall[0] + pacing.BACK_OFF_SECONDS - 1e-9


def test_a_sender_checking_its_slot_never_waits_for_one_reserving_slots(ctx):
    """One sender checks a late slot inside its transaction (`on_time`) while another holds the
    pacer to reserve slots, a transaction of its own: both finish. (It hung for good on SQLite: the
    checker waited for the pacer, the reserver for the checker's write lock.) Events order the two
    threads; the join's timeout only turns a hang into a failure."""
    now = [1000.0]
    reserver_holds_pacer, checker_in_transaction = threading.Event(), threading.Event()

    def wall() -> float:
        if threading.current_thread().name == "reserver" and not reserver_holds_pacer.is_set():
            reserver_holds_pacer.set()  # called under the pacer's lock, before the reservation
            checker_in_transaction.wait()
        return now[0]

    pacer = SharedPacer(ctx.db, 100.0, wall=wall, sleep=lambda s: None)
    late_slot = pacer.next_slot()
    now[0] = late_slot + 1.0  # every slot held has gone by: the next one is reserved anew
    outcome: dict[str, object] = {}

    def reserve() -> None:
        outcome["reserved"] = pacer.next_slot()

    def check() -> None:
        reserver_holds_pacer.wait()
        with ctx.db.transaction():
            checker_in_transaction.set()
            outcome["on_time"] = pacer.on_time(late_slot)

    threads = [threading.Thread(target=reserve, name="reserver", daemon=True)]
    threads.append(threading.Thread(target=check, name="checker", daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    hung = any(thread.is_alive() for thread in threads)
    if hung:  # set them free (a plain Lock may be released by any thread), so the suite goes on
        pacer._lock.release()
        for thread in threads:
            thread.join(timeout=60)
    assert not hung, "the senders waited for each other"
    assert outcome["on_time"] is False and pacer.dropped > 0  # the late slot is counted as lost
    assert outcome["reserved"] >= now[0]  # a fresh slot, not one gone by


class VirtualWall:
    """Seconds that pass only when someone sleeps: pacing on it is exact on any machine."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now, self._lock = start, threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(0.0, seconds)


def test_sending_at_a_rate_never_trips_a_fake_that_enforces_it(ctx, clock):
    """The pacer and the fake's limiter share one injected clock: the send schedule is asserted,
    not raced (the old version failed under CPU load)."""
    wall = VirtualWall()
    fake = FakeTwilio(rate=50, burst=2, clock=wall).start()
    try:
        ctx.settings.send_rate = 50.0
        now = clock.now()
        with ctx.db.transaction() as conn:
            for i in range(30):
                e164 = f"+1555555{i:04d}"
                contact_id = conn.execute(
                    Contact.__table__.insert()
                    .values(
                        phone_index=ctx.vault.index(e164),
                        phone_ciphertext=ctx.vault.encrypt(e164),
                        created_at=now,
                        last_seen_at=now,
                    )
                    .returning(Contact.__table__.c.id)
                ).scalar_one()
                outbox.enqueue(
                    conn, key=f"k{i}", purpose="invitation", body="hi", now=now, contact_id=contact_id
                )
        pacer = SharedPacer(ctx.db, 50.0, wall=wall, sleep=wall.sleep)
        worker = Worker(ctx, sender=TwilioSender(twilio_settings(ctx, fake)), pacer=pacer)
        worker.dispatcher.threads = 1  # one sender: each send happens at the virtual time it slept to
        report = worker.tick()
        assert report.dispatch.sent == 30
        assert fake.rejected_429 == 0 and len(fake.messages) == 30
        # The schedule: 30 sends at 50/s take 29 intervals of 20 ms of (virtual) time, at least.
        assert wall.now - 1000.0 >= 29 * 0.02 - 1e-9
    finally:
        fake.stop()


def test_the_console_sender_masks_the_number():
    stream = io.StringIO()
    sid = ConsoleSender(stream).send("+15555550123", "hello")
    assert stream.getvalue() == "[sms to ***0123] hello\n" and sid.startswith("CONSOLE")


def _callback(client, sid: str, status: str, **extra):
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32, **extra}
    return client.post(
        "/twilio/status",
        data=params,
        headers={"X-Twilio-Signature": sign(PUBLIC_URL + "/twilio/status", params)},
    )


def test_status_callbacks_move_forward_only_and_undelivered_alerts_at_once(
    ctx, client, sms, fake, worker, clock, peer
):
    jamie = _active_with_prompt_due(ctx, sms, worker, clock, peer)
    invitation_sid = fake.messages[0].sid
    assert _callback(client, invitation_sid, "delivered").status_code == 204
    assert _callback(client, invitation_sid, "sent").status_code == 204  # late, ignored
    assert rows(ctx, OutboxMessage, OB.c.twilio_sid == invitation_sid)[0].status == "delivered"

    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    prompt_sid = fake.messages[-1].sid
    assert _callback(client, prompt_sid, "sent").status_code == 204
    assert _callback(client, prompt_sid, "undelivered", ErrorCode="30003").status_code == 204
    assert _callback(client, prompt_sid, "undelivered", ErrorCode="30003").status_code == 204  # again: once
    prompt = rows(ctx, OutboxMessage, OB.c.twilio_sid == prompt_sid)[0]
    assert prompt.status == "undelivered" and prompt.error_code == "30003"
    (alert,) = jamie.get("/api/alerts").json()
    assert alert["kind"] == "unreachable"
    run_tick(worker, clock, "2026-03-04T23:01:00Z")
    assert "could not reach" in fake.to(PEER_PHONE)[0]
    run_tick(worker, clock, "2026-03-05T03:00:00Z")  # no reminder, no second alert
    assert len(fake.to(PARTICIPANT)) == 2 and len(rows(ctx, Alert)) == 1


def test_status_callbacks_must_be_signed(ctx, client):
    forged = client.post(
        "/twilio/status",
        data={"MessageSid": "SMx", "MessageStatus": "failed"},
        headers={"X-Twilio-Signature": "x"},
    )
    assert forged.status_code == 403
    assert _callback(client, "SM-unknown", "delivered").status_code == 204
    assert _callback(client, "SM-x", "").status_code == 422
    wrong_type = client.post("/twilio/status", content=b"{}", headers={"Content-Type": "application/json"})
    assert wrong_type.status_code == 415


def test_an_alert_for_a_peer_without_a_phone_stays_open_in_the_api(
    ctx, client, sms, fake, worker, clock, peer
):
    """A peer whose phone was removed: no text goes anywhere, but the alert is open for the dashboard."""
    jamie = _active_with_prompt_due(ctx, sms, worker, clock, peer)
    with ctx.db.transaction() as conn:
        conn.execute(
            Staff.__table__.update().where(Staff.__table__.c.id == jamie.id).values(phone_ciphertext=None)
        )
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    sms("CALL")
    run_tick(worker, clock, "2026-03-04T23:01:00Z")
    assert fake.to(PEER_PHONE) == []
    assert rows(ctx, Alert)[0].status == "open" and rows(ctx, Enrollment)[0].status == "active"
