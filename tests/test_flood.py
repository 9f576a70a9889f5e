"""The per-number flood limit silences information replies only: emergencies, distress, HELP and
check-in answers always get through; compliance words always act, and their replies cannot loop."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from smsbot.inbound.flood import URGENT_PER_MINUTE
from smsbot.models import Alert, Checkin, Enrollment, InboundCounter, Suppression
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PARTICIPANT, PEER_PHONE, enroll, rows, run_tick
from tests.conftest import TEXTER, twiml_messages


def _flood(sms, settings, text: str = "naloxone") -> None:
    """Use up the minute's information replies, and check they stopped."""
    replies = [sms(text) for _ in range(settings.rate_limit_per_minute + 7)]
    assert all(replies[: settings.rate_limit_per_minute])
    assert not any(replies[settings.rate_limit_per_minute :])


def test_an_emergency_past_the_flood_limit_gets_911_then_help_gets_help(sms, settings):
    _flood(sms, settings)  # 15 texts in a minute
    emergency = sms("he's not breathing")
    assert emergency and "911" in emergency[:80]
    help_reply = sms("HELP")
    assert help_reply and "Msg&data rates may apply" in help_reply and "STOP" in help_reply
    assert "988" in (sms("i want to kill myself") or "")
    assert sms("im using alone tonight")  # nobody else is there: never flood-silenced
    assert sms("naloxone") is None  # information is still limited


def test_a_flooding_participant_in_distress_gets_988_and_the_peer_hears(
    ctx, client, sms, fake, worker, clock, peer
):
    jamie = peer()
    enroll(jamie)
    run_tick(worker, clock)
    assert "You're in" in sms("JOIN")
    clock.advance(minutes=1)
    _flood(sms, ctx.settings, "heart")
    reply = sms("I want to kill myself")
    assert reply and "988" in reply
    (alert,) = rows(ctx, Alert)
    assert alert.kind == "distress"
    run_tick(worker, clock)
    assert any("may need help now" in text for text in fake.to(PEER_PHONE))


def test_a_check_in_answer_is_never_flood_silenced(ctx, client, sms, fake, worker, clock, peer):
    jamie = peer()
    enroll(jamie)
    run_tick(worker, clock)
    sms("JOIN")
    clock.set(clock.now().replace(hour=23, minute=0))  # 18:00 in New York: the check-in is due
    _flood(sms, ctx.settings, "menu")
    worker.tick()  # the check-in goes out within the same flooded minute
    assert "Jamie will see it" in (sms("rough day but hanging in") or "")
    assert rows(ctx, Checkin)[0].answer_kind == "text"


def test_urgent_texts_have_a_ceiling_a_loop_cannot_pass(sms):
    # An echo bot repeating our HELP reply: answered far past the info limit, but not forever.
    answered = sum(sms("HELP") is not None for _ in range(URGENT_PER_MINUTE + 10))
    assert answered == URGENT_PER_MINUTE


def test_twenty_five_starts_get_at_most_a_few_replies(sms):
    replies = [sms("START") for _ in range(25)]
    assert 1 <= sum(reply is not None for reply in replies) <= 3
    unstops = [sms("UNSTOP") for _ in range(25)]
    assert sum(reply is not None for reply in unstops) <= 3


def test_stop_start_loop_is_carried_out_but_replies_stay_few(ctx, sms):
    replies = []
    for _ in range(10):
        replies.append(sms("STOP"))
        replies.append(sms("START"))
    assert sum(reply is not None for reply in replies) <= 6
    assert rows(ctx, Suppression) == []  # the last word, START, held
    sms("STOP")
    assert len(rows(ctx, Suppression)) == 1  # STOP always acts, answered or not


def test_forget_loop_is_carried_out_and_answered_once_an_hour(sms, clock):
    assert sms("FORGET")
    assert [sms("FORGET") for _ in range(10)] == [None] * 10
    clock.advance(hours=1)
    assert sms("FORGET")


def test_the_counters_survive_forget(sms, settings):
    _flood(sms, settings)
    sms("FORGET")
    assert sms("naloxone") is None  # still past the limit for this minute: forgetting is no reset


def test_counters_are_keyed_hashes_that_expire(ctx, sms, clock):
    from smsbot.worker.retention import run_retention

    sms("naloxone")
    counters = rows(ctx, InboundCounter)
    assert counters and all("5555550123" not in repr(row) for row in counters)
    run_retention(ctx, clock.now() + timedelta(minutes=1))
    assert len(rows(ctx, InboundCounter)) == len(counters) - 1  # the minute went, the day stays
    run_retention(ctx, clock.now() + timedelta(days=1))
    assert rows(ctx, InboundCounter) == []


def test_twenty_parallel_texts_from_one_number_are_all_counted(ctx, post_sms, database_url, settings):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    replies: list[int] = []
    errors: list[BaseException] = []

    def text() -> None:
        try:
            response = post_sms("naloxone", sid=f"SM{uuid.uuid4().hex}")
            assert response.status_code == 200
            replies.append(len(twiml_messages(response.text)))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=text) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    index = ctx.vault.index(TEXTER)
    counter = InboundCounter.__table__
    with ctx.db.transaction() as conn:
        day = conn.execute(
            select(counter.c.count).where(counter.c.phone_index == index, counter.c.bucket.like("d:%"))
        ).scalar_one()
    assert day == 20
    assert sum(replies) == settings.rate_limit_per_minute


def test_twilio_opt_out_type_stop_is_recorded_and_answered_with_empty_twiml(
    ctx, client, sms, post_sms, fake, worker, clock, peer
):
    jamie = peer()
    enrollment = enroll(jamie)
    run_tick(worker, clock)
    sms("JOIN")
    response = post_sms("PARAR", OptOutType="STOP")
    assert response.status_code == 200 and twiml_messages(response.text) == []
    (suppression,) = rows(ctx, Suppression)
    assert suppression.source == "twilio_opt_out_type"
    assert rows(ctx, Enrollment)[0].status == "stopped"
    assert jamie.get(f"/api/enrollments/{enrollment['id']}").json()["status"] == "stopped"
    assert sms("naloxone") is None
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert len(fake.to(PARTICIPANT)) == 1  # the invitation only: no check-in after the opt-out
    assert any("no more texts" in text for text in fake.to(PEER_PHONE))


def test_twilio_opt_out_type_start_and_help(ctx, sms, post_sms):
    assert sms("STOP")
    response = post_sms("START", OptOutType="START")
    assert twiml_messages(response.text) == []
    assert rows(ctx, Suppression) == []
    assert sms("naloxone")
    response = post_sms("HELP", OptOutType="HELP")
    assert twiml_messages(response.text) == []
