"""Fencing and lost outcomes: a stalled worker and a second one, a fault on one row mid-batch, and
status callbacks that arrive before their SID is recorded (or for a send whose outcome is unknown).
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest

from smsbot.clock import FrozenClock, parse_iso
from smsbot.models import Alert, Checkin, OutboxMessage, OutboxPendingStatus
from smsbot.outbound import outbox
from smsbot.outbound.dispatch import Dispatcher
from smsbot.outbound.pacing import NoPacing
from smsbot.outbound.senders import SendError, TwilioSender
from smsbot.worker.tick import Worker
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PEER_PHONE, rows, run_tick, twilio_settings
from tests.conftest import sign
from tests.test_outbox_support import FaultySender, T, join_all, phones, prompts_to, status_callback

OB = OutboxMessage.__table__


class _Observed(Dispatcher):
    """A dispatcher that says when it has written SIDs (the test waits on that, not on a clock)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recorded = threading.Event()

    def sids_written(self, count: int) -> None:
        if count:
            self.recorded.set()


def _prompt_row(ctx, number_index: int):
    """The check-in prompt row of the n-th participant (rows are queued in enrollment order)."""
    return rows(ctx, OutboxMessage, OB.c.purpose == "checkin")[number_index]


@pytest.mark.parametrize("stalls_on", ["peer alert", "participant check-in"])
def test_a_stalled_worker_and_a_second_worker_never_double_a_participant_text(
    ctx, client, sms, fake, worker, clock, peer, stalls_on
):
    jamie, numbers = peer(), phones(3)
    join_all(sms, worker, clock, jamie, numbers)
    clock.set(parse_iso(T) - timedelta(minutes=1))
    sms("CALL", from_=numbers[0])  # an alert text to the peer, queued before the check-ins
    clock.set(parse_iso(T))
    worker.tick(send=False)  # the check-ins are queued; nobody has sent them yet
    fake.script("hang", to=PEER_PHONE if stalls_on == "peer alert" else numbers[0])

    # Worker A takes everything due, one row at a time, and stalls inside its first HTTP call.
    sender = TwilioSender(twilio_settings(ctx, fake))
    stalled = _Observed(ctx, sender, on_failure=worker.failures.on_send_failure, pacer=NoPacing(), threads=1)
    reports = []
    thread = threading.Thread(target=lambda: reports.append(stalled.run()))
    thread.start()
    assert fake.hanging.wait(30), "worker A should be inside its first send"
    if stalls_on == "participant check-in":
        # What A sent before it stalled is written within a moment (B only comes after a lease).
        assert stalled.recorded.wait(30), "worker A should write the SID of what it sent"
        assert rows(ctx, OutboxMessage, OB.c.purpose == "alert")[0].status == "sent"

    # Worker B comes along after A's lease ran out.
    later = dataclasses.replace(ctx, clock=FrozenClock(parse_iso(T) + timedelta(minutes=10)))
    second = Worker(later, sender=TwilioSender(twilio_settings(ctx, fake)), pacer=NoPacing())
    second.tick()
    fake.release.set()  # A's call finally returns; A goes on with rows it no longer holds
    thread.join(30)
    assert not thread.is_alive()

    assert [prompts_to(fake, number) for number in numbers] == [1, 1, 1]
    call_alerts = [text for text in fake.to(PEER_PHONE) if "asked for a call" in text]
    assert len(call_alerts) == (2 if stalls_on == "peer alert" else 1)  # at most twice, never lost
    (report,) = reports
    assert report.results["lost"] == (3 if stalls_on == "peer alert" else 2)  # A sent nothing it lost
    # A's late answer still records what it knows: the stalled text did go out.
    statuses = {row.purpose: row.status for row in rows(ctx, OutboxMessage, OB.c.status != "sent")}
    assert statuses == {}, statuses
    run_tick(second, later.clock, parse_iso(T) + timedelta(hours=3))
    assert all(prompts_to(fake, number) == 1 for number in numbers)


def test_a_fault_on_one_row_mid_batch_keeps_every_other_outcome(ctx, client, sms, fake, worker, clock, peer):
    jamie, numbers = peer(), phones(6)
    join_all(sms, worker, clock, jamie, numbers)

    def boom(to, send):
        raise RuntimeError("injected")

    faulty = Worker(
        ctx, sender=FaultySender(TwilioSender(twilio_settings(ctx, fake)), numbers[3], boom), pacer=NoPacing()
    )
    report = run_tick(faulty, clock, T)
    assert report.dispatch.results["sent"] == 5 and report.dispatch.results["unknown"] == 1
    sids = {message.sid for message in fake.messages}
    for i in range(6):
        row = _prompt_row(ctx, i)
        if i == 3:  # it may have reached Twilio (we cannot tell): unknown, never resent
            assert row.status == "unknown" and row.twilio_sid is None
        else:
            assert row.status == "sent" and row.twilio_sid in sids
    run_tick(faulty, clock, parse_iso(T) + timedelta(minutes=30))
    assert [prompts_to(fake, number) for number in numbers] == [1, 1, 1, 0, 1, 1]


def test_sids_gathered_are_written_even_when_the_send_loop_breaks(
    ctx, client, sms, fake, worker, clock, peer, monkeypatch
):
    jamie, numbers = peer(), phones(4)
    join_all(sms, worker, clock, jamie, numbers)
    real_claim, calls = outbox.claim, []

    def claim_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("database went away")
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(outbox, "claim", claim_then_fail)
    with pytest.raises(RuntimeError):
        run_tick(worker, clock, T)
    monkeypatch.setattr(outbox, "claim", real_claim)
    sent = [row for row in rows(ctx, OutboxMessage, OB.c.purpose == "checkin")]
    assert {row.status for row in sent} == {"sent"} and all(row.twilio_sid for row in sent)


def test_a_status_callback_before_its_sid_is_recorded_still_raises_could_not_reach(
    ctx, client, sms, fake, worker, clock, peer
):
    jamie, numbers = peer(), phones(3)
    join_all(sms, worker, clock, jamie, numbers)
    seen = {}

    def report_first(to, send):
        sid = send()
        message = fake.messages[-1]
        # Twilio's report beats the worker's write of the SID.
        seen["row"] = rows(ctx, OutboxMessage, OB.c.id == int(message.status_callback.split("o=")[1]))[0]
        seen["answer"] = status_callback(
            client, message.status_callback, sid, "undelivered", ErrorCode="30003"
        ).status_code
        seen["kept"] = len(rows(ctx, OutboxPendingStatus))
        return sid

    sender = FaultySender(TwilioSender(twilio_settings(ctx, fake)), numbers[1], report_first)
    racing = Worker(ctx, sender=sender, pacer=NoPacing())
    run_tick(racing, clock, T)
    assert seen["row"].status == "attempting" and seen["answer"] == 204 and seen["kept"] == 1
    row = _prompt_row(ctx, 1)
    assert row.status == "undelivered" and row.error_code == "30003"
    assert rows(ctx, OutboxPendingStatus) == []
    (alert,) = jamie.get("/api/alerts").json()
    assert alert["kind"] == "unreachable"
    run_tick(racing, clock, parse_iso(T) + timedelta(minutes=1))
    assert sum("could not reach" in text for text in fake.to(PEER_PHONE)) == 1


def test_a_callback_settles_a_send_whose_outcome_was_unknown(ctx, client, sms, fake, worker, clock, peer):
    """The answer was lost after Twilio took the text: `unknown`, until Twilio's report names the row."""
    jamie, numbers = peer(), phones(2)
    join_all(sms, worker, clock, jamie, numbers)
    lost = {}

    def answer_lost(to, send):
        lost["sid"] = send()
        raise SendError("unknown", "timeout")

    sender = FaultySender(TwilioSender(twilio_settings(ctx, fake)), numbers[0], answer_lost)
    flaky = Worker(ctx, sender=sender, pacer=NoPacing())
    run_tick(flaky, clock, T)
    assert _prompt_row(ctx, 0).status == "unknown"
    callback_url = next(m.status_callback for m in fake.messages if m.sid == lost["sid"])
    assert status_callback(client, callback_url, lost["sid"], "delivered").status_code == 204
    row = _prompt_row(ctx, 0)
    assert row.status == "delivered" and row.twilio_sid == lost["sid"]
    # Now known to have gone out: silence is a real "no answer" (the other participant answered).
    sms("ok", from_=numbers[1])
    run_tick(flaky, clock, parse_iso(T) + timedelta(minutes=61))
    run_tick(flaky, clock, parse_iso(T) + timedelta(minutes=122))
    (alert,) = jamie.get("/api/alerts").json()
    assert alert["kind"] == "no_reply"
    assert prompts_to(fake, numbers[0]) == 1


def test_an_unknown_prompt_is_not_escalated_as_no_answer(ctx, client, sms, fake, worker, clock, peer):
    jamie, numbers = peer(), phones(2)
    join_all(sms, worker, clock, jamie, numbers)

    faults = [SendError("unknown", "timeout")]  # the prompt's attempt only; the reminder goes

    def never_reached(to, send):
        if faults:
            raise faults.pop()
        return send()

    sender = FaultySender(TwilioSender(twilio_settings(ctx, fake)), numbers[0], never_reached)
    flaky = Worker(ctx, sender=sender, pacer=NoPacing())
    run_tick(flaky, clock, T)
    run_tick(flaky, clock, parse_iso(T) + timedelta(minutes=61))  # reminders to both
    assert prompts_to(fake, numbers[0]) == 0 and "Hi again" in fake.to(numbers[0])[-1]  # a distinct text
    assert jamie.get("/api/alerts").json() == []  # not escalated at the first window
    sms("ok", from_=numbers[1])
    run_tick(flaky, clock, parse_iso(T) + timedelta(minutes=122))
    (alert,) = jamie.get("/api/alerts").json()
    assert alert["kind"] == "unconfirmed" and alert["nickname"] == "Q00"
    run_tick(flaky, clock, parse_iso(T) + timedelta(minutes=123))
    (told,) = fake.to(PEER_PHONE)
    assert "could not confirm" in told and "Q00" in told
    assert [c.status for c in rows(ctx, Checkin)] == ["no_reply", "answered"]


def test_21610_in_a_status_callback_ends_the_enrollment(ctx, client, sms, fake, worker, clock, peer):
    """Messaging Services report an opted-out number in the callback, not on the REST call."""
    jamie, numbers = peer(), phones(1)
    join_all(sms, worker, clock, jamie, numbers)
    run_tick(worker, clock, T)
    message = fake.messages[-1]
    answer = status_callback(client, message.status_callback, message.sid, "failed", ErrorCode="21610")
    assert answer.status_code == 204
    assert jamie.get("/api/enrollments").json()[0]["status"] == "stopped"
    run_tick(worker, clock, parse_iso(T) + timedelta(minutes=1))
    (told,) = fake.to(PEER_PHONE)
    assert "asked for no more texts" in told and "could not reach" not in told
    for day in range(5, 8):
        run_tick(worker, clock, f"2026-03-0{day}T23:00:00Z")
    assert len(fake.to(numbers[0])) == 2  # the invitation and that one check-in: nothing more
    assert len(rows(ctx, Alert)) == 1


def test_kept_callbacks_are_signed_with_their_row_and_cleaned_up(ctx, client, clock, worker):
    """A report for a SID nobody recorded is kept (not dropped), but not forever; the row it names
    is part of what Twilio signed, so it cannot be pointed at another row."""
    url = "https://smsbot.test/twilio/status?o=1"
    assert status_callback(client, url, "SM" + "0" * 32, "delivered").status_code == 204
    (kept,) = rows(ctx, OutboxPendingStatus)
    assert kept.outbox_id == 1 and kept.status == "delivered"
    params = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "failed", "AccountSid": "AC" + "0" * 32}
    forged = client.post("/twilio/status?o=2", data=params, headers={"X-Twilio-Signature": sign(url, params)})
    assert forged.status_code == 403 and len(rows(ctx, OutboxPendingStatus)) == 1
    run_tick(worker, clock, clock.now() + timedelta(days=1))
    assert len(rows(ctx, OutboxPendingStatus)) == 1  # Twilio may still be catching up
    run_tick(worker, clock, clock.now() + timedelta(days=2))
    assert rows(ctx, OutboxPendingStatus) == []
