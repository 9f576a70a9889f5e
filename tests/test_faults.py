"""Faults: Twilio down for ten minutes (5xx, then connection refused) on an injected clock. The
outbox waits (one probe per pause, nothing used up), then drains in order at the allowed rate:
nothing lost, nothing doubled, no false alarm to the peer.
"""

from __future__ import annotations

from datetime import timedelta

from smsbot.clock import parse_iso
from smsbot.models import Checkin, OutboxMessage
from smsbot.outbound import outage
from smsbot.outbound.pacing import SharedPacer
from smsbot.outbound.senders import TwilioSender
from smsbot.worker.tick import Worker
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PEER_PHONE, rows, run_tick, twilio_settings
from tests.fake_twilio import FakeTwilio
from tests.test_outbound_sending import VirtualWall
from tests.test_outbox_support import PROMPT_WORDS, T, join_all, phones

OB = OutboxMessage.__table__
RATE = 20.0


def test_twilio_down_for_ten_minutes_then_the_outbox_drains_in_order_at_the_rate(
    ctx, client, sms, fake, worker, clock, peer
):
    numbers = phones(6)
    join_all(sms, worker, clock, peer(), numbers)  # invitations out through the usual fake
    wall = VirtualWall()
    twilio = FakeTwilio(rate=RATE, burst=2, clock=wall).start()
    port = int(twilio.base_url.rsplit(":", 1)[1])
    ctx.settings.send_rate = RATE
    paced = Worker(
        ctx,
        sender=TwilioSender(twilio_settings(ctx, twilio)),
        pacer=SharedPacer(ctx.db, RATE, wall=wall, sleep=wall.sleep),
    )
    paced.dispatcher.threads = 1  # one sender: each send leaves at the virtual time it slept to
    try:
        # Minutes 0-5: every request answered 503.
        twilio.script(*["503"] * 50)
        report = run_tick(paced, clock, T)
        assert report.schedule.prompts == 6 and twilio.requests == 1  # one probe, then everyone waits
        assert report.dispatch.paused_until == parse_iso(T) + outage.PAUSE
        assert {row.status for row in rows(ctx, OutboxMessage, OB.c.purpose == "checkin")} == {"queued"}
        run_tick(paced, clock, parse_iso(T) + timedelta(seconds=10))
        assert twilio.requests == 1  # paused: nobody tried
        for second in range(30, 300, 30):
            run_tick(paced, clock, parse_iso(T) + timedelta(seconds=second))
        probes = twilio.requests
        assert 9 <= probes <= 10 and twilio.messages == []  # about one probe per pause

        # Minutes 5-10: nothing listens (connection refused).
        twilio.stop()
        for second in range(300, 600, 30):
            run_tick(paced, clock, parse_iso(T) + timedelta(seconds=second))
        queued = rows(ctx, OutboxMessage, OB.c.purpose == "checkin")
        assert {row.status for row in queued} == {"queued"}  # not one given up
        assert all(row.twilio_sid is None for row in queued)

        # Twilio is back: the queue drains in order, at the rate, each text once.
        twilio = FakeTwilio(rate=RATE, burst=2, clock=wall).start(port)
        started = wall.now
        report = run_tick(paced, clock, parse_iso(T) + timedelta(minutes=10, seconds=30))
        prompts = [m.to for m in twilio.messages if PROMPT_WORDS in m.body]
        assert prompts == numbers  # in the order they fell due
        assert twilio.rejected_429 == 0
        assert wall.now - started >= (len(prompts) - 1) / RATE - 1e-9
        sent = rows(ctx, OutboxMessage, OB.c.purpose == "checkin")
        assert {row.status for row in sent} == {"sent"}
        assert {c.status for c in rows(ctx, Checkin)} == {"waiting"}
        assert fake.to(PEER_PHONE) == [] and twilio.to(PEER_PHONE) == []  # no false alarm
        run_tick(paced, clock, parse_iso(T) + timedelta(minutes=11))
        assert [m.to for m in twilio.messages if PROMPT_WORDS in m.body] == numbers  # nothing doubled
    finally:
        twilio.stop()
